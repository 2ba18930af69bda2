#!/usr/bin/env python3
"""Reference outputs of scikit-learn for the TypeScript models in src/engine/ml.

Writes JSON fixtures to test/fixtures/sklearn/ from small deterministic data
sets (numpy RandomState seeds below), so the unit tests compare against
scikit-learn without needing Python. With the shared data present, it also
records the book's figures on the real January 2018 login minutes.

Run from the repository root:  /usr/bin/python3 scripts/sklearn-reference.py
Made with Debian's python3-sklearn (scikit-learn 1.2.1, numpy 1.24, pandas 1.5).
"""
import json
import math
import os
import sys

import numpy as np
import sklearn
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import (accuracy_score, average_precision_score, precision_score, recall_score, classification_report, cohen_kappa_score,
                             confusion_matrix, precision_recall_curve, roc_auc_score, roc_curve)
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'sklearn')
SHARED = os.path.join(os.path.dirname(ROOT), 'shared', 'data', 'login-attempts', 'ch11')


def clean(v):
    """JSON-safe: arrays to lists, infinities to strings the tests read back."""
    if isinstance(v, dict):
        return {str(k): clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return clean(v.tolist())
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        if math.isinf(f):
            return 'Infinity' if f > 0 else '-Infinity'
        if math.isnan(f):
            return 'NaN'
        return f
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def write(name, data):
    data = {'sklearn': sklearn.__version__, 'numpy': np.__version__, **data}
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(clean(data), f, separators=(',', ':'))
        f.write('\n')
    print(f'{path}: {os.path.getsize(path):,} bytes')


def classification_data(seed, n, d, positive_share, duplicates):
    """Two overlapping Gaussian classes, a few exact duplicate rows, integer-ish and real columns."""
    rng = np.random.RandomState(seed)
    y = (rng.rand(n) < positive_share).astype(int)
    X = rng.normal(size=(n, d)) + y[:, None] * np.linspace(1.5, 0.2, d)
    X[:, 0] = np.round(X[:, 0] * 2) / 2  # a coarse column: ties
    X[:, -1] = X[:, -1] * 10 + 100  # a column far from unit scale
    for i in range(duplicates):
        X[n - 1 - i] = X[i]
        y[n - 1 - i] = y[i]
    return X, y


def round12(a):
    return np.round(np.asarray(a, dtype=float), 12)


def main():
    os.makedirs(OUT, exist_ok=True)

    # StandardScaler: a constant column, a column with a large offset, duplicates.
    rng = np.random.RandomState(1)
    X = rng.normal(size=(40, 4)) * [1, 5, 0.01, 3] + [0, 1000, 0, -7]
    X[:, 2] = 3.5
    X[5] = X[6]
    sc = StandardScaler().fit(X)
    Z = np.array([[0, 1000, 3.5, -7], [1, 1, 1, 1]], dtype=float)
    write('standardize.json', {'X': X, 'mean': sc.mean_, 'scale': sc.scale_, 'Xt': sc.transform(X), 'Z': Z, 'Zt': sc.transform(Z)})

    # Logistic regression: the exact optimum (newton-cholesky to 1e-14; lbfgs stops on its
    # relative-decrease test before the gradient is that small) and lbfgs at its defaults.
    X, y = classification_data(2, 300, 6, 0.3, 10)
    Xt, yt = classification_data(3, 120, 6, 0.3, 0)
    fits = []
    for C in (0.01, 1.0, 100.0):
        for cw in (None, 'balanced', {0: 1.0, 1: 3.0}):
            m = LogisticRegression(C=C, class_weight=cw, solver='newton-cholesky', tol=1e-14, max_iter=1000).fit(X, y)
            d = LogisticRegression(C=C, class_weight=cw).fit(X, y)
            fits.append({'C': C, 'classWeight': cw, 'coef': m.coef_[0], 'intercept': m.intercept_[0],
                         'defaultCoef': d.coef_[0], 'defaultIntercept': d.intercept_[0],
                         'proba': m.predict_proba(Xt)[:, 1], 'predict': m.predict(Xt)})
    # Perfectly separable data: the penalty alone keeps the optimum finite.
    Xs = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
    ys = np.array([0, 0, 0, 1, 1, 1])
    sep = LogisticRegression(C=10.0, solver='newton-cholesky', tol=1e-14, max_iter=1000).fit(Xs, ys)
    write('logistic.json', {'X': X, 'y': y, 'Xtest': Xt, 'ytest': yt, 'fits': fits,
                            'separable': {'X': Xs, 'y': ys, 'C': 10.0, 'coef': sep.coef_[0], 'intercept': sep.intercept_[0]}})

    # GridSearchCV over C with StratifiedKFold (no shuffle), refit on everything.
    Cs = [0.001, 0.01, 0.1, 1.0, 10.0]
    searches = []
    for scoring in ('f1', 'recall', 'precision', 'roc_auc', 'accuracy'):
        gs = GridSearchCV(LogisticRegression(solver='newton-cholesky', tol=1e-14, max_iter=1000), {'C': Cs}, cv=StratifiedKFold(5), scoring=scoring).fit(X, y)
        r = gs.cv_results_
        searches.append({'scoring': scoring, 'mean': r['mean_test_score'], 'std': r['std_test_score'],
                         'folds': [r[f'split{i}_test_score'] for i in range(5)],
                         'bestC': gs.best_params_['C'], 'coef': gs.best_estimator_.coef_[0], 'intercept': gs.best_estimator_.intercept_[0]})
    # Fold assignment on an unbalanced label vector that starts with the rare class.
    yf = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], dtype=int)
    test_fold = np.empty(len(yf), dtype=int)
    for f, (_, te) in enumerate(StratifiedKFold(5).split(np.zeros(len(yf)), yf)):
        test_fold[te] = f
    write('crossValidation.json', {'X': X, 'y': y, 'Cs': Cs, 'searches': searches, 'foldLabels': yf, 'testFold': test_fold})

    nb = GaussianNB().fit(X, y)
    dummies = {s: DummyClassifier(strategy=s).fit(X, y) for s in ('most_frequent', 'prior')}
    write('naiveBayes.json', {'X': X, 'y': y, 'Xtest': Xt, 'theta': nb.theta_, 'var': nb.var_, 'classPrior': nb.class_prior_,
                              'epsilon': nb.epsilon_, 'proba': nb.predict_proba(Xt)[:, 1], 'predict': nb.predict(Xt),
                              'dummy': {s: {'proba': m.predict_proba(Xt)[:, 1], 'predict': m.predict(Xt)} for s, m in dummies.items()}})

    # Metrics on scores with ties and a perfect-separation slice.
    rng = np.random.RandomState(4)
    yt_ = (rng.rand(200) < 0.2).astype(int)
    score = np.round(rng.rand(200) * 0.6 + yt_ * 0.35, 2)  # rounded: many ties
    pred = (score >= 0.5).astype(int)
    fpr, tpr, thr = roc_curve(yt_, score)
    fpr_all, tpr_all, thr_all = roc_curve(yt_, score, drop_intermediate=False)
    p, r, t = precision_recall_curve(yt_, score)
    other = (rng.rand(200) < 0.3).astype(int)
    tn, fp, fn, tp = confusion_matrix(yt_, pred).ravel()
    write('metrics.json', {
        'yTrue': yt_, 'score': score, 'yPred': pred, 'other': other,
        'confusion': {'tp': tp, 'fp': fp, 'fn': fn, 'tn': tn},
        'report': classification_report(yt_, pred, output_dict=True, zero_division=0),
        'reportText': classification_report(yt_, pred, zero_division=0),
        'reportAllNegative': classification_report(yt_, np.zeros_like(yt_), output_dict=True, zero_division=0),
        # scikit-learn 1.2 puts max(score) + 1 first; from 1.3 on it is +inf, as our rocCurve does.
        'roc': {'fpr': fpr, 'tpr': tpr, 'thresholds': thr[1:]},
        'rocAll': {'fpr': fpr_all, 'tpr': tpr_all, 'thresholds': thr_all[1:]},
        'rocAuc': roc_auc_score(yt_, score),
        'pr': {'precision': p, 'recall': r, 'thresholds': t},
        'averagePrecision': average_precision_score(yt_, score),
        'kappa': cohen_kappa_score(yt_, pred), 'kappaOther': cohen_kappa_score(pred, other),
        'kappaStrings': cohen_kappa_score(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'a'], ['a', 'b', 'b', 'a', 'c', 'c', 'b', 'a']),
        # The book's find_threshold: every threshold with precision ≥ 0.85 and recall ≥ 0.70.
        'thresholdsMeeting': t[(p[:-1] >= 0.85) & (r[:-1] >= 0.70)],
        'thresholdsMeeting60': t[(p[:-1] >= 0.6) & (r[:-1] >= 0.6)],
    })

    # Local outlier factor: continuous clusters with planted outliers and exact duplicates
    # (more duplicates than neighbours in one place), and a heavily duplicated one-hot-like set.
    rng = np.random.RandomState(5)
    A = np.vstack([rng.normal(size=(150, 3)), rng.normal(size=(80, 3)) * 0.3 + 4, [[8, 8, 8], [-6, 0, 2], [0, 7, -5], [4, 4, 9]]])
    A = np.vstack([A, np.repeat(A[10:11], 25, axis=0), np.repeat(A[200:201], 3, axis=0), A[[231, 231]]])
    lof_cases = []
    for k, cont in ((5, 'auto'), (20, 'auto'), (20, 0.05), (300, 'auto')):
        m = LocalOutlierFactor(n_neighbors=k, contamination=cont).fit(A)
        lof_cases.append({'data': 'A', 'nNeighbors': k, 'contamination': cont, 'nof': m.negative_outlier_factor_,
                          'kdist': m._distances_fit_X_[:, -1], 'offset': m.offset_, 'predict': m.fit_predict(A)})
    # Rows from few distinct patterns (per-minute features look like this): counts 0-3, one-hot day, standardised.
    rng = np.random.RandomState(6)
    day = rng.randint(0, 4, size=400)
    count = np.minimum(rng.poisson(0.4, size=400), 3)
    count[[17, 211]] = [9, 12]
    B = StandardScaler().fit_transform(np.column_stack([count, np.eye(4)[day]]).astype(float))
    for k in (5, 20):
        m = LocalOutlierFactor(n_neighbors=k, algorithm='brute').fit(B)
        lof_cases.append({'data': 'B', 'nNeighbors': k, 'contamination': 'auto', 'nof': m.negative_outlier_factor_,
                          'kdist': m._distances_fit_X_[:, -1], 'offset': m.offset_, 'predict': m.fit_predict(B)})
    write('lof.json', {'A': A, 'B': B, 'cases': lof_cases})

    # Isolation forest: random, so the tests compare statistically (rank correlation, planted outliers)
    # and the offset logic exactly (np.percentile of the scores).
    rng = np.random.RandomState(7)
    C_ = np.vstack([rng.normal(size=(300, 4)), rng.normal(size=(100, 4)) * 0.5 + 3])
    planted = [400, 401, 402, 403, 404]
    C_ = np.vstack([C_, [[9, 9, 9, 9], [-7, 0, 0, 6], [0, -8, 8, 0], [12, -3, 0, 0], [0, 0, -9, -9]]])
    iso_cases = []
    for cont in (0.05, 'auto', 0.2):
        m = IsolationForest(random_state=0, contamination=cont).fit(C_)
        s = m.score_samples(C_)
        iso_cases.append({'contamination': cont, 'scores': s, 'offset': m.offset_, 'predict': m.predict(C_)})
    big = IsolationForest(random_state=0, n_estimators=1000).fit(C_).score_samples(C_)
    write('isolationForest.json', {'X': C_, 'planted': planted, 'cases': iso_cases, 'scores1000': big})

    # SGD logistic regression: fit, and partial_fit over three batches (t carries over).
    X, y = classification_data(8, 900, 5, 0.25, 0)
    sc = StandardScaler().fit(X[:600])
    Xa, ya, Xb, yb = sc.transform(X[:600]), y[:600], sc.transform(X[600:]), y[600:]
    m = SGDClassifier(loss='log_loss', random_state=0).fit(Xa, ya)
    online = SGDClassifier(loss='log_loss', random_state=0)
    steps = []
    for a, b in ((0, 200), (200, 400), (400, 600)):
        online.partial_fit(Xa[a:b], ya[a:b], classes=[0, 1])
        steps.append({'coef': online.coef_[0].copy(), 'intercept': online.intercept_[0], 't': online.t_})
    # SGD is noisy from seed to seed even within scikit-learn: the tests compare our spread over seeds with its.
    lbfgs = LogisticRegression(C=1 / (1e-4 * 600), solver='newton-cholesky', tol=1e-14, max_iter=1000).fit(Xa, ya).coef_[0]
    cos = lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    fit_stats, partial_stats = [], []
    for seed in range(20):
        sg = SGDClassifier(loss='log_loss', random_state=seed).fit(Xa, ya)
        pb = sg.predict(Xb)
        fit_stats.append([cos(sg.coef_[0], lbfgs), precision_score(yb, pb, zero_division=0), recall_score(yb, pb), accuracy_score(yb, pb), sg.n_iter_])
        o = SGDClassifier(loss='log_loss', random_state=seed)
        for a, b in ((0, 200), (200, 400), (400, 600)):
            o.partial_fit(Xa[a:b], ya[a:b], classes=[0, 1])
        pb = o.predict(Xb)
        partial_stats.append([cos(o.coef_[0], lbfgs), precision_score(yb, pb, zero_division=0), recall_score(yb, pb), accuracy_score(yb, pb)])
    book = SGDClassifier(loss='log_loss', random_state=0, max_iter=1000, tol=1e-3, average=1000,
                         learning_rate='adaptive', eta0=0.01).fit(Xa, ya)
    write('sgd.json', {'Xtrain': Xa, 'ytrain': ya, 'Xtest': Xb, 'ytest': yb,
                       'fit': {'coef': m.coef_[0], 'intercept': m.intercept_[0], 'nIter': m.n_iter_, 't': m.t_, 'predict': m.predict(Xb),
                               'proba': m.predict_proba(Xb)[:, 1]},
                       'partial': steps, 'partialPredict': online.predict(Xb),
                       'book': {'coef': book.coef_[0], 'intercept': book.intercept_[0], 'nIter': book.n_iter_, 'predict': book.predict(Xb)},
                       'lbfgsCoef': lbfgs,
                       # Medians over seeds 0-19: [cosine to the lbfgs optimum, precision, recall, accuracy(, epochs)].
                       'fitSeeds': np.median(fit_stats, axis=0), 'partialSeeds': np.median(partial_stats, axis=0)})

    if os.path.isdir(SHARED):
        write('login-jan2018.json', login_january())
    else:
        print(f'{SHARED} not found: login-jan2018.json left as it is')


