import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openBlockSocket } from '../../src/image/block-socket.js';
import { BLOCK_SIZE, type FilledBlock } from '../../src/image/blocks.js';
import { loopbackPair } from '../../src/image/loopback-pair.js';

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

/** Writes `data` in pieces, then ends; `paced`: one piece per turn of the event loop, as xz does. */
async function writeAll(socket: Socket, data: Buffer, piece: number, paced = false): Promise<void> {
  for (let at = 0; at < data.length; at += piece) {
    if (!socket.write(data.subarray(at, at + piece))) await new Promise((r) => socket.once('drain', r));
    if (paced) await new Promise((r) => setImmediate(r));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
}

describe.each(['loopback', 'local'] as const)(
  'decoder output read straight into blocks (%s)',
  (transport) => {
    it('delivers every byte in order through a slow consumer; the last block is zero-padded', async () => {
      const data = randomBytes(3 * BLOCK_SIZE + 12_345);
      const { allocate } = counting();
      const { writeEnd, blocks } = await openBlockSocket(allocate, transport);
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
      const { writeEnd, blocks } = await openBlockSocket(allocate, transport);
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
      const first = await openBlockSocket(allocate, transport);
      first.writeEnd.end(Buffer.alloc(100, 9));
      const got: number[] = [];
      for await (const block of first.blocks) got.push(block.bytes);
      expect(got).toEqual([100]);

      const second = await openBlockSocket(allocate, transport);
      second.writeEnd.on('error', () => undefined);
      // More than the reader takes before it pauses, so the writer still has data when the reader goes.
      second.writeEnd.write(Buffer.alloc(8 * BLOCK_SIZE, 3));
      for await (const block of second.blocks) {
        expect(block.bytes).toBe(BLOCK_SIZE);
        break;
      }
      await new Promise((resolve) => second.writeEnd.once('close', resolve));
    });
  },
);

describe('reading a decoder that writes 8 KiB at a time', () => {
  it('over loopback, takes its output in a few large reads rather than one per write', async () => {
    const total = 8 * BLOCK_SIZE;
    const reads: Record<string, number> = {};
    for (const transport of ['loopback', 'local'] as const) {
      const socket = await openBlockSocket(counting().allocate, transport);
      // xz's 8 KiB pieces, one per turn of the event loop.
      const writing = writeAll(socket.writeEnd, Buffer.alloc(total, 5), 8 * 1024, true);
      let bytes = 0;
      for await (const block of socket.blocks) bytes += block.bytes;
      await writing;
      expect(bytes).toBe(total);
      reads[transport] = socket.reads();
    }
    // A read per 8 KiB write would be 512, and a local socket, read as output comes, is near that;
    // so is loopback without its rests (511). With them about 40 here, 146 on a machine slowed by
    // strace: under half the writes leaves room for a busy machine.
    expect(reads.local).toBeGreaterThan(400);
    expect(reads.loopback).toBeLessThan(256);
  });
});

describe('the loopback pair', () => {
  it("never takes a stranger that connected first as the decoder's end: it is closed unread", async () => {
    const received: Buffer[] = [];
    let stranger: Socket | undefined;
    const buffer = Buffer.alloc(64 * 1024);
    const pair = await loopbackPair(
      {
        buffer,
        callback: (bytes) => {
          received.push(Buffer.from(buffer.subarray(0, bytes)));
          return true;
        },
      },
      async (port) => {
        stranger = connect({ host: '127.0.0.1', port });
        stranger.on('error', () => undefined);
        await new Promise((resolve) => stranger!.once('connect', resolve));
        stranger.write('forged decoder output');
        // Accepted by the listener before the pair's own connection is made.
        await sleep(50);
      },
    );
    expect(pair.writeEnd.remotePort).toBe(pair.readEnd.localPort);
    await new Promise((resolve) => stranger!.once('close', resolve));
    pair.writeEnd.end('the real output');
    await new Promise((resolve) => pair.readEnd.once('end', resolve));
    expect(Buffer.concat(received).toString()).toBe('the real output');
    pair.readEnd.destroy();
  });
});
