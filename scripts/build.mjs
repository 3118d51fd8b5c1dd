// Bundles the action and the CLI with ncc, side by side (each ncc runs on one core).
// `node scripts/build.mjs [outDir]` (default dist/).
import { spawn } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_INPUTS_FILE, buildInputsHash } from './build-inputs.mjs';

const out = process.argv[2] ?? 'dist';
const bundles = [
  ['src/action/entry.ts', 'action'],
  ['src/cli/entry.ts', 'cli'],
];
rmSync(out, { recursive: true, force: true });
const build = ([entry, name]) =>
  new Promise((resolve, reject) => {
    const ncc = spawn(
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
    ncc.on('error', reject);
    ncc.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ncc ${entry} exited ${code}`))));
  });
await Promise.all(bundles.map(build));
chmodSync(join(out, 'cli', 'index.js'), 0o755);
writeFileSync(join(out, BUILD_INPUTS_FILE), `${buildInputsHash()}\n`);
