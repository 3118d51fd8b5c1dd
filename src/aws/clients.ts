import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { EBSClient } from '@aws-sdk/client-ebs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface ClientOptions {
  /** Sockets for the block uploader: one per worker. */
  concurrency: number;
  /** Per-attempt limit for one PutSnapshotBlock (AWS guidance: ~20 s), in ms. */
  blockTimeoutMs: number;
}

/**
 * AWS SDK v3 clients per region. Endpoints, credentials and region defaults come from the SDK's own
 * configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, the credentials chain), so the same
 * code talks to AWS or to the emulator.
 */
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
    return this.cached(
      `ec2:${region}`,
      () =>
        new EC2Client({
          region,
          maxAttempts: 8,
          requestHandler: new NodeHttpHandler({
            connectionTimeout: 10_000,
            requestTimeout: 60_000,
            throwOnRequestTimeout: true,
          }),
        }),
    );
  }

  /** EBS direct: no SDK retries (the uploader has its own single retry layer) and hard timeouts. */
  ebs(region: string): EBSClient {
    const { concurrency, blockTimeoutMs } = this.options;
    const agentOptions = { keepAlive: true, maxSockets: concurrency + 4 };
    return this.cached(
      `ebs:${region}`,
      () =>
        new EBSClient({
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
        }),
    );
  }

  s3(region: string): S3Client {
    // An endpoint override (emulator, S3-compatible store) usually has no per-bucket host names.
    const overridden = Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
    return this.cached(
      `s3:${region}`,
      () => new S3Client({ region, maxAttempts: 8, forcePathStyle: overridden }),
    );
  }

  destroy(): void {
    for (const client of this.cache.values()) client.destroy();
    this.cache.clear();
  }
}
