// Mutation testing (`npm run mutation`): Stryker changes one thing at a time in the modules the
// safety invariants rest on (docs/mutation.md) and runs the tests that cover it; a change no test
// notices is a guard no test pins. Incremental: a re-run tests only mutants whose code or tests
// changed since the last run (reports/stryker-incremental.json).
export default {
  testRunner: 'vitest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Unit and integration tests only, each file in fresh modules: see vitest.mutation.config.ts.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
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
  timeoutMS: 60_000,
  thresholds: { high: 85, low: 70, break: null },
};
