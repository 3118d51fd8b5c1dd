import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { EBSClient } from '@aws-sdk/client-ebs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { MarketplaceCatalogClient } from '@aws-sdk/client-marketplace-catalog';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { InitializeMiddleware, Pluggable } from '@smithy/types';
import { markAwsCall } from '../errors.js';
import { snapshotBlockWriter, type SnapshotBlockWriter } from './snapshot-blocks.js';

/** AWS's guidance for one PutSnapshotBlock attempt: about 20 seconds. */
export const DEFAULT_BLOCK_TIMEOUT_MS = 20_000;

export interface ClientOptions {
  /** Sockets for the block uploader: one per worker. */
  concurrency: number;
  /** Per-attempt limit for one PutSnapshotBlock, in ms (default: block-timeout-seconds' default). */
  blockTimeoutMs?: number;
  /** Attempts per call, retries included (default 8: throttling and 5xx are retried with backoff). */
  maxAttempts?: number;
}

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
/** The Marketplace Catalog client, for modules that pass it on. */
export type Catalog = MarketplaceCatalogClient;

type AnyClient = EC2Client | EBSClient | S3Client | MarketplaceCatalogClient | IAMClient | STSClient;

export class AwsClients {
  private readonly cache = new Map<string, AnyClient>();
  private readonly writers = new Map<string, SnapshotBlockWriter>();

  constructor(private readonly options: ClientOptions) {}

  private get attempts(): number {
    return this.options.maxAttempts ?? 8;
  }

  private cached<T extends AnyClient>(key: string, make: () => T): T {
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
        maxAttempts: this.attempts,
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
    return this.cached(`ebs:${region}`, () => {
      const client = new EBSClient({
        region,
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({
          httpAgent: new Agent({ keepAlive: true }),
          httpsAgent: new HttpsAgent({ keepAlive: true }),
          connectionTimeout: 10_000,
          requestTimeout: this.options.blockTimeoutMs ?? DEFAULT_BLOCK_TIMEOUT_MS,
          throwOnRequestTimeout: true,
        }),
      });
      client.middlewareStack.use(namingFailedCalls('ebs', region));
      return client;
    });
  }

  /**
   * PutSnapshotBlock's lean path for one region: the EBS client's endpoint, credentials and clock,
   * its own keep-alive sockets (one per worker) and the same per-attempt limits.
   */
  ebsBlocks(region: string): SnapshotBlockWriter {
    let writer = this.writers.get(region);
    if (!writer) {
      const { concurrency, blockTimeoutMs = DEFAULT_BLOCK_TIMEOUT_MS } = this.options;
      writer = snapshotBlockWriter(this.ebs(region), region, {
        sockets: concurrency,
        requestTimeoutMs: blockTimeoutMs,
        idleTimeoutMs: Math.min(blockTimeoutMs, 12_000),
      });
      this.writers.set(region, writer);
    }
    return writer;
  }

  /** The AWS Marketplace Catalog API, which lives in us-east-1 only. */
  catalog(): MarketplaceCatalogClient {
    return this.cached('catalog', () => {
      const client = new MarketplaceCatalogClient({ region: 'us-east-1', maxAttempts: this.attempts });
      client.middlewareStack.use(namingFailedCalls('aws-marketplace', 'us-east-1'));
      return client;
    });
  }

  /** IAM is global; its endpoint in the aws partition signs for us-east-1. */
  iam(): IAMClient {
    return this.cached('iam', () => {
      const client = new IAMClient({ region: 'us-east-1', maxAttempts: this.attempts });
      client.middlewareStack.use(namingFailedCalls('iam', 'global'));
      return client;
    });
  }

  sts(region: string): STSClient {
    return this.cached(`sts:${region}`, () => {
      const client = new STSClient({ region, maxAttempts: this.attempts });
      client.middlewareStack.use(namingFailedCalls('sts', region));
      return client;
    });
  }

  s3(region: string): S3Client {
    // An endpoint override (emulator, S3-compatible store) usually has no per-bucket host names.
    const overridden = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
    return this.cached(`s3:${region}`, () => {
      const client = new S3Client({ region, maxAttempts: this.attempts, forcePathStyle: overridden });
      client.middlewareStack.use(namingFailedCalls('s3', region));
      return client;
    });
  }

  destroy(): void {
    for (const writer of this.writers.values()) writer.destroy();
    this.writers.clear();
    for (const client of this.cache.values()) client.destroy();
    this.cache.clear();
  }
}
