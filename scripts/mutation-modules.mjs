// The modules the README's safety invariants rest on (docs/mutation.md), each with the test files
// that exercise it. `npm run mutation` runs Stryker once per module against those files only: with
// every test that imports a module (Vitest's import graph), one mutant of a module-level value ran
// ~260 tests and a complete run was estimated at five hours on two cores; with these lists a module
// takes 3 to 30 minutes there. A test file elsewhere may kill more, so a module's score is a lower
// bound. Add a test file here when it is written for one of these modules.
export const mutationModules = [
  // the download and checksum path
  {
    name: 'download',
    file: 'src/image/download.ts',
    tests: ['test/integration/download.test.ts', 'test/integration/download-close.test.ts'],
  },
  {
    name: 'source',
    file: 'src/image/source.ts',
    tests: [
      'test/integration/compose-and-source.test.ts',
      'test/integration/download-close.test.ts',
      'test/integration/image-cache.test.ts',
      'test/unit/source-write.test.ts',
    ],
  },
  // the block sender and both upload methods
  {
    name: 'block-sender',
    file: 'src/upload/block-sender.ts',
    tests: ['test/unit/block-sender.test.ts', 'test/integration/snapshot-blocks.test.ts'],
  },
  {
    name: 'ebs-direct',
    file: 'src/upload/ebs-direct.ts',
    tests: [
      'test/integration/import.test.ts',
      'test/integration/snapshot-blocks.test.ts',
      'test/integration/aws-refusals.test.ts',
    ],
  },
  {
    name: 'import-snapshot',
    file: 'src/upload/import-snapshot.ts',
    tests: [
      'test/integration/import.test.ts',
      'test/integration/iam-routes.test.ts',
      'test/integration/post-step.test.ts',
    ],
  },
  // publish, copy and register
  {
    name: 'publish',
    file: 'src/stages/publish.ts',
    tests: [
      'test/integration/publish.test.ts',
      'test/integration/marketplace.test.ts',
      'test/unit/publish-report.test.ts',
      'test/unit/stage-registry.test.ts',
      'test/unit/cli-help.test.ts',
    ],
  },
  {
    name: 'copy',
    file: 'src/aws/copy.ts',
    tests: [
      'test/integration/copy.test.ts',
      'test/integration/publish.test.ts',
      'test/unit/semaphore.test.ts',
    ],
  },
  {
    name: 'register',
    file: 'src/aws/register.ts',
    tests: ['test/integration/import.test.ts', 'test/integration/aws-refusals.test.ts'],
  },
  // the post step and cleanup
  { name: 'post', file: 'src/action/post.ts', tests: ['test/integration/post-step.test.ts'] },
  {
    name: 'cleanup-pending',
    file: 'src/aws/cleanup-pending.ts',
    tests: ['test/integration/post-step.test.ts'],
  },
  {
    name: 'cleanup',
    file: 'src/stages/cleanup.ts',
    tests: [
      'test/integration/cleanup.test.ts',
      'test/unit/cleanup-report.test.ts',
      'test/unit/stage-registry.test.ts',
      'test/unit/cli-help.test.ts',
    ],
  },
  // index selection, the log sink, the host policy
  {
    name: 'select',
    file: 'src/ami-index/select.ts',
    tests: [
      'test/unit/ami-index.test.ts',
      'test/unit/productmd.test.ts',
      'test/integration/ami-index.test.ts',
    ],
  },
  { name: 'log', file: 'src/log.ts', tests: ['test/unit/log.test.ts', 'test/unit/events.test.ts'] },
  {
    name: 'host-policy',
    file: 'src/net/host-policy.ts',
    tests: ['test/unit/location.test.ts', 'test/unit/inputs.test.ts'],
  },
];

/** Where Stryker keeps a module's results between runs (incremental mode); none yet means from scratch. */
export const incrementalFileOf = (name) => `reports/stryker-incremental/${name}.json`;
