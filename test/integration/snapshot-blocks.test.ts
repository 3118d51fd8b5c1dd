import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EBSClient, PutSnapshotBlockCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSnapshotClosed, isSnapshotNotFound, isThrottled, isTransient } from '../../src/aws/errors.js';
import { snapshotBlockWriter, type SnapshotBlock } from '../../src/aws/snapshot-blocks.js';
import { awsCallOf } from '../../src/errors.js';
import type { Emulator } from '../../emulator/server.js';
import { verifySignature } from '../../emulator/sigv4.js';
import { startEmulator } from '../helpers/aws.js';

const BLOCK = 524288;
const REGION = 'us-east-1';
const OPTIONS = { sockets: 4, requestTimeoutMs: 2_000, idleTimeoutMs: 1_000 };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset());
afterEach(() => {
  delete process.env.AWS_ENDPOINT_URL_EBS;
});

function block(index: number, data = randomBytes(BLOCK)): SnapshotBlock {
  return { index, data, sha256: createHash('sha256').update(data).digest('base64') };
}

async function openSnapshot(client: EBSClient): Promise<string> {
  const started = await client.send(new StartSnapshotCommand({ VolumeSize: 1, Timeout: 60 }));
  return started.SnapshotId!;
}

async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected the put to fail').toBeInstanceOf(Error);
  return error as Error & Record<string, unknown>;
}

interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A loopback server that records each request and answers as PutSnapshotBlock does. */
async function recorder(): Promise<{ server: Server; url: string; requests: Captured[] }> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    // No Date header: the SDK would correct its clock to it, and the test's clock is frozen.
    res.sendDate = false;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(201, { 'x-amz-Checksum': 'x', 'x-amz-Checksum-Algorithm': 'SHA256' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** Headers the SDK adds to every call for its own telemetry; the lean path does not send them. */
const SDK_TELEMETRY = ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent', 'user-agent'];
const signedHeadersOf = (headers: IncomingHttpHeaders) =>
  /SignedHeaders=([^,]+)/.exec(String(headers.authorization))![1]!.split(';');

describe('PutSnapshotBlock’s lean path', () => {
  it('sends the request the SDK sends: method, path, query, signed headers and body, validly signed', async () => {
    const { server, url, requests } = await recorder();
    try {
      process.env.AWS_ENDPOINT_URL_EBS = url;
      const credentials = {
        accessKeyId: 'AKIDCONFORMANCE',
        secretAccessKey: 'conformance-secret',
        sessionToken: 'token',
      };
      const sdk = new EBSClient({ region: 'eu-west-1', credentials, maxAttempts: 1 });
      const data = block(7);
      vi.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z'), toFake: ['Date'] });
      await sdk.send(
        new PutSnapshotBlockCommand({
          SnapshotId: 'snap-0123456789abcdef0',
          BlockIndex: 7,
          BlockData: data.data,
          DataLength: BLOCK,
          Checksum: data.sha256,
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      const writer = snapshotBlockWriter(sdk, 'eu-west-1', OPTIONS);
      await writer.put('snap-0123456789abcdef0', data);
      writer.destroy();
      vi.useRealTimers();

      const [viaSdk, lean] = requests as [Captured, Captured];
      expect(lean.method).toBe(viaSdk.method);
      expect(lean.path).toBe(viaSdk.path);
      expect(lean.path).toBe('/snapshots/snap-0123456789abcdef0/blocks/7');
      expect(lean.body.equals(viaSdk.body)).toBe(true);
      const sdkSigned = signedHeadersOf(viaSdk.headers).filter((name) => !SDK_TELEMETRY.includes(name));
      expect(signedHeadersOf(lean.headers)).toEqual(sdkSigned);
      for (const name of sdkSigned) expect(lean.headers[name], name).toBe(viaSdk.headers[name]);
      expect(lean.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(data.data).digest('hex'));
      // Both pass a SigV4 check written from AWS's specification, not from the SDK's signer.
      for (const request of [viaSdk, lean]) {
        const bodySha256 = createHash('sha256').update(request.body).digest('hex');
        const check = {
          method: request.method,
          rawPath: request.path,
          query: new URLSearchParams(),
          headers: request.headers,
          bodySha256,
        };
        expect(() => verifySignature(check, 'ebs', credentials.secretAccessKey)).not.toThrow();
        expect(() => verifySignature(check, 'ebs', 'another-secret')).toThrow(/signature we calculated/);
      }
      sdk.destroy();
    } finally {
      vi.useRealTimers();
      server.close();
    }
  });

  it('writes blocks the emulator stores, with its signature checked, at AWS_ENDPOINT_URL_EBS', async () => {
    process.env.AWS_ENDPOINT_URL_EBS = emulator.endpoint;
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9'; // nothing listens: the EBS setting must win
    try {
      const client = new EBSClient({ region: REGION, maxAttempts: 1 });
      const snapshotId = await (async () => {
        process.env.AWS_ENDPOINT_URL = emulator.endpoint;
        return openSnapshot(new EBSClient({ region: REGION }));
      })();
      process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
      const writer = snapshotBlockWriter(client, REGION, OPTIONS);
      const blocks = [block(0), block(3, Buffer.alloc(BLOCK))];
      for (const each of blocks) await writer.put(snapshotId, each);
      writer.destroy();
      const stored = emulator.state.snapshots.get(snapshotId)!;
      expect([...stored.checksums]).toEqual(blocks.map((each) => [each.index, each.sha256]));
    } finally {
      process.env.AWS_ENDPOINT_URL = emulator.endpoint;
    }
  });

  it('signs with refreshed credentials once the old ones expire', async () => {
    emulator.addCredentials('AKIDFIRST', 'first-secret');
    emulator.addCredentials('AKIDSECOND', 'second-secret');
    let calls = 0;
    const client = new EBSClient({
      region: REGION,
      maxAttempts: 1,
      credentials: async () => {
        calls++;
        // The first set expires at once (within the SDK's refresh margin); the second lasts.
        return calls === 1
          ? {
              accessKeyId: 'AKIDFIRST',
              secretAccessKey: 'first-secret',
              expiration: new Date(Date.now() + 1000),
            }
          : {
              accessKeyId: 'AKIDSECOND',
              secretAccessKey: 'second-secret',
              expiration: new Date(Date.now() + 3_600_000),
            };
      },
    });
    const snapshotId = await openSnapshot(new EBSClient({ region: REGION }));
    const writer = snapshotBlockWriter(client, REGION, OPTIONS);
    await writer.put(snapshotId, block(0));
    await writer.put(snapshotId, block(1));
    writer.destroy();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(emulator.state.snapshots.get(snapshotId)!.checksums.size).toBe(2);
  });

  it('names EBS’s refusals as the SDK does, so the one retry layer treats them the same', async () => {
    const client = new EBSClient({ region: REGION, maxAttempts: 1 });
    const writer = snapshotBlockWriter(client, REGION, OPTIONS);
    const snapshotId = await openSnapshot(client);

    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'throttle', count: 1 });
    const throttled = await failure(writer.put(snapshotId, block(0)));
    expect(throttled.name).toBe('RequestThrottledException');
    expect(isThrottled(throttled) && isTransient(throttled)).toBe(true);
    expect(awsCallOf(throttled)).toEqual({ call: 'ebs:PutSnapshotBlock', region: REGION });

    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'server-error', count: 1 });
    const broken = await failure(writer.put(snapshotId, block(0)));
    expect(broken.name).toBe('InternalServerException');
    expect((broken.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(500);
    expect(isTransient(broken)).toBe(true);

    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'reset', count: 1 });
    expect(isTransient(await failure(writer.put(snapshotId, block(0))))).toBe(true);

    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'hang', count: 1 });
    const hung = await failure(writer.put(snapshotId, block(0)));
    expect(hung.name).toBe('TimeoutError');
    expect(isTransient(hung)).toBe(true);

    const short = await failure(writer.put(snapshotId, block(1, randomBytes(1000))));
    expect(short.name).toBe('ValidationException');
    expect(short.Reason).toBe('INVALID_BLOCK');
    expect(isTransient(short)).toBe(false);

    // A checksum that is not the data's is also a payload hash that is not the body's.
    const corrupt = await failure(writer.put(snapshotId, { ...block(1), sha256: block(2).sha256 }));
    expect(corrupt.name).toBe('InvalidSignatureException');
    expect(isTransient(corrupt)).toBe(false);
    expect(emulator.state.snapshots.get(snapshotId)!.checksums.size).toBe(0);

    const unknown = await failure(writer.put('snap-00000000000000000', block(0)));
    expect(isSnapshotNotFound(unknown)).toBe(true);

    // A completed snapshot takes no more blocks: the same signal the SDK path gave.
    await writer.put(snapshotId, block(0));
    emulator.state.snapshots.get(snapshotId)!.open = false;
    expect(isSnapshotClosed(await failure(writer.put(snapshotId, block(1))))).toBe(true);
    writer.destroy();
  });

  it('stops at once when cancelled', async () => {
    const client = new EBSClient({ region: REGION, maxAttempts: 1 });
    const writer = snapshotBlockWriter(client, REGION, {
      ...OPTIONS,
      requestTimeoutMs: 60_000,
      idleTimeoutMs: 60_000,
    });
    const snapshotId = await openSnapshot(client);
    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'hang', count: 1 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('cancelled')), 100);
    await failure(writer.put(snapshotId, block(0), controller.signal));
    expect(Date.now() - started).toBeLessThan(5_000);
    writer.destroy();
  });

  it('sends nothing when cancelled while it waits for credentials', async () => {
    const controller = new AbortController();
    const client = new EBSClient({
      region: REGION,
      maxAttempts: 1,
      credentials: async () => {
        controller.abort(new Error('cancelled'));
        return { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'secret' };
      },
    });
    const snapshotId = await openSnapshot(new EBSClient({ region: REGION }));
    const writer = snapshotBlockWriter(client, REGION, OPTIONS);
    const error = await failure(writer.put(snapshotId, block(0), controller.signal));
    writer.destroy();
    expect(error.message).toBe('cancelled');
    expect(emulator.state.snapshots.get(snapshotId)!.checksums.size).toBe(0);
  });
});
