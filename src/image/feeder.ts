import type { Socket } from 'node:net';
import { ImageSourceError } from '../errors.js';
import { endJob, giveBackThread, takeThread } from '../util/threads.js';
import type { DownloadStats } from './download.js';
import type { FeedCommand, FeedFailure, FeedReport, FeedSetup } from './feed-protocol.js';
import { privateSocket } from './private-socket.js';

export interface Feeder {
  /** The end of the feeding thread's socket to hand to xz as its stdin. */
  input: Socket;
  /** Resolves once the whole file was fed and its size and sha256 confirmed; rejects otherwise. */
  done: Promise<void>;
  /** Stops the thread (downloads in flight are aborted). */
  stop(): void;
}

/** The error the feeding thread reported, as the one it was there. */
function errorOf(failure: FeedFailure): Error {
  if (failure.kind && failure.url !== undefined)
    return new ImageSourceError(
      failure.kind,
      failure.url,
      failure.message,
      failure.hint ? { hint: failure.hint } : {},
    );
  return Object.assign(new Error(failure.message), { name: failure.name });
}

/**
 * Gives a feeding thread (feeder-thread.ts) the image to feed and returns the socket it writes the
 * verified compressed image into, made through a private listening socket (private-socket.ts).
 */
export function startFeeder(
  setup: Omit<FeedSetup, 'socketPath'>,
  stats: DownloadStats,
  onResume?: (offset: number, reason: string) => void,
): Promise<Feeder> {
  return privateSocket('fedimg-feed-', async (socketPath, accepted) => {
    const worker = takeThread(import.meta.url, 'feeder-thread');
    // Once the thread has said how the feed ended it is handed back, and nothing here may reach it.
    let ours = true;
    const done = new Promise<void>((resolve, reject) => {
      worker.on('message', (report: FeedReport) => {
        if (report.kind === 'resume') {
          onResume?.(report.offset, report.reason);
          return;
        }
        Object.assign(stats, report.stats);
        ours = false;
        giveBackThread(worker);
        if (report.kind === 'done') resolve();
        else reject(errorOf(report.failure));
      });
      worker.on('error', reject);
      worker.on('exit', () => reject(new Error('the feeding thread ended without a word')));
    });
    done.catch(() => undefined);
    worker.postMessage({ kind: 'feed', setup: { ...setup, socketPath } } satisfies FeedCommand);
    // The thread may fail before it connects (a refused host, say): that ends the wait too.
    const input = await Promise.race([accepted, done.then(() => accepted)]);
    return {
      input,
      done,
      stop: () => {
        // A feed that does not end on its abort is ended with its thread.
        if (ours) endJob(worker, { kind: 'abort' } satisfies FeedCommand);
      },
    };
  });
}
