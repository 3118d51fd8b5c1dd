import type { IncomingMessage } from 'node:http';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { PutSnapshotBlockCommand, type EBSClient } from '@aws-sdk/client-ebs';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import type { EndpointParameterInstructions } from '@smithy/types';
import { markAwsCall, UploadError } from '../errors.js';
import { endJob, giveBackThread, takeThread } from '../util/threads.js';
import type {
  AbortJob,
  BlockJob,
  BlockOutcome,
  CloseJob,
  Closed,
  OpenJob,
  SenderSetup,
} from './snapshot-block-protocol.js';

/**
 * PutSnapshotBlock without the SDK's per-request middleware: the request the SDK would send (same
 * method, path, signed headers and body), signed by put-block-signer.ts and written to a keep-alive
 * HTTP/1.1 connection (net/http1-connections.ts) by a sending thread (snapshot-block-worker.ts),
 * which also hashes the block. An upload makes 2,048 of these per GiB; the SDK's stack costs about
 * a millisecond of CPU each, this path about a tenth of that, none of it on the main thread.
 * Endpoint, credentials (with their refresh), region and clock-skew correction are read from the
 * EBS client's configuration, so AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EBS and the credential chain
 * mean what they mean for every other call.
 */

export interface SnapshotBlock {
  index: number;
  /**
   * Exactly the bytes to store (512 KiB). The memory moves to a sending thread and back: once a put
   * settles, `data` is the same memory in a new Buffer (the one given is left empty).
   */
  data: Buffer;
  /** Base64 SHA-256 of `data` when known already (an all-zero block's); otherwise it is computed. */
  sha256?: string;
}

export interface BlockWriterOptions {
  /** Sockets kept open: one per upload worker. */
  sockets: number;
  /** Limit for one request from start to response, in ms. */
  requestTimeoutMs: number;
  /** Limit for a socket with no traffic, in ms. */
  idleTimeoutMs: number;
}

export interface SnapshotBlockWriter {
  /** Stores the block; resolves to its base64 SHA-256 (for CompleteSnapshot's aggregate checksum). */
  put(snapshotId: string, block: SnapshotBlock, signal?: AbortSignal): Promise<string>;
  destroy(): void;
}

/** An EBS error in the shape the SDK gives its service exceptions, so one classification serves both. */
export class EbsServiceError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly $fault: 'client' | 'server';
  [field: string]: unknown;

  constructor(
    name: string,
    message: string,
    status: number,
    fields: Record<string, unknown>,
    requestId?: string,
  ) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
    this.$fault = status >= 500 ? 'server' : 'client';
    for (const [key, value] of Object.entries(fields)) if (!(key in this)) this[key] = value;
  }
}

/** The error restJson1 describes: x-amzn-errortype (or __type/code in the body), message, extra fields. */
export function ebsErrorFrom(
  status: number,
  headers: IncomingMessage['headers'],
  body: string,
): EbsServiceError {
  let fields: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') fields = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's page, an empty body): the status decides.
  }
  const typeHeader = headers['x-amzn-errortype'];
  const rawType = String(
    (Array.isArray(typeHeader) ? typeHeader[0] : typeHeader) ?? fields.__type ?? fields.code ?? '',
  );
  // "aws.protocoltests#FooError" or "FooError:http://internal.amazon.com/...": the bare name.
  const name =
    rawType.split(':')[0]!.split('#').pop() ||
    (status >= 500 ? 'InternalServerException' : `Http${status}Error`);
  const message = String(fields.message ?? fields.Message ?? `PutSnapshotBlock answered HTTP ${status}`);
  const requestId = headers['x-amzn-requestid'];
  const { message: _m, Message: _M, __type: _t, ...rest } = fields;
  return new EbsServiceError(
    name,
    message,
    status,
    rest,
    typeof requestId === 'string' ? requestId : undefined,
  );
}

/** A sending thread and the jobs it has not answered yet. */
interface Sender {
  worker: Worker;
  waiting: Map<number, (outcome: BlockOutcome | Error) => void>;
  /** The writer let the thread go: nothing more may be sent to it. */
  closed: boolean;
}

/**
 * Sending threads per writer: one per two cores, at most four. With two cores or fewer one thread:
 * xz and the other threads already take both cores, and every thread costs memory and switches.
 */
export const senderThreads = () => Math.min(4, Math.max(1, Math.floor(availableParallelism() / 2)));

/** The memory of a block as one whole ArrayBuffer, which can move to another thread. */
function movable(data: Buffer): ArrayBuffer {
  if (data.byteOffset === 0 && data.buffer.byteLength === data.length && data.buffer instanceof ArrayBuffer)
    return data.buffer;
  const copy = new ArrayBuffer(data.length);
  data.copy(Buffer.from(copy));
  return copy;
}

/** The error a sending thread reported, as the one the request would have raised here. */
function failureOf(outcome: BlockOutcome): Error | undefined {
  if (outcome.refused) {
    const { status, headers, body } = outcome.refused;
    return ebsErrorFrom(status, headers, body);
  }
  if (outcome.failed) {
    const { name, message, code } = outcome.failed;
    return Object.assign(new Error(message), { name, ...(code ? { code } : {}) });
  }
  return undefined;
}

