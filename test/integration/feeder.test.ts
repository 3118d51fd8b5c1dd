/**
 * The feeding thread's word on a feed whose reader, xz, stopped early: xz exits as soon as it finds
 * corrupt data, with input it never read. The feed is still reported by what it found (the file
 * verified), so that the decoder's own error says what went wrong.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadStats } from '../../src/image/download.js';
import { startFeeder } from '../../src/image/feeder.js';

let dir: string;
let file: { path: string; sha256: string; size: number };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-feeder-'));
  // Within a local socket's buffers (about 200 KiB), so the thread writes every byte at once, and
  // more than one read (64 KiB), so some are left unread.
  const bytes = randomBytes(160 * 1024);
  file = {
    path: join(dir, 'image.raw.xz'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
  };
  await writeFile(file.path, bytes);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the feeding thread', () => {
  it('reports the file verified when its reader closed with input unread after every byte was written', async () => {
    const stats: DownloadStats = { bytes: 0, resumes: 0, verified: false };
    const feeder = await startFeeder(
      {
        url: 'https://kojipkgs.fedoraproject.org/compose/image.raw.xz',
        sha256: file.sha256,
        size: file.size,
        policy: { allowedHosts: ['kojipkgs.fedoraproject.org'], allowHttp: false },
        localFile: file.path,
      },
      stats,
    );
    // As xz on corrupt data: it reads a little, and exits with the rest unread. By then the thread
    // has written the whole file and ended its side.
    feeder.input.resume();
    await new Promise((resolve) => feeder.input.once('data', resolve));
    feeder.input.pause();
    await sleep(300);
    feeder.input.destroy();
    await expect(feeder.done).resolves.toBeUndefined();
    expect(stats).toMatchObject({ bytes: file.size, verified: true });
  });
});
