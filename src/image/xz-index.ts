import { open } from 'node:fs/promises';
import { FedimgError, ImageSourceError } from '../errors.js';
import { DEFAULT_RETRY, withRetry } from '../util/retry.js';
import { fetchAllowed } from '../net/http.js';
import type { HostPolicy } from '../net/host-policy.js';

/**
 * The decompressed size of a remote .xz file, read from the index at its end with Range requests,
 * so the snapshot's volume size is known before a byte is decompressed. Hand-written because no npm
 * package reads an xz index from a remote file: it is a few varints behind a 12-byte footer
 * (xz file format §2.1.2, §4).
 */

const FOOTER_SIZE = 12;
const HEADER_SIZE = 12;
const TAIL_FETCH = 256 * 1024;

function readVarint(bytes: Buffer, offset: { at: number }): number {
  let value = 0;
  for (let shift = 0; shift < 63; shift += 7) {
    const byte = bytes[offset.at++];
    if (byte === undefined) throw new Error('index ends inside a number');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
  }
  throw new Error('index number too long');
}

/** Sum of a stream's index: uncompressed bytes, and the bytes its blocks take in the file. */
export function parseXzIndex(index: Buffer): { uncompressed: number; blocksSize: number } {
  if (index[0] !== 0x00) throw new Error('no index indicator');
  const offset = { at: 1 };
  const records = readVarint(index, offset);
  let uncompressed = 0;
  let blocksSize = 0;
  for (let i = 0; i < records; i++) {
    const unpadded = readVarint(index, offset);
    uncompressed += readVarint(index, offset);
    blocksSize += Math.ceil(unpadded / 4) * 4;
  }
  return { uncompressed, blocksSize };
}

export type RangeReader = (start: number, end: number) => Promise<Buffer>;

/** Walks the streams of an xz file backwards from its end, summing their uncompressed sizes. */
export async function xzUncompressedSize(fileSize: number, read: RangeReader): Promise<number> {
  let total = 0;
  let end = fileSize;
  while (end > 0) {
    const start = Math.max(0, end - TAIL_FETCH);
    let tail = await read(start, end);
    let cut = tail.length;
    while (cut >= 4 && tail.readUInt32LE(cut - 4) === 0) cut -= 4; // stream padding
    end = start + cut;
    tail = tail.subarray(0, cut);
    if (tail.length < FOOTER_SIZE || tail.toString('latin1', tail.length - 2) !== 'YZ')
      throw new Error('no xz stream footer');
    const backwardSize = (tail.readUInt32LE(tail.length - 8) + 1) * 4;
    const indexEnd = end - FOOTER_SIZE;
    const indexStart = indexEnd - backwardSize;
    const index =
      indexStart >= start
        ? tail.subarray(indexStart - start, indexEnd - start)
        : await read(indexStart, indexEnd);
    const { uncompressed, blocksSize } = parseXzIndex(index);
    total += uncompressed;
    end = indexStart - blocksSize - HEADER_SIZE;
    if (end < 0) throw new Error('index describes more data than the file holds');
  }
  return total;
}

/** Reads the uncompressed size of the image at `url` without downloading it. */
export async function remoteRawSize(url: URL, size: number, policy: HostPolicy): Promise<number> {
  const read: RangeReader = async (start, end) => {
    const { response } = await fetchAllowed(url, policy, {
      headers: { range: `bytes=${start}-${end - 1}` },
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status !== 206) {
      response.discard();
      throw new Error(`the server answered HTTP ${response.status} to a Range request`);
    }
    return response.bytes();
  };
  // A Range read is small: a dropped connection is simply tried again; fedimg's own refusals
  // (a redirect off the allow-list) are not.
  const retried: RangeReader = (start, end) =>
    withRetry(
      () => read(start, end),
      { ...DEFAULT_RETRY, attempts: 4 },
      { retryable: (error) => !(error instanceof FedimgError) },
    );
  try {
    return await xzUncompressedSize(size, retried);
  } catch (error) {
    throw new ImageSourceError(
      'http',
      url.href,
      `Cannot read the xz index of ${url.href} to learn the image's raw size: ${(error as Error).message}.`,
      {
        hint: 'Set the volume-size input (GiB) so fedimg does not need it.',
        cause: error,
      },
    );
  }
}

/** The same for a local copy of the file (the image cache). */
export async function localRawSize(path: string, size: number): Promise<number> {
  const file = await open(path, 'r');
  try {
    return await xzUncompressedSize(size, async (start, end) => {
      const buffer = Buffer.alloc(end - start);
      await file.read(buffer, 0, buffer.length, start);
      return buffer;
    });
  } catch (error) {
    throw new ImageSourceError(
      'corrupt',
      path,
      `Cannot read the xz index of ${path}: ${(error as Error).message}.`,
      {
        cause: error,
      },
    );
  } finally {
    await file.close();
  }
}