/**
 * Creates a writer for one region's EBS client. Its sending threads start with the first block and
 * keep the process alive only while they have work.
 */
export function snapshotBlockWriter(
  client: EBSClient,
  region: string,
  options: BlockWriterOptions,
): SnapshotBlockWriter {
  const config = client.config;
  // The endpoint of PutSnapshotBlock as the SDK resolves it (the rules do not depend on the block).
  let endpoint: Promise<URL> | undefined;
  const resolveEndpoint = () =>
    (endpoint ??= getEndpointFromInstructions(
      { SnapshotId: 'snap-0', BlockIndex: 0 },
      PutSnapshotBlockCommand as unknown as {
        getEndpointParameterInstructions(): EndpointParameterInstructions;
      },
      config as never,
    ).then((resolved) => new URL(resolved.url.href)));
  const senders: Sender[] = [];
  // Once per writer: availableParallelism() is a system call, and put() runs 2,048 times per GiB.
  const threads = senderThreads();
  let nextId = 0;

  function startSender(url: URL): Sender {
    const setup: SenderSetup = {
      region,
      endpoint: url.href,
      uriEscapePath: config.signingEscapePath ?? true,
      sockets: Math.ceil(options.sockets / threads),
      requestTimeoutMs: options.requestTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
    };
    const worker = takeThread(import.meta.url, 'snapshot-block-worker');
    worker.unref();
    const sender: Sender = { worker, waiting: new Map(), closed: false };
    worker.on('message', (answer: BlockOutcome | Closed) => {
      if ('kind' in answer) giveBackThread(worker);
      else sender.waiting.get(answer.id)?.(answer);
    });
    const stopped = (reason: unknown) => {
      sender.closed = true;
      const at = senders.indexOf(sender);
      if (at >= 0) senders.splice(at, 1);
      // Its blocks' memory went with it, so those blocks cannot be retried.
      const error = new UploadError(
        `A PutSnapshotBlock sending thread stopped (${reason instanceof Error ? reason.message : String(reason)}).`,
        { hint: 'Re-run the job: the snapshot is started again from its first block.' },
      );
      for (const settle of sender.waiting.values()) settle(error);
    };
    worker.on('error', stopped);
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    worker.postMessage({ kind: 'open', setup } satisfies OpenJob);
    return sender;
  }

  /** The sending thread with the fewest jobs, started while there are fewer than `threads`. */
  async function sender(): Promise<Sender> {
    const url = await resolveEndpoint();
    while (senders.length < threads) senders.push(startSender(url));
    return senders.reduce((least, each) => (each.waiting.size < least.waiting.size ? each : least));
  }

  return {
    async put(snapshotId, block, signal) {
      try {
        signal?.throwIfAborted();
        const target = await sender();
        const identity = await config.credentials();
        // A cancel while those were awaited: the abort listener below is not there yet.
        signal?.throwIfAborted();
        if (target.closed)
          throw new UploadError('The PutSnapshotBlock writer was closed while a block was on its way.', {
            hint: 'Re-run the job: the snapshot is started again from its first block.',
          });
        const id = nextId++;
        const length = block.data.length;
        const job: BlockJob = {
          kind: 'put',
          id,
          snapshotId,
          index: block.index,
          buffer: movable(block.data),
          length,
          ...(block.sha256 ? { sha256: block.sha256 } : {}),
          credentials: {
            accessKeyId: identity.accessKeyId,
            secretAccessKey: identity.secretAccessKey,
            ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
          },
          signingTime: Date.now() + (config.systemClockOffset ?? 0),
        };
        const outcome = await new Promise<BlockOutcome | Error>((resolve) => {
          const onAbort = () => {
            const abort: AbortJob = { kind: 'abort', id, reason: String(signal?.reason ?? 'aborted') };
            target.worker.postMessage(abort);
          };
          target.waiting.set(id, (answer) => {
            target.waiting.delete(id);
            signal?.removeEventListener('abort', onAbort);
            if (target.waiting.size === 0) target.worker.unref();
            resolve(answer);
          });
          signal?.addEventListener('abort', onAbort, { once: true });
          if (target.waiting.size === 1) target.worker.ref();
          target.worker.postMessage(job, [job.buffer]);
        });
        if (outcome instanceof Error) throw outcome;
        // The same memory, back from the sending thread: a retry sends it again, release reuses it.
        block.data = Buffer.from(outcome.buffer, 0, length);
        const failure = failureOf(outcome);
        if (failure) throw failure;
        return outcome.sha256;
      } catch (error) {
        throw markAwsCall(error, 'ebs:PutSnapshotBlock', region);
      }
    },
    destroy() {
      // Each thread aborts what it still sends, answers it, and is handed back once it says closed
      // (or is ended if it does not).
      for (const each of senders.splice(0)) {
        each.closed = true;
        endJob(each.worker, { kind: 'close' } satisfies CloseJob);
      }
    },
  };
}
