// Mutation testing of the engine (`npm run test:mutation`; slow, not part of `npm test`).
// Stryker mutates src/engine in a sandbox, compiles the tests once with every mutant switchable
// (tsc -p tsconfig.test.json), drops the mutants that do not type-check, and runs the mocha unit
// tests that cover each mutant (coverageAnalysis perTest).
// Narrow it with environment variables, e.g. for one module and the tests that exercise it:
//   STRYKER_MUTATE=src/engine/findings/triage/risk.ts STRYKER_SPEC='out/test/unit/{risk,tails}.test.js' npm run test:mutation
// The HTML report goes to reports/mutation/ (gitignored), the summary table to the terminal.
const list = (v, d) => (v ? v.split(';').map((s) => s.trim()).filter(Boolean) : d);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  checkers: process.env.STRYKER_NO_CHECK ? [] : ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  buildCommand: 'npx tsc -p tsconfig.test.json',
  mutate: list(process.env.STRYKER_MUTATE, ['src/engine/**/*.ts']),
  mochaOptions: {
    spec: list(process.env.STRYKER_SPEC, ['out/test/unit/**/*.test.js']),
    'no-config': true,
  },
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  timeoutMS: 60000,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  thresholds: { high: 90, low: 80 },
  ignorePatterns: ['node_modules', '.vscode-test', 'test-artifacts', 'dist', 'out', 'reports', '.git', '../shared'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
