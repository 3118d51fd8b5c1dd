import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hasSystemXz } from '../../src/image/decompress.js';
import { xzUncompressedSize } from '../../src/image/xz-index.js';
import { createRequire } from 'node:module';

function compress(data: Buffer, args: string[]): Buffer {
  if (hasSystemXz()) return execFileSync('xz', [...args, '-c'], { input: data, maxBuffer: 1 << 26 });
  const lzma = createRequire(import.meta.url)('node-liblzma') as {
    xzSync(buffer: Buffer, options?: object): Buffer;
  };
  return lzma.xzSync(data, { preset: 0 });
}

const reader = (file: Buffer) => async (start: number, end: number) => file.subarray(start, end);

describe('raw size from the xz index', () => {
  // Noise and zeros, 800 KB: the index does not depend on the size, and xz spent seconds on 8 MB.
  const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(500_000)]);
  let oneBlock: Buffer | undefined;
  const compressedInOneBlock = () => (oneBlock ??= compress(data, ['-0']));

  it.each([
    ['one block', () => compressedInOneBlock()],
    ['many blocks, as Fedora compresses', () => compress(data, ['-0', '--block-size=64KiB', '-T2'])],
  ])('reads %s', async (_what, file) => {
    const compressed = file();
    expect(await xzUncompressedSize(compressed.length, reader(compressed))).toBe(data.length);
  });

  it('adds up concatenated streams separated by stream padding', async () => {
    const one = compressedInOneBlock();
    const file = Buffer.concat([one, Buffer.alloc(8), one]);
    expect(await xzUncompressedSize(file.length, reader(file))).toBe(2 * data.length);
  });

  it('refuses a file without a stream footer', async () => {
    const file = compressedInOneBlock().subarray(0, 1000);
    await expect(xzUncompressedSize(file.length, reader(file))).rejects.toThrow(/footer/);
  });
});
