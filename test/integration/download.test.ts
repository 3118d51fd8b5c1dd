/**
 * The compressed image's download against a mirror that misbehaves in the ways the downloader
 * handles one by one: an answer cut off after its last byte, server errors and throttling, a
 * refusal, no Range support, a restart that ends short, and more bytes than the compose says.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ImageSourceError } from '../../src/errors.js';
import {
  downloadVerified,
  readVerifiedFile,
  type DownloadOptions,
  type DownloadStats,
} from '../../src/image/download.js';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';
import { timersLeftBy } from '../helpers/timers.js';

const PATH = '/image.raw.xz';
let dir: string;
let files: FileServer;
let content: Buffer;
let sha256: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-download-'));
  content = randomBytes(3 * 1024 * 1024 + 17);
  sha256 = createHash('sha256').update(content).digest('hex');
  await writeFile(join(dir, 'image.raw.xz'), content);
  files = await startFileServer(dir);
});
afterAll(async () => {
  await files?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  files.faults = {};
  files.requests.length = 0;
});

/** Downloads the file; what arrived (and in which chunks), the stats, and why each resume happened. */
async function download(extra: Partial<DownloadOptions> = {}) {
  const reasons: string[] = [];
  const stats: DownloadStats = { bytes: 0, resumes: 0, verified: false };
  const chunks: Buffer[] = [];
  const url = new URL(`${files.url}image.raw.xz`);
  const options: DownloadOptions = {
    url,
    policy: { allowedHosts: [files.host], allowHttp: true },
    sha256,
    size: content.length,
    retryDelayMs: 1,
    onResume: (_offset, reason) => reasons.push(reason),
    ...extra,
  };
  const error = await (async () => {
    for await (const chunk of downloadVerified(options, stats)) chunks.push(chunk);
  })().then(
    () => undefined,
    (failure: unknown) => failure as Error,
  );
  return { error, stats, reasons, chunks, bytes: Buffer.concat(chunks), url: url.href };
}

