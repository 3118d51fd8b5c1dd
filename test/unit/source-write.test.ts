/**
 * How the npm decoder is fed: a write that waits for the decoder to drain, and tells the feeding
 * loop when the decoder is gone, so the download goes on (and its checksum is still checked)
 * without writing into a dead stream.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { write } from '../../src/image/source.js';

/** A decoder stand-in that holds every chunk until `release()`. */
function slowDecoder() {
  const held: Array<() => void> = [];
  const stream = new Writable({
    highWaterMark: 4,
    write(_chunk, _encoding, done) {
      held.push(done);
    },
  });
  return { stream, release: () => held.splice(0).forEach((done) => done()) };
}

const listeners = (stream: Writable) =>
  ['drain', 'close', 'error'].map((event) => stream.listenerCount(event));

describe('feeding the npm decoder', () => {
  it('resolves true at once while the decoder takes more', async () => {
    const sink = new Writable({ highWaterMark: 1024, write: (_chunk, _encoding, done) => done() });
    expect(await write(sink, Buffer.alloc(8))).toBe(true);
  });

  it('waits for the decoder to drain, then resolves true and leaves no listener behind', async () => {
    const { stream, release } = slowDecoder();
    const before = listeners(stream);
    for (let chunk = 0; chunk < 20; chunk++) {
      const accepted = write(stream, Buffer.alloc(8));
      let settled = false;
      void accepted.then(() => (settled = true));
      await new Promise((resolve) => setImmediate(resolve));
      if (chunk > 0) expect(settled).toBe(false);
      release();
      expect(await accepted).toBe(true);
    }
    expect(listeners(stream)).toEqual(before);
  });

  it('resolves false when the decoder goes away while it waits, and leaves no listener behind', async () => {
    for (const end of ['destroy', 'error'] as const) {
      const { stream } = slowDecoder();
      stream.on('error', () => undefined);
      stream.write(Buffer.alloc(8)); // fills it
      const before = listeners(stream);
      const accepted = write(stream, Buffer.alloc(8));
      if (end === 'destroy') stream.destroy();
      else stream.destroy(new Error('corrupt input'));
      expect(await accepted).toBe(false);
      expect(listeners(stream)).toEqual(before);
    }
  });

  it('resolves false without writing once the decoder is destroyed or ended', async () => {
    const destroyed = slowDecoder().stream;
    destroyed.destroy();
    expect(await write(destroyed, Buffer.alloc(8))).toBe(false);
    let written = 0;
    const ended = new Writable({
      write: (_chunk, _encoding, done) => {
        written++;
        done();
      },
    });
    ended.end();
    expect(await write(ended, Buffer.alloc(8))).toBe(false);
    expect(written).toBe(0);
  });
});
