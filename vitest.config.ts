import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

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
    // Holds each stage's descriptor to the settings it really reads.
    setupFiles: ['test/setup/stage-reads.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    isolate: false,
    // Two cores, three workers: most tests wait on servers, child processes and polls of their own.
    maxWorkers: 3,
    // GitHub's workflow parser imports its JSON schema without an import attribute, which Node
    // refuses; transformed by Vite it loads.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
