import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { Http1Connections } from '../net/http1-connections.js';
import type { Response } from '../net/http1-response.js';
import { PutBlockSigner } from './put-block-signer.js';
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
 * A sending thread of PutSnapshotBlock's lean path: it hashes a block, signs the request
 * (put-block-signer.ts) and writes it to one of its keep-alive connections (http1-connections.ts),
 * then hands the block's memory back. Hashing 512 KiB, signing and the socket and kernel work of
 * sending it are most of an upload's CPU; here they run beside the main thread instead of on it,
 * so one Node process can feed several hundred MB/s. Credentials, endpoint and signing time come
 * from the main thread, which keeps the SDK's credential chain and clock-skew correction; retries
 * and cancellation stay there.
 */

const USER_AGENT = 'fedimg (PutSnapshotBlock over HTTP/1.1 keep-alive)';

/** One writer's use of the thread, from its `open` to its `close`. */
class Session {
  readonly endpoint: URL;
  readonly basePath: string;
  readonly connections: Http1Connections;
  readonly signer: PutBlockSigner;
  readonly running = new Map<number, (reason: Error) => void>();
  /** Jobs cancelled before their request existed (while being hashed or signed). */
  readonly cancelled = new Map<number, Error>();
  /** Jobs whose outcome has not been posted yet. */
  readonly unanswered = new Set<Promise<void>>();

  constructor(readonly setup: SenderSetup) {
    this.endpoint = new URL(setup.endpoint);
    this.basePath = this.endpoint.pathname.replace(/\/$/, '');
    const https = this.endpoint.protocol === 'https:';
    this.connections = new Http1Connections({
      protocol: https ? 'https:' : 'http:',
      hostname: this.endpoint.hostname.replace(/^\[|\]$/g, ''),
      port: this.endpoint.port ? Number(this.endpoint.port) : https ? 443 : 80,
      sockets: setup.sockets,
    });
    this.signer = new PutBlockSigner(setup.region, setup.uriEscapePath);
  }
}

/** The writer now using the thread, if any. */
let active: Session | undefined;

function send(session: Session, job: BlockJob, data: Buffer, sha256: string): Promise<Response> {
  const { setup, endpoint, signer, connections, running, cancelled } = session;
  const path = `${session.basePath}/snapshots/${encodeURIComponent(job.snapshotId)}/blocks/${job.index}`;
  const headers = signer.headers(
    {
      host: endpoint.host,
      path,
      dataLength: data.length,
      sha256Base64: sha256,
      // SigV4 signs a hash of the payload; the block's own SHA-256 is that hash.
      sha256Hex: Buffer.from(sha256, 'base64').toString('hex'),
      userAgent: USER_AGENT,
    },
    job.credentials,
    job.signingTime,
  );
  const answer = connections.request(
    {
      method: 'PUT',
      path,
      headers,
      body: data,
      deadlineMs: setup.requestTimeoutMs,
      idleMs: setup.idleTimeoutMs,
    },
    (cancel) => {
      running.set(job.id, cancel);
      const early = cancelled.get(job.id);
      if (early) cancel(early);
    },
  );
  return answer.finally(() => {
    running.delete(job.id);
    cancelled.delete(job.id);
  });
}

async function handle(session: Session, job: BlockJob): Promise<BlockOutcome> {
  const data = Buffer.from(job.buffer, 0, job.length);
  const sha256 = job.sha256 ?? createHash('sha256').update(data).digest('base64');
  try {
    const answer = await send(session, job, data, sha256);
    return answer.status >= 200 && answer.status < 300
      ? { id: job.id, buffer: job.buffer, sha256 }
      : {
          id: job.id,
          buffer: job.buffer,
          sha256,
          refused: { status: answer.status, headers: answer.headers, body: answer.body },
        };
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    const code = (failure as { code?: unknown }).code;
    return {
      id: job.id,
      buffer: job.buffer,
      sha256,
      failed: { name: failure.name, message: failure.message, ...(typeof code === 'string' ? { code } : {}) },
    };
  }
}

/** How a cancelled request fails, in the shape Node gives an aborted operation. */
const abortError = (reason: string) =>
  Object.assign(new Error(reason), { name: 'AbortError', code: 'ABORT_ERR' });

/** Aborts the session's requests, closes its connections and says so once every job is answered. */
async function close(ending: Session): Promise<void> {
  const reason = abortError('the writer was closed');
  for (const cancel of ending.running.values()) cancel(reason);
  ending.connections.destroy();
  await Promise.all(ending.unanswered);
  parentPort!.postMessage({ kind: 'closed' } satisfies Closed);
}

parentPort!.on('message', (message: OpenJob | BlockJob | AbortJob | CloseJob) => {
  if (message.kind === 'open') {
    active = new Session(message.setup);
    return;
  }
  const current = active;
  if (!current) return;
  if (message.kind === 'close') {
    active = undefined;
    void close(current);
    return;
  }
  if (message.kind === 'abort') {
    const abort = abortError(message.reason);
    const destroy = current.running.get(message.id);
    if (destroy) destroy(abort);
    else current.cancelled.set(message.id, abort);
    return;
  }
  const answered = handle(current, message).then((outcome) => {
    parentPort!.postMessage(outcome, [outcome.buffer]);
    current.unanswered.delete(answered);
  });
  current.unanswered.add(answered);
});
