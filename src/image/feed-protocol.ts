import type { ImageSourceFailure } from '../errors.js';
import type { CompressedSource } from './compressed.js';
import type { DownloadStats } from './download.js';

/**
 * What the main thread and the feeding thread tell each other: the feeding thread downloads (or
 * reads the cached copy), verifies and writes the compressed image into xz's input socket.
 */
export interface FeedSetup extends CompressedSource {
  /** The socket to connect to: its other end is xz's stdin. */
  socketPath: string;
}

/**
 * The main thread's side: one feed per job (a thread serves job after job), and `abort`, which
 * stops the feed in progress and is ignored when there is none.
 */
export type FeedCommand = { kind: 'feed'; setup: FeedSetup } | { kind: 'abort' };

/** An ImageSourceError (or anything else) as it crosses threads. */
export interface FeedFailure {
  name: string;
  message: string;
  kind?: ImageSourceFailure;
  url?: string;
  hint?: string;
}

/** Per feed: any number of `resume`s, then one `done` or `failed`, its last word. */
export type FeedReport =
  | { kind: 'resume'; offset: number; reason: string }
  | { kind: 'done'; stats: DownloadStats }
  | { kind: 'failed'; failure: FeedFailure; stats: DownloadStats };
