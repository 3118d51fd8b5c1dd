// Generates a Fedora-like compose and serves it on 127.0.0.1 in a detached process, for CI jobs
// that run the action with `uses: ./`. Prints `location=` and `host=` lines for GITHUB_OUTPUT.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCompose } from '../test/fixtures/compose.js';
import { startFileServer } from '../test/fixtures/file-server.js';

if (process.argv[2] === '--serve') {
  const server = await startFileServer(process.argv[3]!);
  process.send?.({ url: server.url, host: server.host });
} else {
  const dir = await mkdtemp(join(tmpdir(), 'fedimg-compose-'));
  const compose = await generateCompose(dir, { rawSize: 16 * 1024 * 1024 });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', import.meta.filename ?? process.argv[1]!, '--serve', dir],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const { url, host } = await new Promise<{ url: string; host: string }>((resolve) =>
    child.once('message', resolve as never),
  );
  child.disconnect();
  child.unref();
  process.stdout.write(`location=${url}${compose.composeId}/compose\nhost=${host}\n`);
}
