import { mkdir, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { githubCacheService, type CacheService } from './cache-service.js';
import { describeError } from '../errors.js';
import type { Log } from '../log.js';

export interface CacheableImage {
  file: string;
  sha256: string;
  /** The compressed file's size in bytes. */
  size: number;
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

/** The part of @actions/cache fedimg uses: saving (it archives fedimg's own file). */
export interface CacheSaver {
  saveCache(paths: string[], key: string): Promise<number>;
}

/** The archive's name for `path`: @actions/cache stores paths relative to the workspace, with /. */
export function cacheEntryName(
  path: string,
  workspace = process.env.GITHUB_WORKSPACE ?? process.cwd(),
): string {
  return relative(workspace, resolve(path)).split(sep).join('/');
}

/**
 * The GitHub Actions cache, keyed by the image's sha256. An entry is read by fedimg itself
 * (cache-service.ts, cache-archive.ts): only the one file it stores, only into its own directory,
 * and used only when its sha256 is the image's. The path is relative to the workspace because the
 * cache's version hash includes it: every job must name it the same way. Where there is no cache
 * service to read (the CLI, the legacy service, a cache mode without reads), nothing is cached.
 */
export function actionsImageCache(
  dir = '.fedimg-image-cache',
  given: { service?: CacheService; saver?: CacheSaver } = {},
): ImageCache {
  const pathOf = (image: CacheableImage) => join(dir, `${image.sha256}.xz`);
  const service = given.service ?? githubCacheService();
  // The cache library is large and only useful inside a GitHub Actions job: loaded only there, so
  // the CLI's memory stays that of the upload.
  const saver = async () => given.saver ?? (await import('@actions/cache'));
  return {
    async open(image, log) {
      if (!service) {
        log.debug('No Actions cache service to read here; images are downloaded.');
        return undefined;
      }
      const path = pathOf(image);
      const key = imageCacheKey(image.sha256);
      await mkdir(dir, { recursive: true });
      await rm(path, { force: true });
      try {
        if (await restore(service, image, key, path, log)) return { path, hit: true };
      } catch (error) {
        log.warning(
          `${image.file}: the Actions cache could not be read (${describeError(error)}); downloading it.`,
          'fedimg cache',
        );
      }
      await rm(path, { force: true });
      return { path, hit: false };
    },
    async save(image, file, log) {
      try {
        if (!file.hit) {
          await (await saver()).saveCache([file.path], imageCacheKey(image.sha256));
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

/** Reads the entry under `key` into `path`; true when it holds exactly the image, by sha256. */
async function restore(
  service: CacheService,
  image: CacheableImage,
  key: string,
  path: string,
  log: Log,
): Promise<boolean> {
  const entry = await service.find(key, path);
  if (!entry) return false;
  // The archive reader (tar, zstd) is loaded only where there is an entry to read.
  const { CacheEntryRefused, extractCachedFile } = await import('./cache-archive.js');
  const response = await service.download(entry);
  if (!response.ok) {
    response.discard();
    throw new Error(`its archive answered HTTP ${response.status}`);
  }
  try {
    const file = await extractCachedFile(
      response.body,
      entry.compression,
      cacheEntryName(path),
      image.size,
      path,
    );
    // A cache entry cannot be replaced, so a bad one must never be trusted.
    if (file.sha256 === image.sha256) {
      log.info(`${image.file}: restored from the Actions cache (${key}); not downloading it.`);
      return true;
    }
    log.warning(
      `${image.file}: the cached copy does not match its sha256; downloading it instead.`,
      'fedimg cache',
    );
  } catch (error) {
    if (!(error instanceof CacheEntryRefused)) throw error;
    response.discard();
    log.warning(
      `${image.file}: the Actions cache entry ${key} was not written by fedimg (${error.message}); nothing of it was used or unpacked, and the image is downloaded. Delete the entry (gh cache delete ${key}) and find out which workflow wrote it.`,
      'fedimg cache',
    );
  }
  return false;
}
