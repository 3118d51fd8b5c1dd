import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { EBSClient, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-ebs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import type { BuildMiddleware, InitializeMiddleware, Pluggable } from '@smithy/types';
import { markAwsCall } from '../errors.js';

export interface ClientOptions {
  /** Sockets for the block uploader: one per worker. */
  concurrency: number;
  /** Per-attempt limit for one PutSnapshotBlock (AWS guidance: ~20 s), in ms. */
  blockTimeoutMs: number;
}

/**
 * SigV4 signs a hash of the payload; for PutSnapshotBlock that is the block's SHA-256, which the
 * request already carries as its Checksum. Handing it to the signer saves hashing every block twice
 * (the signer uses a preset x-amz-content-sha256 header as it is).
 */
const precomputedPayloadHash: BuildMiddleware<ServiceInputTypes, ServiceOutputTypes> =
  (next, context) => async (args) => {
    const input = args.input as { Checksum?: string; ChecksumAlgorithm?: string };
    // Only a block's Checksum is the hash of its body; CompleteSnapshot's is the aggregate.
    const block = context.commandName === 'PutSnapshotBlockCommand';
    if (
      block &&
      input.Checksum &&
      input.ChecksumAlgorithm === 'SHA256' &&
      HttpRequest.isInstance(args.request)
    ) {
      args.request.headers['x-amz-content-sha256'] = Buffer.from(input.Checksum, 'base64').toString('hex');
    }
    return next(args);
  };

/**
 * Marks every error a call ends in with the call (`ec2:RunInstances`) and the region, so whatever
 * reports it can say which call AWS refused, where. The error itself is passed on unchanged.
 */
function namingFailedCalls<Input extends object, Output extends object>(
  service: string,
  region: string,
): Pluggable<Input, Output> {
  const middleware: InitializeMiddleware<Input, Output> = (next, context) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      const operation = String(context.commandName ?? 'call').replace(/Command$/, '');
      throw markAwsCall(error, `${service}:${operation}`, region);
    }
  };
  return {
    applyToStack: (stack) => stack.add(middleware, { step: 'initialize', name: 'fedimgNamingFailedCalls' }),
  };
}

/**
 * AWS SDK v3 clients per region. Endpoints, credentials and region defaults come from the SDK's own
 * configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, the credentials chain), so the same
 * code talks to AWS or to the emulator.
 */
/** The EC2 client of one region, for modules that pass it on without sending requests themselves. */
export type Ec2 = EC2Client;

export class AwsClients {
  private readonly cache = new Map<string, EC2Client | EBSClient | S3Client>();

  constructor(private readonly options: ClientOptions) {}

  private cached<T extends EC2Client | EBSClient | S3Client>(key: string, make: () => T): T {
    let client = this.cache.get(key) as T | undefined;
    if (!client) {
      client = make();
      this.cache.set(key, client);
    }
    return client;
  }

  ec2(region: string): EC2Client {
    return this.cached(`ec2:${region}`, () => {
      const client = new EC2Client({
        region,
        maxAttempts: 8,
        requestHandler: new NodeHttpHandler({
          connectionTimeout: 10_000,
          requestTimeout: 60_000,
          throwOnRequestTimeout: true,
        }),
      });
      client.middlewareStack.use(namingFailedCalls('ec2', region));
      return client;
    });
  }

  /** EBS direct: no SDK retries (the uploader has its own single retry layer) and hard timeouts. */
  ebs(region: string): EBSClient {
    const { concurrency, blockTimeoutMs } = this.options;
    const agentOptions = { keepAlive: true, maxSockets: concurrency + 4 };
    return this.cached(`ebs:${region}`, () => {
      const client = new EBSClient({
        region,
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({
          httpAgent: new Agent(agentOptions),
          httpsAgent: new HttpsAgent(agentOptions),
          connectionTimeout: 10_000,
          requestTimeout: blockTimeoutMs,
          socketTimeout: Math.min(blockTimeoutMs, 12_000),
          throwOnRequestTimeout: true,
        }),
      });
      client.middlewareStack.add(precomputedPayloadHash, {
        step: 'build',
        name: 'fedimgPrecomputedPayloadHash',
      });
      client.middlewareStack.use(namingFailedCalls('ebs', region));
      return client;
    });
  }

  s3(region: string): S3Client {
    // An endpoint override (emulator, S3-compatible store) usually has no per-bucket host names.
    const overridden = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
    return this.cached(`s3:${region}`, () => {
      const client = new S3Client({ region, maxAttempts: 8, forcePathStyle: overridden });
      client.middlewareStack.use(namingFailedCalls('s3', region));
      return client;
    });
  }

  destroy(): void {
    for (const client of this.cache.values()) client.destroy();
    this.cache.clear();
  }
}
