// Bundles the action and the CLI with ncc. `node scripts/build.mjs [outDir]` (default dist/).
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'dist';
const bundles = [
  ['src/action.ts', 'action'],
  ['src/cli-entry.ts', 'cli'],
];
rmSync(out, { recursive: true, force: true });
for (const [entry, name] of bundles) {
  execFileSync(
    process.execPath,
    [
      'node_modules/@vercel/ncc/dist/ncc/cli.js',
      'build',
      entry,
      '-o',
      join(out, name),
      '--license',
      'licenses.txt',
      '-q',
    ],
    { stdio: 'inherit' },
  );
}
chmodSync(join(out, 'cli', 'index.js'), 0o755);
