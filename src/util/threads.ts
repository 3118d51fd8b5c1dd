import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as Esbuild from 'esbuild';

/**
 * Every thread's heap limits. A thread's heap holds requests, answers and stream bookkeeping only
 * (block and download memory is outside it): a small young generation keeps each thread's memory
 * to a few MiB.
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 128 };

/**
 * Starts one of fedimg's own threads. `moduleUrl` is the caller's import.meta.url and `name` the
 * thread module beside it. In the bundles (dist/action, dist/cli) every thread module is a file of
 * its own beside index.js (scripts/build.mjs puts it there). Run from source (tests, `npm start`),
 * the module is bundled once per process with esbuild, as the build would (a thread that loaded
 * TypeScript through a loader of its own took 0.2 s to start, and an upload starts several).
 */
function startThread(moduleUrl: string, name: string): Worker {
  started++;
  const options = { resourceLimits: THREAD_LIMITS };
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, moduleUrl), options);
  // Plain JavaScript: without the TypeScript loader the process was started with (tsx).
  return new Worker(bundledFromSource(fileURLToPath(new URL(`./${name}.ts`, moduleUrl))), {
    ...options,
    execArgv: [],
  });
}

/**
 * Threads whose job ended, by module, kept for the next job of their module. A thread costs
 * 0.1–0.15 CPU-s to start (Node's bootstrap of a new isolate, then its modules); a process that
 * imports several images (the CLI's run, the demo, the tests) starts each kind once.
 */
const idle = new Map<string, Worker[]>();
const kinds = new WeakMap<Worker, string>();
/** The events a job's holder listens to; its listeners go when the thread changes hands. */
const EVENTS = ['message', 'messageerror', 'error', 'exit', 'online'] as const;
const forget = (worker: Worker) => {
  for (const event of EVENTS) worker.removeAllListeners(event);
};
/** How long a thread asked to end its job (`endJob`) has before it is ended instead. */
const END_JOB_WITHIN_MS = 5_000;
const ending = new WeakMap<Worker, NodeJS.Timeout>();
/** Idle threads beyond this many of one kind are ended: no run has more jobs of a kind at once. */
const MOST_IDLE = 4;
let started = 0;
/** Threads taken and neither handed back nor ended. */
const taken = new Set<Worker>();

/** Threads started by this process so far (taken idle ones not counted). */
export function threadsStarted(): number {
  return started;
}

/** Threads at work for a job now (or not yet handed back). */
export function threadsInUse(): number {
  return taken.size;
}

/**
 * A thread of the module `name` beside `moduleUrl` for one job: an idle one of the same kind when
 * there is one, else a new one. The module takes its job as a message (it has no workerData), and
 * the caller hands the thread back with `giveBackThread` once the thread said the job is over.
 */
export function takeThread(moduleUrl: string, name: string): Worker {
  const kind = new URL(`./${name}`, moduleUrl).href;
  let worker = idle.get(kind)?.pop();
  if (worker) {
    forget(worker);
    worker.ref();
  } else {
    worker = startThread(moduleUrl, name);
    kinds.set(worker, kind);
  }
  const mine = worker;
  taken.add(mine);
  mine.once('exit', () => taken.delete(mine));
  return mine;
}

/**
 * Takes back a thread whose job is over (it said so, and will say nothing more until its next job):
 * the caller's listeners go, and it waits, not keeping the process alive, for the next job.
 */
export function giveBackThread(worker: Worker): void {
  clearTimeout(ending.get(worker));
  ending.delete(worker);
  const kind = kinds.get(worker);
  forget(worker);
  taken.delete(worker);
  const list = kind === undefined ? undefined : (idle.get(kind) ?? idle.set(kind, []).get(kind)!);
  if (!list || list.length >= MOST_IDLE) {
    void worker.terminate();
    return;
  }
  worker.unref();
  // An idle thread that fails ends; it is not taken again.
  worker.on('error', () => undefined);
  worker.once('exit', () => {
    const at = list.indexOf(worker);
    if (at >= 0) list.splice(at, 1);
  });
  list.push(worker);
}

/**
 * Asks a taken thread to end its job early (`message`, in its module's protocol). Its holder hands
 * it back once it says the job is over; a thread that has not been handed back within 5 s is ended.
 */
export function endJob(worker: Worker, message: unknown): void {
  worker.postMessage(message);
  clearTimeout(ending.get(worker));
  ending.set(worker, setTimeout(() => void worker.terminate(), END_JOB_WITHIN_MS).unref());
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
