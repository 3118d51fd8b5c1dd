import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A local stream socket between fedimg and xz (or a feeding thread), made through a listening
 * socket in a private temporary directory (mode 0700: no other user can connect first). `open`
 * makes the other end at `path`; `accepted` is this side's end, paused (nothing is read on it until
 * its reader says so). The directory and the listener are gone once `open` has settled.
 */
export async function privateSocket<T>(
  prefix: string,
  open: (path: string, accepted: Promise<Socket>) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const server = createServer({ pauseOnConnect: true });
  try {
    const path = join(dir, 'socket');
    server.listen(path);
    await once(server, 'listening');
    const accepted = (once(server, 'connection') as Promise<[Socket]>).then(([socket]) => socket);
    return await open(path, accepted);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
