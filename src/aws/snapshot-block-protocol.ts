/**
 * What the main thread and a sending thread of PutSnapshotBlock's lean path tell each other. The
 * block's memory moves with the job (transferred, not copied) and comes back with the outcome.
 */

/** Fixed for one writer's use of a sending thread (a thread serves writer after writer). */
export interface SenderSetup {
  region: string;
  /** PutSnapshotBlock's endpoint as the SDK resolved it. */
  endpoint: string;
  uriEscapePath: boolean;
  /** Keep-alive sockets of this thread. */
  sockets: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface WireCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface BlockJob {
  kind: 'put';
  id: number;
  snapshotId: string;
  index: number;
  buffer: ArrayBuffer;
  /** Bytes of `buffer` that are the block. */
  length: number;
  /** Known already (an all-zero block's constant); otherwise the sending thread hashes the block. */
  sha256?: string;
  credentials: WireCredentials;
  /** The request's signing time in ms since the epoch (the main thread's clock, skew-corrected). */
  signingTime: number;
}

export interface BlockOutcome {
  id: number;
  /** The block's memory, handed back for a retry or for reuse. */
  buffer: ArrayBuffer;
  sha256: string;
  /** EBS answered with an error status. */
  refused?: { status: number; headers: Record<string, string | string[] | undefined>; body: string };
  /** Nothing (whole) answered: the connection failed, timed out or was aborted. */
  failed?: { name: string; message: string; code?: string };
}

export interface AbortJob {
  kind: 'abort';
  id: number;
  reason: string;
}

/** Starts a writer's use of the thread: its endpoint, its connections. Comes before its first job. */
export interface OpenJob {
  kind: 'open';
  setup: SenderSetup;
}

/**
 * Ends the writer's use: requests in flight are aborted (their outcomes still come back), the
 * connections closed, and then the thread answers `Closed`, its last word until the next `open`.
 */
export interface CloseJob {
  kind: 'close';
}

export interface Closed {
  kind: 'closed';
}
