import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { BLOCK_SIZE, type FilledBlock } from './blocks.js';
import { loopbackPair } from './loopback-pair.js';
import { privateSocket } from './private-socket.js';

/**
 * A stream socket whose reads land straight in 512 KiB block buffers: the decoder writes to one
 * end (it is the child's stdout), fedimg reads the other with `onread`. Read from a pipe through a
 * stream, every read is a fresh 64 KiB buffer, a stream chunk, an async-iterator step and a copy
 * into the block; at 2 GiB that is tens of thousands of each, and measured it cost more CPU than
 * hashing the blocks. Here a read is one syscall into the block being filled.
 *
 * xz writes 8 KiB at a time. A reader that takes each write as it comes wakes about 40,000 times
 * per GiB, and those wake-ups were most of the main thread's CPU (0.65 of about 1 CPU-s per GiB).
 * So over loopback TCP, whose buffers grow to megabytes, a short read makes the reader rest a
 * millisecond while output gathers: about 3,000 reads per GiB instead, and xz is not held back
 * (measured: the same decode time, and no more CPU for xz). A local stream socket, the fallback,
 * holds only about 200 KiB, so resting there would stall xz: it reads as output comes.
 */

/** Full blocks waiting for the consumer before reading pauses (and the decoder blocks). */
const QUEUED_BLOCKS = 2;
/** A read shorter than this (and than the room offered) means the reader is ahead of the writer. */
const SHORT_READ = 64 * 1024;
/** How long a reader ahead of the writer rests; at xz's pace a few hundred KiB gather meanwhile. */
const REST_MS = 1;

export interface BlockSocket {
  /** The end to hand to the child process as its stdout; close it once the child has it. */
  writeEnd: Socket;
  /** The bytes written to `writeEnd`, in blocks from `allocate`; the last one zero-padded. */
  blocks: AsyncGenerator<FilledBlock>;
  /** Reads so far (each one syscall and one wake-up of this thread). */
  reads(): number;
}

/**
 * Loopback TCP (reads that wait for output to gather) or a local stream socket made through a
 * private listening socket (private-socket.ts; reads as output comes).
 */
export async function openBlockSocket(
  allocate: () => Buffer,
  transport: 'loopback' | 'local' = 'loopback',
): Promise<BlockSocket> {
  if (transport === 'loopback') {
    const reader = new BlockReader(allocate, REST_MS);
    const { readEnd, writeEnd } = await loopbackPair(reader.onread);
    reader.attach(readEnd);
    return { writeEnd, blocks: reader.blocks(), reads: () => reader.reads };
  }
  return privateSocket('fedimg-xz-', async (path, accepted) => {
    const reader = new BlockReader(allocate, 0);
    const readEnd = connect({ path, onread: reader.onread });
    reader.attach(readEnd);
    const [writeEnd] = await Promise.all([accepted, once(readEnd, 'connect')]);
    return { writeEnd, blocks: reader.blocks(), reads: () => reader.reads };
  });
}

class BlockReader {
  private socket!: Socket;
  private block: Buffer;
  private filled = 0;
  private readonly full: Buffer[] = [];
  /** Stopped by the consumer's back-pressure. */
  private paused = false;
  /** Stopped for a moment while output gathers. */
  private resting: NodeJS.Timeout | undefined;
  private ended = false;
  private failure: Error | undefined;
  private wake: () => void = () => undefined;

  reads = 0;

  constructor(
    private readonly allocate: () => Buffer,
    private readonly restMs: number,
  ) {
    this.block = allocate();
  }

  readonly onread = {
    buffer: () => this.block.subarray(this.filled),
    callback: (bytes: number) => {
      this.reads++;
      const room = BLOCK_SIZE - this.filled;
      this.filled += bytes;
      if (this.filled < BLOCK_SIZE) {
        if (this.restMs === 0 || bytes >= Math.min(SHORT_READ, room)) return true;
        this.rest();
        return false;
      }
      this.full.push(this.block);
      this.block = this.allocate();
      this.filled = 0;
      this.wake();
      if (this.full.length < QUEUED_BLOCKS) return true;
      // Returning false stops reading; pause() too, so that resume() starts it again.
      this.paused = true;
      this.socket.pause();
      return false;
    },
  };

  /** Stops reading for `restMs`; back-pressure, if it came meanwhile, keeps it stopped after. */
  private rest(): void {
    this.socket.pause();
    this.resting = setTimeout(() => {
      this.resting = undefined;
      if (!this.paused && !this.socket.destroyed) this.socket.resume();
    }, this.restMs);
  }

  attach(socket: Socket): void {
    this.socket = socket;
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.wake();
    });
  }

  async *blocks(): AsyncGenerator<FilledBlock> {
    try {
      for (;;) {
        const data = this.full.shift();
        if (data) {
          if (this.paused && this.full.length < QUEUED_BLOCKS) {
            this.paused = false;
            if (!this.resting) this.socket.resume();
          }
          yield { data, bytes: BLOCK_SIZE };
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) {
          if (this.filled > 0) {
            this.block.fill(0, this.filled);
            yield { data: this.block, bytes: this.filled };
          }
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      clearTimeout(this.resting);
      this.socket.destroy();
    }
  }
}