def login_january():
    """The book's January 2018 per-minute features, its two detectors and their agreement."""
    import pandas as pd
    logs = pd.read_csv(os.path.join(SHARED, 'logs_2018.csv'), index_col='datetime', parse_dates=True)
    hackers = pd.read_csv(os.path.join(SHARED, 'hackers_2018.csv'), parse_dates=['start', 'end'])
    X = pd.get_dummies(logs.loc['2018-01'].assign(failures=lambda x: 1 - x.success).query('failures > 0')
                       .resample('1min').agg({'username': 'nunique', 'failures': 'sum'}).dropna()
                       .rename(columns={'username': 'usernames_with_failures'})
                       .assign(day_of_week=lambda x: x.index.dayofweek, hour=lambda x: x.index.hour)
                       .drop(columns=['failures']), columns=['day_of_week', 'hour'])
    dates = pd.concat([pd.date_range(s.floor('min'), e.ceil('min'), freq='1min').to_series()
                       for s, e in zip(hackers.start, hackers.end)])
    y = X.index.isin(dates).astype(int)
    Xs = StandardScaler().fit_transform(X.astype(float))
    lof = LocalOutlierFactor().fit(Xs)
    lof_pred = (lof.negative_outlier_factor_ < lof.offset_).astype(int)
    iso = IsolationForest(random_state=0, contamination=0.05).fit(Xs)
    iso_pred = (iso.predict(Xs) == -1).astype(int)
    nof = -lof.negative_outlier_factor_
    return {
        'columns': list(X.columns), 'minutes': len(X), 'attackMinutes': int(y.sum()),
        'firstMinute': str(X.index[0]), 'lastMinute': str(X.index[-1]),
        'featureSums': X.sum().values,
        'lof': {'outliers': int(lof_pred.sum()), 'recall': float((lof_pred & y).sum() / y.sum()),
                'sumCapped': float(np.minimum(nof, 100).sum()), 'top': np.sort(nof)[-12:],
                'outlierIndices': np.flatnonzero(lof_pred)},
        'iso': {'outliers': int(iso_pred.sum()), 'recall': float((iso_pred & y).sum() / y.sum()), 'offset': iso.offset_},
        'kappa': cohen_kappa_score(lof_pred, iso_pred),
    }


if __name__ == '__main__':
    sys.exit(main())
