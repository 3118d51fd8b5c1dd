/**
 * Downloads from a server that closes its connection after every body (HTTP/1.0-style mirrors and
 * proxies do), read by a consumer slow enough to back-pressure the download: the download completes,
 * resumes, or fails with an ImageSourceError naming the URL, and never takes the process down.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageSourceError } from '../../src/errors.js';
// Loaded as the action and the CLI load it (through the log): its undici becomes the global
// dispatcher, which is how Node's fetch came to run on an affected HTTP/1 parser.
import '../../src/log.js';
import { downloadVerified, type DownloadStats } from '../../src/image/download.js';
import { ImageSource } from '../../src/image/source.js';
import { writeCompressedImage, type CompressedImage } from '../fixtures/disk-image.js';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';

const RUNS = 12;
let dir: string;
let files: FileServer;
let image: CompressedImage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-close-'));
  // Mostly incompressible, so the compressed file is several MiB: more than the socket buffers hold.
  image = await writeCompressedImage(join(dir, 'image.raw.xz'), 12 * 1024 * 1024, 'close', {
    zeros: 0.1,
    random: 0.8,
  });
  files = await startFileServer(dir, { closeAfterBody: true });
}, 120_000);
afterAll(async () => {
  await files?.close();
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const options = () => ({
  url: new URL(`${files.url}image.raw.xz`),
  policy: { allowedHosts: [files.host], allowHttp: true },
  sha256: image.sha256,
  size: image.size,
  retryDelayMs: 1,
});

/** Reads the download as a slow decoder would: a pause after every chunk, so the body backs up. */
async function slowly(stats: DownloadStats, pauseMs = 3): Promise<number> {
  let bytes = 0;
  for await (const chunk of downloadVerified(options(), stats)) {
    bytes += chunk.length;
    await sleep(pauseMs);
  }
  return bytes;
}

describe('a server that closes the connection after each body', () => {
  it(`completes a back-pressured download every time (${RUNS} runs)`, async () => {
    for (let run = 0; run < RUNS; run++) {
      const stats: DownloadStats = { bytes: 0, resumes: 0, verified: false };
      expect(await slowly(stats)).toBe(image.size);
      expect(stats.verified).toBe(true);
    }
  }, 240_000);

  it('resumes with a Range request when a body ends short with a clean close', async () => {
    files.faults.shortAfter = { path: '/image.raw.xz', bytes: Math.floor(image.size / 2), times: 2 };
    const stats: DownloadStats = { bytes: 0, resumes: 0, verified: false };
    expect(await slowly(stats, 1)).toBe(image.size);
    expect(stats).toMatchObject({ verified: true, resumes: 2 });
    const ranges = files.requests.filter((request) => request.range).map((request) => request.range);
    expect(ranges.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('resumes again when a server answers a Range request from another byte than asked', async () => {
    const half = Math.floor(image.size / 2);
    files.faults.shortAfter = { path: '/image.raw.xz', bytes: half, times: 1 };
    files.faults.resumeFrom = { path: '/image.raw.xz', start: 0, times: 1 };
    const reasons: string[] = [];
    const stats: DownloadStats = { bytes: 0, resumes: 0, verified: false };
    let bytes = 0;
    for await (const chunk of downloadVerified(
      { ...options(), onResume: (_offset, reason) => reasons.push(reason) },
      stats,
    ))
      bytes += chunk.length;
    expect(bytes).toBe(image.size);
    expect(stats).toMatchObject({ verified: true, resumes: 2 });
    expect(reasons[1]).toBe(`server resumed at byte 0, not ${half}`);
  }, 120_000);

  it('fails with an ImageSourceError naming the URL when the body keeps ending short', async () => {
    files.faults.shortAfter = { path: '/image.raw.xz', bytes: 1000, times: 100 };
    const error = await slowly({ bytes: 0, resumes: 0, verified: false }, 0).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    files.faults.shortAfter = undefined;
    expect(error).toBeInstanceOf(ImageSourceError);
    expect((error as ImageSourceError).url).toBe(`${files.url}image.raw.xz`);
    expect((error as Error).message).toMatch(/broke off .* could not be resumed/);
  }, 120_000);

  it('feeds the whole image through a slow block consumer, byte for byte', async () => {
    const source = new ImageSource({ ...options(), url: `${files.url}image.raw.xz` });
    let blocks = 0;
    for await (const block of source.blocks()) {
      blocks++;
      block.release();
      await sleep(10);
    }
    expect(source.stats).toMatchObject({ verified: true, rawBytes: image.rawSize });
    expect(blocks).toBe(Math.ceil(image.rawSize / 524288));
  }, 120_000);
});
