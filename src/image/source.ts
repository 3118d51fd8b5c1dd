import type { Writable } from 'node:stream';
import { ImageSourceError } from '../errors.js';
import type { HostPolicy } from '../net/host-policy.js';
import { blockAllocator, BlockPool, finishBlocks, type BlockStats, type ImageBlock } from './blocks.js';
import {
  DecodeError,
  pickDecoder,
  type Decoder,
  startDecoder,
  type DecoderName,
  type DecoderPreference,
} from './decompress.js';
import { compressedChunks, type CompressedSource } from './compressed.js';
import type { DownloadOptions, DownloadStats } from './download.js';
import { startFeeder } from './feeder.js';

export interface ImageSourceOptions {
  url: string;
  sha256: string;
  /** Compressed size from the compose metadata. */
  size: number | undefined;
  policy: HostPolicy;
  decoder?: DecoderPreference;
  maxResumes?: number;
  idleTimeoutMs?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
  onResume?: DownloadOptions['onResume'];
  /** The most raw bytes the image may decompress to (the volume it is uploaded into). */
  maxRawBytes?: number;
  /** Reuse block buffers: the consumer promises to call block.release() once it is done with one. */
  recycleBlocks?: boolean;
  /** Read the compressed file from this local copy instead of `url` (still verified). */
  localFile?: string;
  /** While downloading, also write the compressed bytes to this file (for the image cache). */
  keepCopy?: string;
}

export interface ImageSourceStats extends BlockStats, DownloadStats {
  decoder: DecoderName;
}

/**
 * download → verify → decompress → 512 KiB blocks, as one stream with back-pressure end to end and
 * no temporary file. Iterating `blocks()` either ends normally, meaning every block was delivered
 * and the compressed file's size and sha256 matched, or throws an ImageSourceError, meaning every
 * block already delivered must be discarded.
 */
export class ImageSource {
  readonly stats: ImageSourceStats;
  private readonly options: ImageSourceOptions;

  constructor(options: ImageSourceOptions) {
    this.options = options;
    this.stats = {
      decoder: pickDecoder(options.decoder ?? 'auto'),
      bytes: 0,
      resumes: 0,
      verified: false,
      rawBytes: 0,
      blocks: 0,
    };
  }

  async *blocks(): AsyncGenerator<ImageBlock> {
    const { options, stats } = this;
    // Cancelled before it began: nothing is downloaded or started.
    options.signal?.throwIfAborted();
    const url = new URL(options.url);
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const pool = options.recycleBlocks ? new BlockPool() : undefined;
    const { decoder, pump, stop } = await this.start(signal, blockAllocator(pool));
    pump.catch(() => decoder.abort());
    options.signal?.addEventListener('abort', stop, { once: true });
    // A cancel while the decoder and the download were starting found no listener: the feeding
    // thread does not see the signal, and would download on until done or idle.
    if (options.signal?.aborted) stop();

    let completed = false;
    try {
      for await (const block of finishBlocks(decoder.blocks, stats, pool)) {
        if (options.maxRawBytes !== undefined && stats.rawBytes > options.maxRawBytes) {
          block.release();
          throw new ImageSourceError(
            'size-mismatch',
            url.href,
            `${url.href} decompresses to more than ${options.maxRawBytes} bytes, the size it was to fit.`,
            {
              hint: 'The image is larger than its xz index or the volume size says; nothing may be registered from it.',
            },
          );
        }
        yield block;
      }
      await decoder.finished;
      await pump;
      completed = true;
    } catch (error) {
      // Decided here, not by the decoder or the download: stop both at once (below).
      if (error instanceof ImageSourceError) throw error;
      const downloadError = await pump.then(
        () => undefined,
        (failure: unknown) => failure,
      );
      if (downloadError instanceof ImageSourceError) throw downloadError;
      options.signal?.throwIfAborted();
      const decodeError = await decoder.finished.then(
        () => undefined,
        (failure: unknown) => failure,
      );
      throw this.decodeFailure(decodeError ?? error, url);
    } finally {
      options.signal?.removeEventListener('abort', stop);
      if (!completed) {
        decoder.abort();
        controller.abort();
        stop();
        await pump.catch(() => undefined);
      }
    }
  }

