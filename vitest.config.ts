import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, longest first. Vitest orders by each file's last duration, but CI
 * starts from a clean clone without that record, and then orders by file size: faults, long but
 * short in bytes, started among the last and set the end of the run, 209 s in a fresh clone against
 * 172 s in this order. These start first; the rest follow in Vitest's own order.
 */
const LONGEST_FIRST = [
  'test/integration/import.test.ts',
  'test/reliability/faults.test.ts',
  'test/integration/publish.test.ts',
  'test/dist/invariants.test.ts',
  'test/integration/copy.test.ts',
  'test/workflow/publish-rehearsal-call.test.ts',
  'test/workflow/publish-rehearsal-rerun.test.ts',
  'test/integration/marketplace.test.ts',
  'test/workflow/publish-rehearsal.test.ts',
  'test/integration/iam-routes.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    // Array.prototype.sort is stable: Vitest's order holds among the rest.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  plugins: [
    {
      // The parser ships source maps pointing at sources it does not ship; Vite would warn per file.
      name: 'workflow-parser-without-source-maps',
      enforce: 'pre',
      load(id) {
        if (id.includes('/@actions/workflow-parser/') && id.endsWith('.js'))
          return readFileSync(id, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
        return undefined;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // Holds each stage's descriptor to the settings it really reads, and each file to leaving the
    // environment as it found it.
    setupFiles: ['test/setup/stage-reads.ts', 'test/setup/environment.ts'],
    // The AWS SDK's own warning about Node 20 (this machine's Node), printed by every worker whose
    // tests make SDK clients: fedimg switches it off itself and says so in one line, which
    // aws-refusals.test.ts checks with the variable removed.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    sequence: { sequencer: LongestFirst },
    pool: 'forks',
    isolate: false,
    // Two cores, three workers: most tests wait on servers, child processes and polls of their own.
    maxWorkers: 3,
    // GitHub's workflow parser imports its JSON schema without an import attribute, which Node
    // refuses; transformed by Vite it loads.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
