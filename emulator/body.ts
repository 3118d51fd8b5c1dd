import type { IncomingMessage } from 'node:http';

/** Buffers for request bodies nobody keeps, by exact size; a few are enough (lib-storage sends 4 parts at once). */
export class ScratchBodies {
  private readonly free: Buffer[] = [];

  take(size: number): Buffer {
    const index = this.free.findIndex((buffer) => buffer.length === size);
    return index >= 0 ? this.free.splice(index, 1)[0]! : Buffer.allocUnsafe(size);
  }

  give(buffer: Buffer): void {
    if (this.free.length < 8) this.free.push(buffer);
  }
}

/** The whole body; into `scratch` (sized from content-length) when given, else a new buffer. */
export async function readBody(req: IncomingMessage, scratch?: Buffer): Promise<Buffer> {
  if (scratch) {
    let length = 0;
    for await (const chunk of req) {
      const bytes = chunk as Buffer;
      // Node's parser stops at content-length; a longer body cannot arrive.
      length += bytes.copy(scratch, length);
    }
    return scratch.subarray(0, length);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
