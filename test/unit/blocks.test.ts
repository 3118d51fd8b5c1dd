import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_SIZE,
  blockAllocator,
  BlockPool,
  cutIntoBlocks,
  finishBlocks,
  type BlockStats,
  type ImageBlock,
} from '../../src/image/blocks.js';

/** A decoder's stream output as the image source turns it into blocks. */
function toBlocks(chunks: AsyncIterable<Buffer>, stats: BlockStats, pool?: BlockPool) {
  return finishBlocks(cutIntoBlocks(chunks, blockAllocator(pool)), stats, pool);
}

async function collect(
  chunks: Buffer[],
): Promise<{ blocks: ImageBlock[]; stats: { rawBytes: number; blocks: number } }> {
  const stats = { rawBytes: 0, blocks: 0 };
  const blocks: ImageBlock[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const block of toBlocks(source(), stats)) blocks.push(block);
  return { blocks, stats };
}

describe('512 KiB block stream', () => {
  it('cuts odd-sized chunks into whole blocks, zero-pads the last and numbers them', async () => {
    const data = Buffer.alloc(2 * BLOCK_SIZE + 1000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
    data.fill(0, BLOCK_SIZE, 2 * BLOCK_SIZE); // the middle block is all zeros
    const chunks = [data.subarray(0, 1), data.subarray(1, 700_000), data.subarray(700_000)];
    const { blocks, stats } = await collect(chunks);
    expect(blocks.map((block) => block.index)).toEqual([0, 1, 2]);
    expect(blocks.every((block) => block.data.length === BLOCK_SIZE)).toBe(true);
    expect(blocks.map((block) => block.zero)).toEqual([false, true, false]);
    expect(blocks[0]!.data.equals(data.subarray(0, BLOCK_SIZE))).toBe(true);
    expect(blocks[2]!.data.subarray(0, 1000).equals(data.subarray(2 * BLOCK_SIZE))).toBe(true);
    expect(blocks[2]!.data.subarray(1000).every((byte) => byte === 0)).toBe(true);
    expect(blocks[1]!.sha256).toBe(createHash('sha256').update(Buffer.alloc(BLOCK_SIZE)).digest('base64'));
    expect(stats).toEqual({ rawBytes: data.length, blocks: 3 });
  });

  it('emits nothing for an empty stream and no padding block for an exact multiple', async () => {
    expect((await collect([])).blocks).toEqual([]);
    expect((await collect([Buffer.alloc(BLOCK_SIZE, 1)])).blocks).toHaveLength(1);
  });

  it('reuses released block buffers, so memory is the blocks still held', async () => {
    const pool = new BlockPool();
    const stats = { rawBytes: 0, blocks: 0 };
    async function* source() {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(BLOCK_SIZE, i + 1);
    }
    const seen = new Set<Buffer>();
    for await (const block of toBlocks(source(), stats, pool)) {
      expect(block.data[0]).toBe(block.index + 1);
      seen.add(block.data);
      block.release();
      block.release(); // a second release is harmless
    }
    expect(stats.blocks).toBe(10);
    expect(seen.size).toBeLessThanOrEqual(2);
  });

  it('reuses the memory a sending thread handed back, and never a buffer whose memory went with a thread', async () => {
    const pool = new BlockPool();
    const stats = { rawBytes: 0, blocks: 0 };
    async function* source() {
      for (let i = 0; i < 3; i++) yield Buffer.alloc(BLOCK_SIZE, i + 1);
    }
    const blocks = toBlocks(source(), stats, pool);
    const first = (await blocks.next()).value as ImageBlock;
    // The writer moves the memory away and back: `data` is then a new Buffer over the same memory.
    const buffer = first.data.buffer as ArrayBuffer;
    structuredClone(buffer, { transfer: [buffer] });
    expect(first.data.length).toBe(0);
    first.data = Buffer.from(new ArrayBuffer(BLOCK_SIZE));
    const returned = first.data;
    first.release();
    expect(pool.acquire()).toBe(returned);
    // Memory that never came back (its thread died) leaves an empty buffer: not pooled.
    const second = (await blocks.next()).value as ImageBlock;
    const lost = second.data.buffer as ArrayBuffer;
    structuredClone(lost, { transfer: [lost] });
    second.release();
    expect(pool.acquire().length).toBe(BLOCK_SIZE);
  });

  it('carries the constant checksum of an all-zero block and leaves the others to the uploader', async () => {
    const { blocks } = await collect([Buffer.alloc(BLOCK_SIZE), Buffer.alloc(BLOCK_SIZE, 1)]);
    expect(blocks[0]!.sha256).toBe(createHash('sha256').update(Buffer.alloc(BLOCK_SIZE)).digest('base64'));
    expect(blocks[1]!.sha256).toBeUndefined();
  });
});
