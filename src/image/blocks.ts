import { createHash } from 'node:crypto';

/** EBS direct APIs take exactly 512 KiB per PutSnapshotBlock. */
export const BLOCK_SIZE = 512 * 1024;

const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);
/** Most of a cloud image is zeros: their checksum is this constant, never hashed again. */
const ZERO_BLOCK_SHA256 = createHash('sha256').update(ZERO_BLOCK).digest('base64');

export interface ImageBlock {
  /** Offset in the raw disk divided by BLOCK_SIZE. */
  index: number;
  /** Always BLOCK_SIZE bytes; the last block of the image is zero-padded. */
  data: Buffer;
  /**
   * Base64 SHA-256 of `data` when it costs nothing (an all-zero block's constant); the uploader
   * hashes other blocks where it sends them, off the main thread.
   */
  sha256?: string;
  /** True when every byte is zero (an uploader may skip it only when told to). */
  zero: boolean;
  /** Hands `data` back for reuse; call it once the block is sent (a no-op without recycling). */
  release: () => void;
}

/**
 * Reuses block buffers: with recycling, memory is the blocks in flight, not whatever the garbage
 * collector has not yet freed of every block ever read.
 */
export class BlockPool {
  private readonly free: Buffer[] = [];

  acquire(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(BLOCK_SIZE);
  }

  release(buffer: Buffer): void {
    // A block whose memory did not come back (its sending thread died) is not reused.
    if (buffer.length === BLOCK_SIZE) this.free.push(buffer);
  }
}

export interface BlockStats {
  /** Raw (decompressed) bytes seen, before padding. */
  rawBytes: number;
  blocks: number;
}

function finishBlock(index: number, data: Buffer, pool: BlockPool | undefined): ImageBlock {
  let released = false;
  // Comparing with zeros runs at memory speed; hashing 512 KiB costs far more.
  const zero = data.equals(ZERO_BLOCK);
  const block: ImageBlock = {
    index,
    data,
    ...(zero ? { sha256: ZERO_BLOCK_SHA256 } : {}),
    zero,
    // `data` may have been replaced by the same memory, back from the thread that sent it.
    release: () => {
      if (pool && !released) pool.release(block.data);
      released = true;
    },
  };
  return block;
}

/**
 * Fills 512 KiB buffers from chunks of any size: `push` returns the blocks a chunk completed,
 * `finish` the zero-padded last one.
 */
export class BlockCutter {
  private block: Buffer;
  private filled = 0;

  constructor(private readonly allocate: () => Buffer = () => Buffer.allocUnsafe(BLOCK_SIZE)) {
    this.block = allocate();
  }

  push(chunk: Buffer): Buffer[] {
    const full: Buffer[] = [];
    let position = 0;
    while (position < chunk.length) {
      const copied = chunk.copy(
        this.block,
        this.filled,
        position,
        Math.min(chunk.length, position + BLOCK_SIZE - this.filled),
      );
      this.filled += copied;
      position += copied;
      if (this.filled === BLOCK_SIZE) {
        full.push(this.block);
        this.block = this.allocate();
        this.filled = 0;
      }
    }
    return full;
  }

  /** Bytes in the block being filled. */
  filledBytes(): number {
    return this.filled;
  }

  finish(): Buffer | undefined {
    if (this.filled === 0) return undefined;
    this.block.fill(0, this.filled);
    this.filled = 0;
    return this.block;
  }
}

/** A block buffer as a decoder filled it: `bytes` < BLOCK_SIZE only for the zero-padded last one. */
export interface FilledBlock {
  data: Buffer;
  bytes: number;
}

/** Cuts chunks of any size (a decoder's stream output) into block buffers from `allocate`. */
export async function* cutIntoBlocks(
  chunks: AsyncIterable<Buffer>,
  allocate: () => Buffer,
): AsyncGenerator<FilledBlock> {
  const cutter = new BlockCutter(allocate);
  for await (const chunk of chunks) {
    for (const data of cutter.push(chunk)) yield { data, bytes: BLOCK_SIZE };
  }
  const filled = cutter.filledBytes();
  const last = cutter.finish();
  if (last) yield { data: last, bytes: filled };
}

/**
 * Numbers and checksums filled blocks. It pulls from the source only as fast as the consumer takes
 * blocks, so memory stays at the blocks the source holds plus what the consumer holds.
 */
export async function* finishBlocks(
  filled: AsyncIterable<FilledBlock>,
  stats: BlockStats,
  pool?: BlockPool,
): AsyncGenerator<ImageBlock> {
  for await (const { data, bytes } of filled) {
    stats.rawBytes += bytes;
    yield finishBlock(stats.blocks++, data, pool);
  }
}

/** The allocator of block buffers: the pool's when recycling, fresh ones otherwise. */
export function blockAllocator(pool: BlockPool | undefined): () => Buffer {
  return pool ? () => pool.acquire() : () => Buffer.allocUnsafe(BLOCK_SIZE);
}
