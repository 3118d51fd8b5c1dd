// `npm start`: the embedded default. Generates a Fedora-like compose, serves it on loopback and runs
// the plan stage through the CLI against it. (The full pipeline joins once the AWS emulator exists.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../src/cli.js';
import { generateCompose } from '../test/fixtures/compose.js';
import { startFileServer } from '../test/fixtures/file-server.js';

const HELP = `npm start — run fedimg against a generated Fedora-like compose served on 127.0.0.1.

It generates a compose (Cloud_Base AmazonEC2 raw.xz images for x86_64 and aarch64, plus decoys),
serves it on a loopback port and runs \`fedimg plan\` on it.

To run the same stage against a real compose, use the CLI directly:
  npx fedimg plan --compose https://kojipkgs.fedoraproject.org/compose/<dir>/<COMPOSE_ID>/compose
  npx fedimg plan --compose-id Fedora-Rawhide-20260226.n.0 --json
`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), 'fedimg-demo-'));
const server = await startFileServer(dir);
try {
  process.stderr.write(`Generating a Fedora-like compose in ${dir} ...\n`);
  const compose = await generateCompose(dir, { rawSize: 64 * 1024 * 1024, checksums: 'signed' });
  const location = `${server.url}${compose.composeId}/compose`;
  process.stderr.write(`Serving it at ${location}\n\n`);
  process.exitCode = await cli([
    'plan',
    '--compose',
    location,
    '--allowed-hosts',
    server.host,
    '--allow-http',
  ]);
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
