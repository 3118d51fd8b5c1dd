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
}

export interface BlockStats {
  /** Raw (decompressed) bytes seen, before padding. */
  rawBytes: number;
  blocks: number;
}

function finishBlock(index: number, data: Buffer): ImageBlock {
  return {
    index,
    data,
    sha256: createHash('sha256').update(data).digest('base64'),
    zero: data.equals(ZERO_BLOCK),
  };
}

/**
 * Cuts a byte stream into 512 KiB blocks. It pulls from the source only as fast as the consumer
 * takes blocks, so memory stays at one block in progress plus what the consumer holds.
 */
export async function* toBlocks(
  chunks: AsyncIterable<Buffer>,
  stats: BlockStats,
): AsyncGenerator<ImageBlock> {
  let block = Buffer.allocUnsafe(BLOCK_SIZE);
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
        yield finishBlock(stats.blocks++, block);
        block = Buffer.allocUnsafe(BLOCK_SIZE);
        filled = 0;
      }
    }
  }
  if (filled > 0) {
    block.fill(0, filled);
    yield finishBlock(stats.blocks++, block);
  }
}
