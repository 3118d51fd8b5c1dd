import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ImageBlock } from '../image/blocks.js';
import { withRetry, type RetryPolicy } from '../util/retry.js';
import { isSnapshotNotFound, isTransient } from '../aws/errors.js';
import type { SnapshotBlockWriter } from '../aws/snapshot-blocks.js';

/**
 * Sends 512 KiB blocks to an open snapshot with PutSnapshotBlock: read blocks, send blocks, count
 * and checksum. It knows nothing of where the blocks come from (coldsnap's upload.rs is the model).
 */

/** Longest pause between tries while a new snapshot is still unknown to PutSnapshotBlock. */
const NOT_FOUND_PAUSE_MS = 1000;
/** Listeners on the cancellation signal beyond the two each worker's request adds. */
const SIGNAL_LISTENER_HEADROOM = 16;

export interface BlockUploadOptions {
  /** Sends one PutSnapshotBlock (the lean path in aws/snapshot-blocks.ts). */
  writer: Pick<SnapshotBlockWriter, 'put'>;
  snapshotId: string;
  /** Workers, each with its own connection. */
  concurrency: number;
  /** Skip all-zero blocks: only safe when volumes are never launched encrypted. */
  omitZeroBlocks: boolean;
  retry: RetryPolicy;
  /** When StartSnapshot returned; "snapshot does not exist" is retried until notFoundWindowMs after it. */
  startedAt: number;
  notFoundWindowMs: number;
  signal?: AbortSignal;
  onBlockDone?: (done: number) => void;
  onRetry?: (error: unknown, blockIndex: number) => void;
}

export interface BlockUploadResult {
  /** Blocks written (the ChangedBlocksCount for CompleteSnapshot). */
  sent: number;
  skipped: number;
  /** Base64 SHA-256 over the written blocks' digests in block-index order (LINEAR aggregation). */
  aggregateChecksum: string;
  retries: number;
}

/**
 * Reads blocks and sends them with PutSnapshotBlock, `concurrency` at a time; it pulls the next
 * block only when a worker is free, so memory is bounded by the number of workers. Its only other
 * job is counting and checksumming (as coldsnap's uploader does).
 */
export async function uploadBlocks(
  blocks: AsyncIterable<ImageBlock>,
  options: BlockUploadOptions,
): Promise<BlockUploadResult> {
  // Every in-flight request listens on the cancellation signal.
  if (options.signal) setMaxListeners(options.concurrency * 2 + SIGNAL_LISTENER_HEADROOM, options.signal);
  const digests = new Map<number, Buffer>();
  const inFlight = new Set<Promise<void>>();
  // Wakes the reading loop when a worker frees up. (Promise.race over the in-flight set would add
  // a reaction to every pending request for every block read: 64 per block, kept until they settle.)
  let slotFreed: (() => void) | undefined;
  const settled = (task: Promise<void>) => {
    inFlight.delete(task);
    slotFreed?.();
    slotFreed = undefined;
  };
  let failure: unknown;
  let done = 0;
  let skipped = 0;
  let retries = 0;

  const withinNotFoundWindow = (error: unknown) =>
    isSnapshotNotFound(error) && Date.now() < options.startedAt + options.notFoundWindowMs;
  // Waiting out the window does not use up the retries meant for throttling and errors: AWS
  // documents that it can last about two minutes, longer than the back-off of eight attempts.
  const notFoundPause = Math.min(options.retry.maxDelayMs, NOT_FOUND_PAUSE_MS);

  const put = (block: ImageBlock) =>
    withRetry(() => options.writer.put(options.snapshotId, block, options.signal), options.retry, {
      retryable: isTransient,
      signal: options.signal,
      onRetry: (error) => {
        retries++;
        options.onRetry?.(error, block.index);
      },
    });

  const send = async (block: ImageBlock) => {
    let sha256: string;
    for (;;) {
      try {
        sha256 = await put(block);
        break;
      } catch (error) {
        if (!withinNotFoundWindow(error)) throw error;
        retries++;
        options.onRetry?.(error, block.index);
        await options.retry.sleep(notFoundPause);
        options.signal?.throwIfAborted();
      }
    }
    digests.set(block.index, Buffer.from(sha256, 'base64'));
    options.onBlockDone?.(++done + skipped);
  };

  try {
    for await (const block of blocks) {
      if (failure) break;
      if (options.omitZeroBlocks && block.zero) {
        block.release();
        skipped++;
        options.onBlockDone?.(done + skipped);
        continue;
      }
      const task: Promise<void> = send(block).then(
        () => {
          block.release();
          settled(task);
        },
        (error: unknown) => {
          block.release();
          failure ??= error;
          settled(task);
        },
      );
      inFlight.add(task);
      if (inFlight.size >= options.concurrency) await new Promise<void>((resolve) => (slotFreed = resolve));
    }
  } finally {
    await Promise.all(inFlight);
  }
  if (failure) throw failure;

  const linear = createHash('sha256');
  for (const index of [...digests.keys()].sort((a, b) => a - b)) linear.update(digests.get(index)!);
  return { sent: digests.size, skipped, aggregateChecksum: linear.digest('base64'), retries };
}
