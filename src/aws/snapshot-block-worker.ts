import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { parentPort, workerData } from 'node:worker_threads';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AbortJob,
  BlockJob,
  BlockOutcome,
  SenderSetup,
  WireCredentials,
} from './snapshot-block-protocol.js';

/**
 * A sending thread of PutSnapshotBlock's lean path: it hashes a block, signs the request with the
 * SDK's SigV4 signer and writes it to one of its keep-alive sockets, then hands the block's memory
 * back. Hashing 512 KiB, signing and the socket and kernel work of sending it are most of an
 * upload's CPU; here they run beside the main thread instead of on it, so one Node process can feed
 * several hundred MB/s. Credentials, endpoint and signing time come from the main thread, which
 * keeps the SDK's credential chain and clock-skew correction; retries and cancellation stay there.
 */

const setup = workerData as SenderSetup;
const agentOptions = { keepAlive: true, maxSockets: setup.sockets, scheduling: 'lifo' as const };
const httpAgent = new HttpAgent(agentOptions);
const httpsAgent = new HttpsAgent(agentOptions);
const USER_AGENT = 'fedimg (aws-sdk-js signer; PutSnapshotBlock over node:http)';
const endpoint = new URL(setup.endpoint);
const basePath = endpoint.pathname.replace(/\/$/, '');
const port = endpoint.port ? Number(endpoint.port) : undefined;
const signers = new Map<string, SignatureV4>();
const running = new Map<number, (reason: Error) => void>();
/** Jobs cancelled before their request existed (while being hashed or signed). */
const cancelled = new Map<number, Error>();

/** One signer per set of credentials (they change only when the main thread's chain refreshes). */
function signerFor(credentials: WireCredentials): SignatureV4 {
  const key = `${credentials.accessKeyId}\u0000${credentials.sessionToken ?? ''}`;
  let signer = signers.get(key);
  if (!signer) {
    signers.clear();
    signer = new SignatureV4({
      service: 'ebs',
      region: setup.region,
      credentials,
      // The SDK's own hash for Node (HMAC-SHA256 with a secret), as the EBS client configures it.
      sha256: Sha256,
      uriEscapePath: setup.uriEscapePath,
    });
    signers.set(key, signer);
  }
  return signer;
}

async function signed(job: BlockJob, data: Buffer, sha256: string): Promise<HttpRequest> {
  const request = new HttpRequest({
    method: 'PUT',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(port === undefined ? {} : { port }),
    path: `${basePath}/snapshots/${encodeURIComponent(job.snapshotId)}/blocks/${job.index}`,
    query: {},
    headers: {
      'x-amz-data-length': String(data.length),
      'x-amz-checksum': sha256,
      'x-amz-checksum-algorithm': 'SHA256',
      'content-type': 'application/octet-stream',
      'content-length': String(data.length),
      'user-agent': USER_AGENT,
      host: endpoint.host,
      // SigV4 signs a hash of the payload; the block's own SHA-256 is that hash, so the signer
      // takes it from this header instead of hashing 512 KiB again.
      'x-amz-content-sha256': Buffer.from(sha256, 'base64').toString('hex'),
    },
    body: data,
  });
  return (await signerFor(job.credentials).sign(request, {
    signingDate: new Date(job.signingTime),
  })) as HttpRequest;
}

/** A request that ran out of time, named as the SDK names it (the retry rules treat it as transient). */
function timeout(text: string): Error {
  const error = new Error(text);
  error.name = 'TimeoutError';
  return error;
}

type Answer = { status: number; headers: IncomingHttpHeaders; body: string };

function send(job: BlockJob, request: HttpRequest): Promise<Answer> {
  const https = request.protocol === 'https:';
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = (https ? httpsRequest : httpRequest)({
      agent: https ? httpsAgent : httpAgent,
      method: request.method,
      hostname: request.hostname,
      port: request.port,
      path: request.path,
      headers: request.headers,
    });
    running.set(job.id, (reason) => outgoing.destroy(reason));
    const early = cancelled.get(job.id);
    if (early) outgoing.destroy(early);
    const deadline = setTimeout(
      () => outgoing.destroy(timeout(`PutSnapshotBlock took longer than ${setup.requestTimeoutMs} ms`)),
      setup.requestTimeoutMs,
    );
    outgoing.setTimeout(setup.idleTimeoutMs, () =>
      outgoing.destroy(timeout(`PutSnapshotBlock was idle for ${setup.idleTimeoutMs} ms`)),
    );
    const settle = () => {
      clearTimeout(deadline);
      running.delete(job.id);
      cancelled.delete(job.id);
    };
    outgoing.on('error', (error) => {
      settle();
      reject(error);
    });
    outgoing.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      // A success is headers only; reading it to the end returns the socket to the pool.
      response.on('data', (chunk: Buffer) => status >= 300 && chunks.push(chunk));
      response.on('error', (error) => {
        settle();
        reject(error);
      });
      response.on('end', () => {
        settle();
        resolve({ status, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    outgoing.end(request.body as Buffer);
  });
}

async function handle(job: BlockJob): Promise<BlockOutcome> {
  const data = Buffer.from(job.buffer, 0, job.length);
  const sha256 = job.sha256 ?? createHash('sha256').update(data).digest('base64');
  try {
    const answer = await send(job, await signed(job, data, sha256));
    return answer.status >= 200 && answer.status < 300
      ? { id: job.id, buffer: job.buffer, sha256 }
      : { id: job.id, buffer: job.buffer, sha256, refused: answer };
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

parentPort!.on('message', (message: BlockJob | AbortJob) => {
  if (message.kind === 'abort') {
    const abort = Object.assign(new Error(message.reason), { name: 'AbortError', code: 'ABORT_ERR' });
    const destroy = running.get(message.id);
    if (destroy) destroy(abort);
    else cancelled.set(message.id, abort);
    return;
  }
  void handle(message).then((outcome) => parentPort!.postMessage(outcome, [outcome.buffer]));
});
