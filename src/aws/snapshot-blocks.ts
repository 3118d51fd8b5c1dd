import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PutSnapshotBlockCommand, type EBSClient } from '@aws-sdk/client-ebs';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { EndpointParameterInstructions } from '@smithy/types';
import { markAwsCall } from '../errors.js';

/**
 * PutSnapshotBlock without the SDK's per-request middleware: the request the SDK would send (same
 * method, path, headers and body, signed with the SDK's own SigV4 signer), written to a keep-alive
 * socket. An upload makes 2,048 of these per GiB; the SDK's stack costs about a millisecond of CPU
 * each, this path a few dozen microseconds. Endpoint, credentials (with their refresh), region and
 * clock-skew correction are read from the EBS client's configuration, so AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_EBS and the credential chain mean what they mean for every other call.
 */

export interface SnapshotBlock {
  index: number;
  /** Exactly the bytes to store (512 KiB). */
  data: Buffer;
  /** Base64 SHA-256 of `data`. */
  sha256: string;
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
  put(snapshotId: string, block: SnapshotBlock, signal?: AbortSignal): Promise<void>;
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

/** A request that ran out of time, named as the SDK names it (the retry rules treat it as transient). */
class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
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

const USER_AGENT = 'fedimg (aws-sdk-js signer; PutSnapshotBlock over node:http)';

/** Creates a writer for one region's EBS client; it opens sockets as workers need them. */
export function snapshotBlockWriter(
  client: EBSClient,
  region: string,
  options: BlockWriterOptions,
): SnapshotBlockWriter {
  const agentOptions = { keepAlive: true, maxSockets: options.sockets, scheduling: 'lifo' as const };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  const config = client.config;
  const signer = new SignatureV4({
    service: 'ebs',
    region,
    credentials: config.credentials,
    sha256: config.sha256,
    uriEscapePath: config.signingEscapePath ?? true,
  });
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

  async function signed(snapshotId: string, block: SnapshotBlock): Promise<HttpRequest> {
    const url = await resolveEndpoint();
    const basePath = url.pathname.replace(/\/$/, '');
    const port = url.port ? Number(url.port) : undefined;
    const request = new HttpRequest({
      method: 'PUT',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(port === undefined ? {} : { port }),
      path: `${basePath}/snapshots/${encodeURIComponent(snapshotId)}/blocks/${block.index}`,
      query: {},
      headers: {
        'x-amz-data-length': String(block.data.length),
        'x-amz-checksum': block.sha256,
        'x-amz-checksum-algorithm': 'SHA256',
        'content-type': 'application/octet-stream',
        'content-length': String(block.data.length),
        'user-agent': USER_AGENT,
        host: url.host,
        // SigV4 signs a hash of the payload; the block's own SHA-256 is that hash, so the signer
        // takes it from this header instead of hashing 512 KiB again.
        'x-amz-content-sha256': Buffer.from(block.sha256, 'base64').toString('hex'),
      },
      body: block.data,
    });
    const skew = config.systemClockOffset ?? 0;
    return (await signer.sign(request, { signingDate: new Date(Date.now() + skew) })) as HttpRequest;
  }

  function send(request: HttpRequest, signal: AbortSignal | undefined): Promise<void> {
    const https = request.protocol === 'https:';
    return new Promise<void>((resolve, reject) => {
      const outgoing = (https ? httpsRequest : httpRequest)({
        agent: https ? httpsAgent : httpAgent,
        method: request.method,
        hostname: request.hostname,
        port: request.port,
        path: request.path,
        headers: request.headers,
        signal,
      });
      const deadline = setTimeout(
        () =>
          outgoing.destroy(
            new TimeoutError(`PutSnapshotBlock took longer than ${options.requestTimeoutMs} ms`),
          ),
        options.requestTimeoutMs,
      );
      outgoing.setTimeout(options.idleTimeoutMs, () =>
        outgoing.destroy(new TimeoutError(`PutSnapshotBlock was idle for ${options.idleTimeoutMs} ms`)),
      );
      const fail = (error: unknown) => {
        clearTimeout(deadline);
        reject(error);
      };
      outgoing.on('error', fail);
      outgoing.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // The answer is headers only; read it to the end so the socket goes back to the pool.
          response.resume();
          response.on('end', () => {
            clearTimeout(deadline);
            resolve();
          });
          response.on('error', fail);
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () =>
          fail(ebsErrorFrom(status, response.headers, Buffer.concat(chunks).toString('utf8'))),
        );
      });
      outgoing.end(request.body as Buffer);
    });
  }

  return {
    async put(snapshotId, block, signal) {
      try {
        await send(await signed(snapshotId, block), signal);
      } catch (error) {
        throw markAwsCall(error, 'ebs:PutSnapshotBlock', region);
      }
    },
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
