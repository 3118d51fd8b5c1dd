import { createHash } from 'node:crypto';
import * as z from 'zod';
import { request, type HttpResponse } from '../net/http.js';

/**
 * GitHub's cache service, read without @actions/cache's restore. That restore extracts an entry
 * with `tar -P` into the workspace before anything can look at it, and an entry under fedimg's
 * predictable key may have been written by any workflow of the repository's default branch (CI
 * running third-party packages, say): extracted where the AWS role is held, it could overwrite the
 * action itself. fedimg asks the service for its one key and reads the archive itself
 * (cache-archive.ts). Saving stays @actions/cache's: it archives fedimg's own file.
 *
 * The protocol is the cache service v2 that @actions/cache 6 speaks on github.com (Twirp over JSON:
 * GetCacheEntryDownloadURL, then a plain GET of the signed blob URL). Where the runner offers only
 * the legacy service (GHES), fedimg uses no cache.
 */

/** How @actions/cache compressed an entry: zstd when the saving runner had it, otherwise gzip. */
export type CacheCompression = 'zstd-without-long' | 'gzip';
export const CACHE_COMPRESSIONS: readonly CacheCompression[] = ['zstd-without-long', 'gzip'];

/**
 * The version an entry is stored under, as @actions/cache computes it (cacheUtils.getCacheVersion
 * on Linux): sha256 of the paths, the compression and its salt "1.0", joined by "|".
 */
export function cacheVersion(path: string, compression: CacheCompression): string {
  return createHash('sha256').update([path, compression, '1.0'].join('|')).digest('hex');
}

/** Where an entry's archive can be read, and how it was compressed. */
export interface CacheEntry {
  key: string;
  url: URL;
  compression: CacheCompression;
}

export interface CacheService {
  /** The entry stored under exactly `key` for `path`, or undefined. */
  find(key: string, path: string, signal?: AbortSignal): Promise<CacheEntry | undefined>;
  /** The archive's bytes. */
  download(entry: CacheEntry, signal?: AbortSignal): Promise<HttpResponse>;
}

const downloadUrlAnswer = z.object({
  ok: z.boolean().optional(),
  signed_download_url: z.string().optional(),
  matched_key: z.string().optional(),
});

const SERVICE = 'twirp/github.actions.results.api.v1.CacheService';

/**
 * The runner's cache service (ACTIONS_RESULTS_URL with ACTIONS_RUNTIME_TOKEN, v2 only), or
 * undefined where there is none to read: outside Actions, on the legacy service, or where the
 * job's cache mode (ACTIONS_CACHE_MODE) does not permit reads.
 */
export function githubCacheService(env: NodeJS.ProcessEnv = process.env): CacheService | undefined {
  const base = env.ACTIONS_RESULTS_URL;
  const token = env.ACTIONS_RUNTIME_TOKEN;
  const mode = (env.ACTIONS_CACHE_MODE ?? '').trim().toLowerCase();
  if (!base || !token || !env.ACTIONS_CACHE_SERVICE_V2) return undefined;
  if (mode === 'none' || mode === 'write-only') return undefined;
  return {
    async find(key, path, signal) {
      for (const compression of CACHE_COMPRESSIONS) {
        const response = await request(new URL(`${SERVICE}/GetCacheEntryDownloadURL`, base), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ key, version: cacheVersion(path, compression) }),
          signal,
        });
        const text = (await response.bytes()).toString('utf8');
        if (!response.ok) throw new Error(`the cache service answered HTTP ${response.status}`);
        const answer = downloadUrlAnswer.parse(JSON.parse(text));
        if (!answer.ok || !answer.signed_download_url) continue;
        // Keys match by prefix; only the exact key is fedimg's (a longer one is someone else's).
        if (answer.matched_key !== key) continue;
        const url = new URL(answer.signed_download_url);
        if (url.protocol !== 'https:' && url.hostname !== '127.0.0.1')
          throw new Error('the cache service gave a download URL that is not https');
        return { key, url, compression };
      }
      return undefined;
    },
    download: (entry, signal) => request(entry.url, { signal }),
  };
}
