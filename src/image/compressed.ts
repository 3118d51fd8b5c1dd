import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { HostPolicy } from '../net/host-policy.js';
import { downloadVerified, readVerifiedFile, type DownloadStats } from './download.js';

/** Where the compressed image comes from, and how it is checked and kept. */
export interface CompressedSource {
  url: string;
  sha256: string;
  size: number | undefined;
  policy: HostPolicy;
  maxResumes?: number;
  idleTimeoutMs?: number;
  retryDelayMs?: number;
  /** Read this verified local copy instead of the URL. */
  localFile?: string;
  /** While downloading, also keep a copy here. */
  keepCopy?: string;
}

/** Passes the chunks on and writes them to `path` as well, waiting for the disk when it lags. */
async function* keepingCopy(chunks: AsyncGenerator<Buffer>, path: string): AsyncGenerator<Buffer> {
  const file = createWriteStream(path);
  try {
    for await (const chunk of chunks) {
      if (!file.write(chunk)) await once(file, 'drain');
      yield chunk;
    }
    file.end();
    await finished(file);
  } finally {
    file.destroy();
  }
}

/**
 * The compressed image as verified chunks: from the cached copy or downloaded, and written to the
 * cache as it is downloaded when asked. Used by the feeding thread and, with the npm decoder, by the
 * main thread.
 */
export function compressedChunks(
  source: CompressedSource,
  stats: DownloadStats,
  signal: AbortSignal,
  onResume?: (offset: number, reason: string) => void,
): AsyncGenerator<Buffer> {
  const url = new URL(source.url);
  const { sha256, size } = source;
  if (source.localFile) return readVerifiedFile(source.localFile, { url, sha256, size, signal }, stats);
  const chunks = downloadVerified(
    {
      url,
      policy: source.policy,
      sha256,
      size,
      maxResumes: source.maxResumes,
      idleTimeoutMs: source.idleTimeoutMs,
      retryDelayMs: source.retryDelayMs,
      signal,
      onResume,
    },
    stats,
  );
  return source.keepCopy ? keepingCopy(chunks, source.keepCopy) : chunks;
}
