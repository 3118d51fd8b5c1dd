// Mutation testing (`npm run mutation`): Stryker changes one thing at a time in the modules the
// safety invariants rest on (docs/mutation.md) and runs the tests that cover it; a change no test
// notices is a guard no test pins. Incremental: a re-run tests only mutants whose code or tests
// changed since the last run (reports/stryker-incremental.json).
export default {
  testRunner: 'vitest',
  checkers: ['typescript'],
  // src/ alone: a mutant is a compile error when src/ no longer type-checks; checking the tests,
  // the emulator and the scripts with every mutant too made the checker the slowest part of a run.
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Unit and integration tests only, each file in fresh modules: see vitest.mutation.config.ts.
  // Only test files that import the mutated module (Vitest's import graph) can see its mutant: a
  // mutant of a module-level value (which per-test coverage cannot place, so every test would run)
  // is tested by those files, not by the whole suite.
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: [
    // the download and checksum path
    'src/image/download.ts',
    'src/image/source.ts',
    // the block sender and both upload methods
    'src/upload/block-sender.ts',
    'src/upload/ebs-direct.ts',
    'src/upload/import-snapshot.ts',
    // publish, copy and register
    'src/stages/publish.ts',
    'src/aws/copy.ts',
    'src/aws/register.ts',
    // the post step and cleanup
    'src/action/post.ts',
    'src/aws/cleanup-pending.ts',
    'src/stages/cleanup.ts',
    // index selection, the log sink, the host policy
    'src/ami-index/select.ts',
    'src/log.ts',
    'src/net/host-policy.ts',
  ],
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.tmp/stryker',
  concurrency: 2,
  // Added to 1.5 × the covering tests' own time: a mutant that makes a wait endless is caught in
  // seconds rather than minutes.
  timeoutMS: 20_000,
  thresholds: { high: 85, low: 70, break: null },
};
