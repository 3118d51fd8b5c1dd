import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { BLOCK_SIZE, type FilledBlock } from './blocks.js';
import { privateSocket } from './private-socket.js';

/**
 * A local stream socket whose reads land straight in 512 KiB block buffers: the decoder writes
 * to one end (it is the child's stdout), fedimg reads the other with `onread`. Read from a pipe
 * through a stream, every read is a fresh 64 KiB buffer, a stream chunk, an async-iterator step
 * and a copy into the block; at 2 GiB that is tens of thousands of each, and measured it cost more
 * CPU than hashing the blocks. Here a read is one syscall into the block being filled.
 */

/** Full blocks waiting for the consumer before reading pauses (and the decoder blocks). */
const QUEUED_BLOCKS = 2;

export interface BlockSocket {
  /** The end to hand to the child process as its stdout; close it once the child has it. */
  writeEnd: Socket;
  /** The bytes written to `writeEnd`, in blocks from `allocate`; the last one zero-padded. */
  blocks: AsyncGenerator<FilledBlock>;
}

/** Opens the pair through a private listening socket (private-socket.ts). */
export function openBlockSocket(allocate: () => Buffer): Promise<BlockSocket> {
  return privateSocket('fedimg-xz-', async (path, accepted) => {
    const reader = new BlockReader(allocate);
    const readEnd = connect({ path, onread: reader.onread });
    reader.attach(readEnd);
    const [writeEnd] = await Promise.all([accepted, once(readEnd, 'connect')]);
    return { writeEnd, blocks: reader.blocks() };
  });
}

class BlockReader {
  private socket!: Socket;
  private block: Buffer;
  private filled = 0;
  private readonly full: Buffer[] = [];
  private paused = false;
  private ended = false;
  private failure: Error | undefined;
  private wake: () => void = () => undefined;

  constructor(private readonly allocate: () => Buffer) {
    this.block = allocate();
  }

  readonly onread = {
    buffer: () => this.block.subarray(this.filled),
    callback: (bytes: number) => {
      this.filled += bytes;
      if (this.filled < BLOCK_SIZE) return true;
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
            this.socket.resume();
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
      this.socket.destroy();
    }
  }
}
