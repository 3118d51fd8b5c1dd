import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type * as Esbuild from 'esbuild';

/**
 * Starts one of fedimg's own threads. `moduleUrl` is the caller's import.meta.url and `name` the
 * thread module beside it. In the bundles (dist/action, dist/cli) every thread module is a file of
 * its own beside index.js (scripts/build.mjs puts it there). Run from source (tests, `npm start`),
 * the module is bundled once per process with esbuild, as the build would (a thread that loaded
 * TypeScript through a loader of its own took 0.2 s to start, and an upload starts several).
 */
export function startThread(moduleUrl: string, name: string, options: WorkerOptions): Worker {
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, moduleUrl), options);
  // Plain JavaScript: without the TypeScript loader the process was started with (tsx).
  return new Worker(bundledFromSource(fileURLToPath(new URL(`./${name}.ts`, moduleUrl))), {
    ...options,
    execArgv: [],
  });
}

const bundled = new Map<string, string>();

/** The thread module as one ESM file under .tmp/threads/ (bare imports resolve from the checkout). */
function bundledFromSource(entry: string): string {
  let file = bundled.get(entry);
  if (!file) {
    // The checkout's .tmp/ (git-ignored): bare imports resolve from its node_modules.
    // (A path made from strings: the bundler would take a literal URL for an asset to ship.)
    const dir = join(
      fileURLToPath(import.meta.url).replace(/src[/\\]util[/\\]threads\.ts$/, ''),
      '.tmp',
      'threads',
    );
    mkdirSync(dir, { recursive: true });
    file = join(dir, `${entry.replace(/^.*\/src\//, '').replace(/[/.]/g, '-')}-${process.pid}.mjs`);
    // A development dependency, loaded only here: never part of a bundle.
    const esbuild = createRequire(import.meta.url)(['esbuild'][0]!) as typeof Esbuild;
    esbuild.buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: `${file}.partial`,
      logLevel: 'error',
    });
    renameSync(`${file}.partial`, file);
    const made = file;
    process.once('exit', () => rmSync(made, { force: true }));
    bundled.set(entry, file);
  }
  return file;
}
