import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { FedimgError, ImageSourceError, describeError } from '../errors.js';
import { fetchAllowed } from '../net/http.js';
import type { HostPolicy } from '../net/host-policy.js';

export interface DownloadOptions {
  url: URL;
  policy: HostPolicy;
  /** sha256 (hex) of the compressed file as the compose published it. */
  sha256: string;
  /** Size in bytes of the compressed file, when known. */
  size: number | undefined;
  /** How many times a dropped connection is resumed before giving up. */
  maxResumes?: number;
  /** A connection that delivers nothing for this long is treated as dropped. */
  idleTimeoutMs?: number;
  /** First back-off delay; doubles (with jitter) per consecutive failure. */
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  onResume?: (offset: number, reason: string) => void;
}

export interface DownloadStats {
  bytes: number;
  resumes: number;
  /** Set once the whole file was read and its size and sha256 confirmed. */
  verified: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class RetryableDownloadError extends Error {}

/**
 * Streams the compressed image, hashing as it goes. A dropped or stalled connection resumes with a
 * Range request from the last byte received; a server that ignores Range sends the file again and
 * the bytes already passed on are skipped, so the consumer sees one continuous stream either way.
 * Size and sha256 are confirmed at the end; on any mismatch the generator throws and the consumer
 * must discard everything it received.
 */
export async function* downloadVerified(
  options: DownloadOptions,
  stats: DownloadStats,
): AsyncGenerator<Buffer> {
  const { url, size } = options;
  const maxResumes = options.maxResumes ?? 5;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const sleep = options.sleep ?? defaultSleep;
  const hash = createHash('sha256');
  let offset = 0;
  let failures = 0;
  let validator: string | undefined;

  for (;;) {
    options.signal?.throwIfAborted();
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    // One timer per connection, pushed back on every chunk (refresh() allocates nothing).
    let idle: NodeJS.Timeout | undefined;
    const armIdle = () => {
      if (idle) idle.refresh();
      else
        idle = setTimeout(
          () => controller.abort(new RetryableDownloadError(`no data for ${idleTimeoutMs} ms`)),
          idleTimeoutMs,
        );
    };
    try {
      armIdle();
      const headers: Record<string, string> = {};
      if (offset > 0) {
        headers.range = `bytes=${offset}-`;
        if (validator) headers['if-range'] = validator;
      }
      const { response } = await fetchAllowed(url, options.policy, { headers, signal });
      let skip = 0;
      if (response.status === 206) {
        const start = Number(/^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1]);
        if (start !== offset)
          throw new RetryableDownloadError(`server resumed at byte ${start}, not ${offset}`);
      } else if (response.status === 200) {
        skip = offset; // no range support (or the file changed): read from the start, pass on only new bytes
        const length = Number(response.headers.get('content-length') ?? NaN);
        if (size !== undefined && Number.isFinite(length) && length !== size) {
          response.discard();
          throw sizeMismatch(url, size, length);
        }
      } else if (response.status === 416 && size !== undefined && offset === size) {
        response.discard();
        break;
      } else if (response.status >= 500 || response.status === 429 || response.status === 408) {
        response.discard();
        throw new RetryableDownloadError(`HTTP ${response.status}`);
      } else {
        response.discard();
        throw new ImageSourceError(
          'http',
          url.href,
          `Downloading ${url.href} failed with HTTP ${response.status}.`,
          {
            hint: 'Check that the compose still exists at that location; nothing was published.',
          },
        );
      }
      validator ??= response.headers.get('etag') ?? response.headers.get('last-modified') ?? undefined;

      for await (const piece of response.body) {
        armIdle();
        let chunk = piece;
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.length);
          skip -= dropped;
          chunk = chunk.subarray(dropped);
          if (chunk.length === 0) continue;
        }
        offset += chunk.length;
        if (size !== undefined && offset > size) throw sizeMismatch(url, size, offset, 'at least ');
        hash.update(chunk);
        stats.bytes = offset;
        failures = 0;
        yield chunk;
      }
      if (skip > 0) throw new RetryableDownloadError('the restarted download ended early');
      break;
    } catch (error) {
      if (error instanceof ImageSourceError) throw error;
      // A refusal of fedimg's own (a redirect off the allow-list) is final, not a dropped connection.
      if (error instanceof FedimgError) {
        throw new ImageSourceError('http', url.href, `Downloading ${url.href} stopped: ${error.message}`, {
          cause: error,
        });
      }
      options.signal?.throwIfAborted();
      failures++;
      if (stats.resumes >= maxResumes) {
        throw new ImageSourceError(
          'truncated',
          url.href,
          `The download of ${url.href} broke off at byte ${offset}${size !== undefined ? ` of ${size}` : ''} and could not be resumed after ${maxResumes} attempts (${describeError(controller.signal.reason ?? error)}).`,
          {
            hint: 'Re-run the job; if it keeps failing, the compose host or the network is in trouble.',
            cause: error,
          },
        );
      }
      stats.resumes++;
      const reason = describeError(controller.signal.aborted ? controller.signal.reason : error);
      options.onResume?.(offset, reason);
      const base = (options.retryDelayMs ?? 500) * 2 ** Math.min(failures - 1, 6);
      await sleep(base / 2 + Math.random() * base);
    } finally {
      clearTimeout(idle);
    }
  }

  confirmDownload(url, options.sha256, size, offset, hash.digest('hex'));
  stats.verified = true;
}

/** The end of every read of the compressed file: its size and sha256 must be what the compose says. */
function confirmDownload(
  url: URL,
  sha256: string,
  size: number | undefined,
  bytes: number,
  digest: string,
): void {
  if (size !== undefined && bytes !== size) throw sizeMismatch(url, size, bytes);
  if (digest !== sha256) {
    throw new ImageSourceError(
      'checksum-mismatch',
      url.href,
      `The sha256 of ${url.href} is ${digest}, but the compose published ${sha256}.`,
      {
        hint: 'The file was modified or corrupted in transit; nothing may be registered from it. Re-run, and ask release engineering if it persists.',
      },
    );
  }
}

/**
 * The same stream from a local copy of the compressed file (the workflow's image cache), verified
 * against the compose's size and sha256 exactly like a download.
 */
export async function* readVerifiedFile(
  path: string,
  options: Pick<DownloadOptions, 'url' | 'sha256' | 'size' | 'signal'>,
  stats: DownloadStats,
): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1 << 20,
    signal: options.signal,
  }) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (options.size !== undefined && bytes > options.size)
      throw sizeMismatch(options.url, options.size, bytes, 'at least ');
    hash.update(chunk);
    stats.bytes = bytes;
    yield chunk;
  }
  confirmDownload(options.url, options.sha256, options.size, bytes, hash.digest('hex'));
  stats.verified = true;
}

function sizeMismatch(url: URL, expected: number, actual: number, prefix = ''): ImageSourceError {
  return new ImageSourceError(
    'size-mismatch',
    url.href,
    `${url.href} is ${prefix}${actual} bytes, but the compose published ${expected}.`,
    { hint: 'The file does not match the compose metadata; nothing may be registered from it.' },
  );
}
