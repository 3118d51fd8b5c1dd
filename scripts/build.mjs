// Bundles the action and the CLI with ncc, side by side (each ncc runs on one core), and beside
// each the modules of fedimg's own threads (the image feeder and the PutSnapshotBlock senders),
// which a bundle starts from its own directory (src/util/threads.ts).
// `node scripts/build.mjs [outDir]` (default dist/).
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_INPUTS_FILE, buildInputsHash } from './build-inputs.mjs';

const out = process.argv[2] ?? 'dist';
const bundles = [
  ['src/action/entry.ts', 'action'],
  ['src/cli/entry.ts', 'cli'],
];
const threads = [
  ['src/aws/snapshot-block-worker.ts', 'snapshot-block-worker'],
  ['src/image/feeder-thread.ts', 'feeder-thread'],
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
await Promise.all([...bundles, ...threads.map(([entry, name]) => [entry, `.${name}`])].map(build));
for (const [, thread] of threads) {
  for (const [, bundle] of bundles)
    copyFileSync(join(out, `.${thread}`, 'index.js'), join(out, bundle, `${thread}.js`));
  rmSync(join(out, `.${thread}`), { recursive: true });
}
chmodSync(join(out, 'cli', 'index.js'), 0o755);
writeFileSync(join(out, BUILD_INPUTS_FILE), `${buildInputsHash()}\n`);