describe('downloading the compressed image', () => {
  it('finishes when every byte arrived before the connection broke: the resume is answered 416', async () => {
    files.faults.cutAtEnd = { path: PATH, times: 1 };
    const { error, stats, bytes } = await download();
    expect(error).toBeUndefined();
    expect(bytes.equals(content)).toBe(true);
    expect(stats).toMatchObject({ verified: true, resumes: 1 });
    expect(files.requests.map((request) => request.range)).toEqual([undefined, `bytes=${content.length}-`]);
    // The resume names the file it continues (If-Range: its ETag), so a changed file is sent whole.
    expect(files.requests[1]!.ifRange).toMatch(/^"\d+-[\d.]+"$/);
  });

  it('retries a server error on the resume after the last byte like any other, until the 416', async () => {
    files.faults.cutAtEnd = { path: PATH, times: 1 };
    const reasons: string[] = [];
    const { error, stats, bytes } = await download({
      onResume: (_offset, reason) => {
        if (reasons.push(reason) === 1) files.faults.status = { path: PATH, code: 503, times: 1 };
      },
    });
    expect(error).toBeUndefined();
    expect(bytes.equals(content)).toBe(true);
    expect(stats).toMatchObject({ verified: true, resumes: 2 });
    expect(reasons[1]).toBe('HTTP 503');
  });

  it('does not take a 416 before the last byte for the end', async () => {
    files.faults.shortAfter = { path: PATH, bytes: 1_000_000, times: 1 };
    const { error } = await download({
      onResume: () => (files.faults.status = { path: PATH, code: 416, times: 1 }),
    });
    expect(error).toBeInstanceOf(ImageSourceError);
    expect(error!.message).toMatch(/failed with HTTP 416\./);
  });

  it.each([500, 503, 429, 408])('retries an HTTP %i answer and says why', async (code) => {
    files.faults.status = { path: PATH, code, times: 1 };
    const { error, stats, reasons, bytes } = await download();
    expect(error).toBeUndefined();
    expect(bytes.equals(content)).toBe(true);
    expect(stats.resumes).toBe(1);
    expect(reasons).toEqual([`HTTP ${code}`]);
  });

  it('waits before retrying, twice as long after each failure in a row, with jitter', async () => {
    files.faults.status = { path: PATH, code: 503, times: 3 };
    const pauses: number[] = [];
    const { error } = await download({ retryDelayMs: 200, sleep: async (ms) => void pauses.push(ms) });
    expect(error).toBeUndefined();
    // Between half and one and a half times 200, 400, 800 ms.
    expect(pauses).toHaveLength(3);
    pauses.forEach((ms, at) => {
      const base = 200 * 2 ** at;
      expect(ms).toBeGreaterThanOrEqual(base / 2);
      expect(ms).toBeLessThan(base * 1.5);
    });
    // Jittered: not all at the lower bound (a chance of about one in ten million).
    expect(pauses.some((ms, at) => ms >= 100 * 2 ** at + 1)).toBe(true);
  });

  it('really waits when no sleep is given', async () => {
    files.faults.status = { path: PATH, code: 503, times: 2 };
    const started = Date.now();
    const { error } = await download({ retryDelayMs: 200 });
    expect(error).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(100 + 200);
  });

  it('leaves no timer behind once done, so nothing holds the process', async () => {
    // Only the download's own timers: counting every timer in the process failed whenever one of
    // the file server's (or an earlier test's) ended during the download.
    const pending = await timersLeftBy('/src/image/download.ts', async () => {
      files.faults.shortAfter = { path: PATH, bytes: 1_000_000, times: 1 };
      const { error, stats } = await download({ idleTimeoutMs: 60_000 });
      expect(error).toBeUndefined();
      expect(stats.resumes).toBe(1);
    });
    // one idle timer per connection and the pause before the resume
    expect(pending).toEqual({ created: 3, pending: 0 });
  });

  it('names what stopped it when a connection keeps going quiet', async () => {
    files.faults.stallAfter = { path: PATH, bytes: 1_000_000, times: 100 };
    const { error, url } = await download({ idleTimeoutMs: 150, maxResumes: 1 });
    expect(error).toBeInstanceOf(ImageSourceError);
    expect(error!.message).toBe(
      `The download of ${url} broke off at byte 2000000 of ${content.length} and could not be resumed after 1 attempts (no data for 150 ms). Re-run the job; if it keeps failing, the compose host or the network is in trouble.`,
    );
  });

  it('takes a connection that goes quiet for a dropped one, and resumes', async () => {
    files.faults.stallAfter = { path: PATH, bytes: 1_000_000, times: 1 };
    const { error, stats, reasons, bytes } = await download({ idleTimeoutMs: 300 });
    expect(error).toBeUndefined();
    expect(bytes.equals(content)).toBe(true);
    expect(stats.resumes).toBe(1);
    expect(reasons).toEqual(['no data for 300 ms']);
  });

  it('stops at once when cancelled, even while the connection is quiet', async () => {
    files.faults.stallAfter = { path: PATH, bytes: 1_000_000, times: 1 };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by the user')), 200);
    const started = Date.now();
    const { error } = await download({ idleTimeoutMs: 60_000, signal: controller.signal });
    expect(error?.message).toBe('cancelled by the user');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses a file whose sha256 is not the compose’s, naming both digests and that nothing may be registered', async () => {
    const published = 'f'.repeat(64);
    const { error, stats, url } = await download({ sha256: published });
    expect(error).toBeInstanceOf(ImageSourceError);
    expect((error as ImageSourceError).kind).toBe('checksum-mismatch');
    expect(error!.message).toBe(
      `The sha256 of ${url} is ${sha256}, but the compose published ${published}. The file was modified or corrupted in transit; nothing may be registered from it. Re-run, and ask release engineering if it persists.`,
    );
    expect(stats.verified).toBe(false);
  });

  it('does not take a Content-Range in another unit than bytes for a resume from the right byte', async () => {
    files.faults.shortAfter = { path: PATH, bytes: 1_000_000, times: 1 };
    files.faults.resumeFrom = { path: PATH, start: 1_000_000, times: 1, unit: 'xbytes' };
    const { error, stats, reasons, bytes } = await download();
    expect(error).toBeUndefined();
    expect(bytes.equals(content)).toBe(true);
    expect(stats.resumes).toBe(2);
    expect(reasons[1]).toBe('server resumed at byte NaN, not 1000000');
  });

  it('stops, naming the URL, when a redirect leads off the allowed hosts', async () => {
    files.faults.redirect = { path: PATH, location: 'http://mirror.invalid/image.raw.xz' };
    const { error, stats, url } = await download();
    expect(error).toBeInstanceOf(ImageSourceError);
    expect(error!.message).toMatch(
      new RegExp(`^Downloading ${url.replace(/[.]/g, '\\.')} stopped: .*mirror\\.invalid`),
    );
    expect(error!.cause).toBeInstanceOf(Error);
    expect(stats.resumes).toBe(0);
  });

  it('passes on no empty chunk and keeps counting failures while a restart only repeats bytes already passed on', async () => {
    // No Range support: the restart resends from byte 0 and is cut exactly where the first one was,
    // so all it brings is skipped; the pause after it must be the second failure's.
    files.faults.noRange = true;
    files.faults.shortAfter = { path: PATH, bytes: 1_000_000, times: 2 };
    const pauses: number[] = [];
    const random = vi.spyOn(Math, 'random').mockReturnValue(0);
    const { error, chunks, bytes } = await download({
      retryDelayMs: 100,
      sleep: async (ms) => void pauses.push(ms),
    }).finally(() => random.mockRestore());
    expect(error).toBeUndefined();
    expect(bytes.equals(content)).toBe(true);
    expect(chunks.every((chunk) => chunk.length > 0)).toBe(true);
    expect(pauses).toEqual([50, 100]);
  });

  it('stops at a refusal (404), naming the URL and what to check', async () => {
    files.faults.status = { path: PATH, code: 404, times: 1 };
    const { error, stats, url } = await download();
    expect(error).toBeInstanceOf(ImageSourceError);
    expect(error!.message).toBe(
      `Downloading ${url} failed with HTTP 404. Check that the compose still exists at that location; nothing was published.`,
    );
    expect(stats.resumes).toBe(0);
  });

  it('starts again from the first byte on a server without Range support, passing on only new bytes', async () => {
    files.faults.noRange = true;
    files.faults.shortAfter = { path: PATH, bytes: 1_000_000, times: 1 };
    const { error, stats, bytes } = await download();
    expect(error).toBeUndefined();
    expect(bytes.equals(content)).toBe(true);
    expect(stats).toMatchObject({ verified: true, resumes: 1 });
  });

  it('resumes again when a restarted download ends before the bytes already passed on', async () => {
    // The restart is a complete answer, but shorter than what was passed on already.
    files.faults.noRange = true;
    files.faults.shortAfter = { path: PATH, bytes: 2_000_000, times: 1 };
    const reasons: string[] = [];
    const { error, bytes } = await download({
      size: undefined,
      onResume: (_offset, reason) => {
        if (reasons.push(reason) === 1) files.faults.truncateTo = { path: PATH, bytes: 1_000_000, times: 1 };
      },
    });
    expect(error).toBeUndefined();
    expect(bytes.equals(content)).toBe(true);
    expect(reasons[1]).toBe('the restarted download ended early');
  });

  it('refuses an answer whose length is not the compose’s before passing on a byte', async () => {
    const size = content.length - 1;
    const { error, bytes, url } = await download({ size });
    expect(error).toBeInstanceOf(ImageSourceError);
    expect(error!.message).toBe(
      `${url} is ${content.length} bytes, but the compose published ${size}. The file does not match the compose metadata; nothing may be registered from it.`,
    );
    expect(bytes.length).toBe(0);
  });

  it('refuses more bytes than the compose says when the answer does not give its length', async () => {
    files.faults.cutAtEnd = { path: PATH, times: 1 };
    const size = content.length - 1;
    const { error, url } = await download({ size });
    expect(error).toBeInstanceOf(ImageSourceError);
    expect(error!.message).toMatch(
      new RegExp(
        `^${url.replace(/[.]/g, '\\.')} is at least \\d+ bytes, but the compose published ${size}\\.`,
      ),
    );
  });

  it('gives up after its resumes, saying where it broke off (of what size, when known)', async () => {
    files.faults.shortAfter = { path: PATH, bytes: 1_000_000, times: 100 };
    for (const size of [content.length, undefined]) {
      const { error, url } = await download({ size, maxResumes: 2 });
      expect(error).toBeInstanceOf(ImageSourceError);
      expect(error!.message).toMatch(
        new RegExp(
          `^The download of ${url.replace(/[.]/g, '\\.')} broke off at byte \\d+${size ? ` of ${size}` : ''} and could not be resumed after 2 attempts \\(`,
        ),
      );
    }
  });
});

