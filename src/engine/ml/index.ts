/**
 * Machine learning for the investigations, in plain TypeScript (no vscode, no
 * dependency): scikit-learn's algorithms, tested against its outputs
 * (test/fixtures/sklearn, made by scripts/sklearn-reference.py).
 */
export { Random } from './random';
export { checkLabels, checkMatrix, percentile, uniqueRows, type Labels, type Matrix, type UniqueRows } from './matrix';
export { standardize, type Standardizer } from './scale';
export * as metrics from './metrics';
export {
  accuracyScore,
  auc,
  averagePrecision,
  classificationReport,
  cohenKappa,
  confusionMatrix,
  f1Score,
  formatClassificationReport,
  precisionRecallCurve,
  precisionScore,
  recallScore,
  rocAucScore,
  rocCurve,
  type ClassificationReport,
  type ClassScores,
  type Confusion,
  type PrecisionRecallCurve,
  type RocCurve,
} from './metrics';
export { findThreshold, type ThresholdChoice, type ThresholdPoint } from './threshold';
export {
  averagePathLength,
  isolationForest,
  type IsolationForestModel,
  type IsolationForestOptions,
  type IsolationForestResult,
} from './isolationForest';
export { localOutlierFactor, type LofOptions, type LofResult } from './lof';
export { classWeights, logisticRegression, makeLogisticModel, sigmoid, type ClassWeight, type LogisticModel, type LogisticOptions } from './logistic';
export {
  crossValidatedLogistic,
  stratifiedFolds,
  type CrossValidatedLogistic,
  type CrossValidationOptions,
  type Scoring,
} from './crossValidation';
export { gaussianNB, type GaussianNBModel } from './naiveBayes';
export { dummyClassifier, type DummyModel, type DummyStrategy } from './dummy';
export { sgdLogistic, type SgdLearningRate, type SgdLogistic, type SgdOptions, type SgdState } from './sgd';
