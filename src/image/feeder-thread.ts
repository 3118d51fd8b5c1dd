import { once } from 'node:events';
import { connect } from 'node:net';
import { parentPort } from 'node:worker_threads';
import { FedimgError, ImageSourceError } from '../errors.js';
import { compressedChunks } from './compressed.js';
import type { DownloadStats } from './download.js';
import type { FeedCommand, FeedFailure, FeedReport, FeedSetup } from './feed-protocol.js';

/**
 * The feeding thread: download (or read the cached copy) → sha256 and size check → xz's input
 * socket, with back-pressure. Receiving the compressed stream, hashing it and writing it to xz cost
 * about half a CPU-second per GiB of image; here they run beside the main thread, which is left to
 * cut xz's output into blocks and hand them to the sending threads.
 */

const report = (message: FeedReport) => parentPort!.postMessage(message);
/** The feed in progress, if any. */
let running: AbortController | undefined;

parentPort!.on('message', (command: FeedCommand) => {
  if (command.kind === 'abort') {
    running?.abort(new Error('the image source was stopped'));
    return;
  }
  const controller = new AbortController();
  running = controller;
  const stats: DownloadStats = { bytes: 0, resumes: 0, verified: false };
  // Its last word, after which the thread waits for its next job (feeder.ts hands it back).
  feed(command.setup, stats, controller.signal)
    .then(
      () => report({ kind: 'done', stats }),
      (error: unknown) => report({ kind: 'failed', failure: failureOf(error), stats }),
    )
    .finally(() => {
      if (running === controller) running = undefined;
    });
});

function failureOf(error: unknown): FeedFailure {
  if (error instanceof ImageSourceError) {
    // The hint travels apart; the message without it is rebuilt on the other side.
    const message = error.hint ? error.message.slice(0, -(error.hint.length + 1)) : error.message;
    return { name: error.name, message, kind: error.kind, url: error.url, hint: error.hint };
  }
  if (error instanceof FedimgError) return { name: error.name, message: error.message };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

async function feed(setup: FeedSetup, stats: DownloadStats, signal: AbortSignal): Promise<void> {
  const source = compressedChunks(setup, stats, signal, (offset, reason) =>
    report({ kind: 'resume', offset, reason }),
  );
  const socket = connect(setup.socketPath);
  // xz exiting early closes the socket; the main thread learns why from xz itself.
  let open = true;
  socket.on('error', () => (open = false));
  socket.on('close', () => (open = false));
  await once(socket, 'connect');
  try {
    // Keeps reading after xz stopped taking input, so that a corrupt download is reported as the
    // checksum mismatch it is, rather than as the xz error it causes.
    for await (const chunk of source) {
      if (open && !socket.write(chunk)) await drainedOrClosed(socket);
    }
    if (open) {
      socket.end();
      // However it closes: xz exiting with input unread resets the connection, and that is xz's
      // error to report, not the feed's.
      await new Promise((resolve) => socket.once('close', resolve));
    }
  } finally {
    if (!stats.verified) socket.destroy();
  }
}

/** Resolves on 'drain', or when the socket can no longer take anything. */
function drainedOrClosed(socket: ReturnType<typeof connect>): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}