describe('reading the compressed image from the image cache', () => {
  const read = async (size: number | undefined, expected = sha256) => {
    const stats: DownloadStats = { bytes: 0, resumes: 0, verified: false };
    const chunks: Buffer[] = [];
    const url = new URL('https://kojipkgs.fedoraproject.org/compose/image.raw.xz');
    const error = await (async () => {
      for await (const chunk of readVerifiedFile(
        join(dir, 'image.raw.xz'),
        { url, sha256: expected, size },
        stats,
      ))
        chunks.push(chunk);
    })().then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    return { error, stats, bytes: Buffer.concat(chunks) };
  };

  it('passes on the file as it is, verified like a download', async () => {
    const { error, stats, bytes } = await read(content.length);
    expect(error).toBeUndefined();
    expect(bytes.equals(content)).toBe(true);
    expect(stats).toEqual({ bytes: content.length, resumes: 0, verified: true });
  });

  it('refuses a cached file longer than the compose says, or with another sha256', async () => {
    const longer = await read(content.length - 1);
    expect(longer.error).toBeInstanceOf(ImageSourceError);
    expect(longer.error!.message).toMatch(/ is at least \d+ bytes, but the compose published \d+\./);
    expect(longer.stats.verified).toBe(false);
    const other = await read(content.length, 'f'.repeat(64));
    expect((other.error as ImageSourceError).kind).toBe('checksum-mismatch');
    expect(other.stats.verified).toBe(false);
  });
});
