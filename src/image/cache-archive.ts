import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Decompress } from 'fzstd';
import { Parser, type ReadEntry } from 'tar';
import type { CacheCompression } from './cache-service.js';

/** The archive is not what fedimg stores: it is refused whole, and only `target` was written. */
export class CacheEntryRefused extends Error {}

export interface ExtractedFile {
  sha256: string;
  bytes: number;
}

/** zstd is decompressed here (fzstd: Node 20 has no zstd); node-tar's parser reads gzip itself. */
async function* tarBytes(body: AsyncIterable<Buffer>, compression: CacheCompression) {
  if (compression === 'gzip') {
    yield* body;
    return;
  }
  const out: Uint8Array[] = [];
  const decoder = new Decompress((chunk) => void out.push(chunk));
  for await (const chunk of body) {
    decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    yield* out.splice(0);
  }
  decoder.push(new Uint8Array(0), true);
  yield* out.splice(0);
}

/**
 * Reads an @actions/cache archive that must hold exactly one regular file named `entryName` of
 * `size` bytes, and writes that file's bytes to `target` (created new: never through a link or over
 * a file) while hashing them. The names in the archive are only compared, never written to; any
 * other entry (another name, a directory, a link, a device, a second file), a wrong size or a
 * damaged archive refuses the whole entry.
 */
export async function extractCachedFile(
  body: AsyncIterable<Buffer>,
  compression: CacheCompression,
  entryName: string,
  size: number,
  target: string,
): Promise<ExtractedFile> {
  const out = createWriteStream(target, { flags: 'wx' });
  const opened = once(out, 'open');
  const hash = createHash('sha256');
  let bytes = 0;
  let files = 0;
  let failure: Error | undefined;
  const refuse = (reason: string) => (failure ??= new CacheEntryRefused(reason));
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      files += 1;
      if (files > 1) return refuse(`it holds more than one entry (also ${JSON.stringify(entry.path)})`);
      if (entry.type !== 'File') return refuse(`its entry is a ${entry.type}, not a file`);
      if (entry.path !== entryName)
        return refuse(`its file is ${JSON.stringify(entry.path)}, not ${JSON.stringify(entryName)}`);
      if (entry.size !== size) return refuse(`its file has ${entry.size} bytes, not ${size}`);
      entry.on('data', (chunk: Buffer) => {
        if (failure) return; // the entry is refused: nothing more is written
        hash.update(chunk);
        bytes += chunk.length;
        out.write(chunk);
      });
    },
  });
  parser.on('error', (error: Error) => refuse(`it is not a readable archive (${error.message})`));
  // A write failing on the disk ends the read; writes still queued when a refusal destroys the
  // stream fail the same way and are expected.
  let writeFailure: Error | undefined;
  out.on('error', (error: Error) => void (writeFailure ??= error));
  try {
    await opened;
    for await (const chunk of tarBytes(body, compression)) {
      parser.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      if (failure) throw failure;
      if (writeFailure) throw writeFailure;
      if (out.writableNeedDrain) await once(out, 'drain');
    }
    const ended = once(parser, 'end');
    parser.end();
    await ended;
    if (failure) throw failure;
    if (files === 0 || bytes !== size) throw refuse(`it ends before its file (${bytes} of ${size} bytes)`);
  } catch (error) {
    out.destroy();
    if (error === writeFailure) throw error;
    throw error instanceof CacheEntryRefused ? error : new CacheEntryRefused(String(error));
  }
  out.end();
  await once(out, 'close');
  if (writeFailure) throw writeFailure;
  return { sha256: hash.digest('hex'), bytes };
}
