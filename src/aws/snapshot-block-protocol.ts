/**
 * What the main thread and a sending thread of PutSnapshotBlock's lean path tell each other. The
 * block's memory moves with the job (transferred, not copied) and comes back with the outcome.
 */

/** Fixed for the life of a sending thread. */
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
