import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../errors.js';
import type { Log } from '../log.js';

export interface CacheableImage {
  file: string;
  sha256: string;
}

/** Where an image's compressed file lives locally: restored from the cache (hit) or to be written. */
export interface CachedImageFile {
  path: string;
  hit: boolean;
}

/**
 * Keeps downloaded compressed images between jobs, so a re-run or another job of the same workflow
 * does not fetch them from the compose host again. Never a reason to fail: every problem is a
 * warning and the image is downloaded as usual.
 */
export interface ImageCache {
  /** undefined when there is no cache to use. */
  open(image: CacheableImage, log: Log): Promise<CachedImageFile | undefined>;
  /** Stores a file written during a download; removes the local file either way. */
  save(image: CacheableImage, file: CachedImageFile, log: Log): Promise<void>;
  /** Removes the local file without storing it (the upload failed). */
  discard(file: CachedImageFile): Promise<void>;
}

export const imageCacheKey = (sha256: string) => `fedimg-image-${sha256}`;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The part of @actions/cache fedimg uses; tests give a directory-backed stand-in. */
export interface CacheBackend {
  isFeatureAvailable(): boolean;
  restoreCache(paths: string[], key: string): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

/**
 * The GitHub Actions cache (@actions/cache), keyed by the image's sha256. The path is relative to
 * the workspace because the cache's version hash includes it: every job must name it the same way.
 * Where the cache service is unavailable (the CLI, a runner without it), nothing is cached.
 */
export function actionsImageCache(dir = '.fedimg-image-cache', given?: CacheBackend): ImageCache {
  const pathOf = (image: CacheableImage) => join(dir, `${image.sha256}.xz`);
  // The cache library is large and only useful inside a GitHub Actions job: loaded only there, so
  // the CLI's memory stays that of the upload.
  let backend = given;
  const load = async () => {
    if (!backend && process.env.GITHUB_ACTIONS === 'true') backend = await import('@actions/cache');
    return backend;
  };
  return {
    async open(image, log) {
      const backend = await load();
      if (!backend?.isFeatureAvailable()) {
        log.debug('The Actions cache service is not available here; images are downloaded.');
        return undefined;
      }
      const path = pathOf(image);
      await mkdir(dir, { recursive: true });
      try {
        const key = await backend.restoreCache([path], imageCacheKey(image.sha256));
        if (key) {
          // A cache entry cannot be replaced, so a bad one must never be trusted.
          if ((await sha256Of(path)) === image.sha256) {
            log.info(`${image.file}: restored from the Actions cache (${key}); not downloading it.`);
            return { path, hit: true };
          }
          log.warning(
            `${image.file}: the cached copy does not match its sha256; downloading it instead.`,
            'fedimg cache',
          );
          await rm(path, { force: true });
        }
      } catch (error) {
        log.warning(
          `${image.file}: the Actions cache could not be read (${describeError(error)}); downloading it.`,
          'fedimg cache',
        );
      }
      return { path, hit: false };
    },
    async save(image, file, log) {
      try {
        if (!file.hit && backend) {
          await backend.saveCache([file.path], imageCacheKey(image.sha256));
          log.info(`${image.file}: kept in the Actions cache as ${imageCacheKey(image.sha256)}.`);
        }
      } catch (error) {
        log.warning(
          `${image.file}: could not be kept in the Actions cache (${describeError(error)}).`,
          'fedimg cache',
        );
      } finally {
        await rm(file.path, { force: true });
      }
    },
    async discard(file) {
      await rm(file.path, { force: true });
    },
  };
}