  /**
   * The decoder and what feeds it. With the system xz a thread of its own downloads, verifies and
   * writes into xz's input (feeder.ts), so the main thread only cuts blocks; the npm decoder runs
   * in this thread, fed from here.
   */
  private async start(
    signal: AbortSignal,
    allocate: () => Buffer,
  ): Promise<{ decoder: Decoder; pump: Promise<void>; stop: () => void }> {
    const { options, stats } = this;
    const source: CompressedSource = {
      url: options.url,
      sha256: options.sha256,
      size: options.size,
      policy: options.policy,
      maxResumes: options.maxResumes,
      idleTimeoutMs: options.idleTimeoutMs,
      retryDelayMs: options.retryDelayMs,
      localFile: options.localFile,
      keepCopy: options.keepCopy,
    };
    if (stats.decoder === 'xz') {
      const feeder = await startFeeder(source, stats, options.onResume);
      const decoder = await startDecoder('xz', allocate, feeder.input).catch((error: unknown) => {
        feeder.stop();
        throw error;
      });
      return { decoder, pump: feeder.done, stop: feeder.stop };
    }
    const decoder = await startDecoder(stats.decoder, allocate);
    const download = compressedChunks(source, stats, signal, options.onResume);
    const input = decoder.input!;
    // Keeps reading after the decoder died so that a corrupt download is reported as the checksum
    // mismatch it is, rather than as the xz error it causes.
    const pump = (async () => {
      let feeding = true;
      for await (const chunk of download) {
        if (feeding) feeding = await write(input, chunk);
      }
      if (feeding) input.end();
    })();
    return { decoder, pump, stop: () => undefined };
  }

  private decodeFailure(error: unknown, url: URL): ImageSourceError {
    if (error instanceof ImageSourceError) return error;
    const failure = error instanceof DecodeError ? error.failure : 'decoder';
    const detail = error instanceof Error ? error.message : String(error);
    const where = `${url.href} (after ${this.stats.rawBytes} decompressed bytes, decoder ${this.stats.decoder})`;
    switch (failure) {
      case 'truncated':
        return new ImageSourceError(
          'truncated',
          url.href,
          `The xz stream of ${where} ends too early: ${detail}.`,
          {
            hint: 'The published file is incomplete; nothing may be registered from it. Ask release engineering to check the compose.',
            cause: error,
          },
        );
      case 'corrupt':
        return new ImageSourceError('corrupt', url.href, `The xz data of ${where} is corrupt: ${detail}.`, {
          hint: 'Its checksum matched the compose, so the compose itself published a broken file; nothing may be registered from it.',
          cause: error,
        });
      default:
        return new ImageSourceError('decoder', url.href, `Decompressing ${where} failed: ${detail}.`, {
          hint: 'Retry; if it persists, try the other decoder (decoder: npm or system).',
          cause: error,
        });
    }
  }
}

/**
 * Write with back-pressure; resolves false once the decoder no longer accepts input. The decoder
 * is usually the slower side, so this waits for 'drain' on most chunks: three plain listeners,
 * not an AbortController and three promises per chunk.
 */
export async function write(input: Writable, chunk: Buffer): Promise<boolean> {
  if (input.destroyed || input.writableEnded) return false;
  if (input.write(chunk)) return true;
  return new Promise<boolean>((resolve) => {
    const settle = (accepted: boolean) => () => {
      input.off('drain', onDrain);
      input.off('close', onGone);
      input.off('error', onGone);
      resolve(accepted && !input.destroyed);
    };
    const onDrain = settle(true);
    const onGone = settle(false);
    input.once('drain', onDrain);
    input.once('close', onGone);
    input.once('error', onGone);
  });
}
