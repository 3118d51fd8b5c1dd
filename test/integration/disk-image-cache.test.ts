import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_CACHE_DIR, writeCompressedImage, type CompressedImage } from '../fixtures/disk-image.js';

// Tests trust the generated images' digests; a cache that handed out another file under them would
// make every test built on them meaningless.
// A seed of this run's own: no other test process shares these cache entries.
const seed = `cache-test-${process.pid}-${Date.now()}`;
const SIZE = 3 * 1024 * 1024 + 17;

let dir: string;
let first: CompressedImage;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-image-cache-'));
  first = await writeCompressedImage(join(dir, 'first.raw.xz'), SIZE, seed);
});
afterAll(async () => {
  const entry = cachedEntry(first);
  for (const name of [entry, `${entry}.json`]) await rm(join(IMAGE_CACHE_DIR, name), { force: true });
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The cache file holding `image` (found by the digest its record gives). */
function cachedEntry(image: CompressedImage): string {
  const name = readdirSync(IMAGE_CACHE_DIR)
    .filter((file) => file.endsWith('.raw.xz.json'))
    .find(
      (file) =>
        (JSON.parse(readFileSync(join(IMAGE_CACHE_DIR, file), 'utf8')) as CompressedImage).sha256 ===
        image.sha256,
    );
  expect(name, 'the image is cached').toBeDefined();
  return name!.replace(/\.json$/, '');
}

describe('the generated-image cache of the test fixtures', () => {
  it('gives the same file and digests as generating it', async () => {
    const again = await writeCompressedImage(join(dir, 'again.raw.xz'), SIZE, seed);
    expect(again).toEqual({ ...first, path: join(dir, 'again.raw.xz') });
    const data = await readFile(again.path);
    expect(sha256(data)).toBe(first.sha256);
    expect(data.length).toBe(first.size);
    expect((await readFile(first.path)).equals(data)).toBe(true);
  });

  it('is left alone when a test changes its copy', async () => {
    await writeFile(first.path, 'corrupted by a test');
    const again = await writeCompressedImage(join(dir, 'after-change.raw.xz'), SIZE, seed);
    expect(sha256(await readFile(again.path))).toBe(first.sha256);
  });

  it('makes an image again when its cache entry no longer matches its digest', async () => {
    const entry = join(IMAGE_CACHE_DIR, cachedEntry(first));
    await writeFile(entry, 'not the image');
    const again = await writeCompressedImage(join(dir, 'remade.raw.xz'), SIZE, seed);
    expect(sha256(await readFile(again.path))).toBe(first.sha256);
    expect(again.rawSha256).toBe(first.rawSha256);
    // The entry is whole again.
    expect(sha256(await readFile(entry))).toBe(first.sha256);
  });
});
