import { createHash } from 'node:crypto';

/** EBS direct APIs take exactly 512 KiB per PutSnapshotBlock. */
export const BLOCK_SIZE = 512 * 1024;

const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);

export interface ImageBlock {
  /** Offset in the raw disk divided by BLOCK_SIZE. */
  index: number;
  /** Always BLOCK_SIZE bytes; the last block of the image is zero-padded. */
  data: Buffer;
  /** Base64 SHA-256 of `data`, the form PutSnapshotBlock's Checksum wants. */
  sha256: string;
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
    this.free.push(buffer);
  }
}

export interface BlockStats {
  /** Raw (decompressed) bytes seen, before padding. */
  rawBytes: number;
  blocks: number;
}

function finishBlock(index: number, data: Buffer, pool: BlockPool | undefined): ImageBlock {
  let released = false;
  return {
    index,
    data,
    sha256: createHash('sha256').update(data).digest('base64'),
    zero: data.equals(ZERO_BLOCK),
    release: () => {
      if (pool && !released) pool.release(data);
      released = true;
    },
  };
}

/**
 * Cuts a byte stream into 512 KiB blocks. It pulls from the source only as fast as the consumer
 * takes blocks, so memory stays at one block in progress plus what the consumer holds.
 */
export async function* toBlocks(
  chunks: AsyncIterable<Buffer>,
  stats: BlockStats,
  pool?: BlockPool,
): AsyncGenerator<ImageBlock> {
  const allocate = () => pool?.acquire() ?? Buffer.allocUnsafe(BLOCK_SIZE);
  let block = allocate();
  let filled = 0;
  for await (const chunk of chunks) {
    stats.rawBytes += chunk.length;
    let position = 0;
    while (position < chunk.length) {
      const copied = chunk.copy(
        block,
        filled,
        position,
        Math.min(chunk.length, position + BLOCK_SIZE - filled),
      );
      filled += copied;
      position += copied;
      if (filled === BLOCK_SIZE) {
        yield finishBlock(stats.blocks++, block, pool);
        block = allocate();
        filled = 0;
      }
    }
  }
  if (filled > 0) {
    block.fill(0, filled);
    yield finishBlock(stats.blocks++, block, pool);
  }
}
