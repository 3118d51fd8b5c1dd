import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openBlockSocket } from '../../src/image/block-socket.js';
import { BLOCK_SIZE, type FilledBlock } from '../../src/image/blocks.js';

function counting(): { allocate: () => Buffer; count: () => number } {
  let allocated = 0;
  return {
    allocate: () => {
      allocated++;
      return Buffer.allocUnsafe(BLOCK_SIZE);
    },
    count: () => allocated,
  };
}

async function writeAll(socket: Socket, data: Buffer, piece: number): Promise<void> {
  for (let at = 0; at < data.length; at += piece) {
    if (!socket.write(data.subarray(at, at + piece))) await new Promise((r) => socket.once('drain', r));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
}

describe('decoder output read straight into blocks', () => {
  it('delivers every byte in order through a slow consumer; the last block is zero-padded', async () => {
    const data = randomBytes(3 * BLOCK_SIZE + 12_345);
    const { allocate } = counting();
    const { writeEnd, blocks } = await openBlockSocket(allocate);
    const writing = writeAll(writeEnd, data, 7_777);
    const received: FilledBlock[] = [];
    for await (const block of blocks) {
      received.push({ data: Buffer.from(block.data), bytes: block.bytes });
      await sleep(20);
    }
    await writing;
    expect(received.map((block) => block.bytes)).toEqual([BLOCK_SIZE, BLOCK_SIZE, BLOCK_SIZE, 12_345]);
    expect(received.every((block) => block.data.length === BLOCK_SIZE)).toBe(true);
    const joined = Buffer.concat(received.map((block) => block.data));
    expect(joined.subarray(0, data.length).equals(data)).toBe(true);
    expect(joined.subarray(data.length).every((byte) => byte === 0)).toBe(true);
  });

  it('stops reading while the consumer holds its blocks, so the writer waits and memory stays flat', async () => {
    const { allocate, count } = counting();
    const { writeEnd, blocks } = await openBlockSocket(allocate);
    const data = Buffer.alloc(64 * BLOCK_SIZE, 1);
    let written = false;
    const writing = writeAll(writeEnd, data, BLOCK_SIZE).then(() => (written = true));
    const iterator = blocks[Symbol.asyncIterator]();
    await iterator.next();
    await sleep(300);
    // Two blocks queued, one being filled, one handed out: the writer is held back by the socket.
    expect(count()).toBeLessThanOrEqual(4);
    expect(written).toBe(false);
    let total = 1;
    while (!(await iterator.next()).done) total++;
    await writing;
    expect(total).toBe(64);
  });

  it('ends with the blocks it has when the writer goes away, and closes when the consumer stops', async () => {
    const { allocate } = counting();
    const first = await openBlockSocket(allocate);
    first.writeEnd.end(Buffer.alloc(100, 9));
    const got: number[] = [];
    for await (const block of first.blocks) got.push(block.bytes);
    expect(got).toEqual([100]);

    const second = await openBlockSocket(allocate);
    second.writeEnd.on('error', () => undefined);
    // More than the reader takes before it pauses, so the writer still has data when the reader goes.
    second.writeEnd.write(Buffer.alloc(8 * BLOCK_SIZE, 3));
    for await (const block of second.blocks) {
      expect(block.bytes).toBe(BLOCK_SIZE);
      break;
    }
    await new Promise((resolve) => second.writeEnd.once('close', resolve));
  });
});
