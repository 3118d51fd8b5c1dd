import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { AwsError, hintForAwsError } from '../../src/aws/errors.js';
import { describeError, markAwsCall } from '../../src/errors.js';

/** An error as the SDK throws it, marked by fedimg's clients with the call and region. */
function refused(code: string, message: string, call = 'ec2:RunInstances', region = 'eu-west-1'): Error {
  const error = Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: 400 } });
  return markAwsCall(error, call, region) as Error;
}

describe('AWS refusals', () => {
  it('are described with the call, the region and the code', () => {
    expect(
      describeError(refused('UnauthorizedOperation', 'You are not authorized to perform this operation.')),
    ).toBe(
      'ec2:RunInstances in eu-west-1 failed: UnauthorizedOperation: You are not authorized to perform this operation.',
    );
  });

  it.each([
    ['UnauthorizedOperation', /may not call ec2:RunInstances in eu-west-1.*docs\/iam-policy.json/],
    ['AccessDeniedException', /docs\/iam-policy.json/],
    ['VPCIdNotSpecified', /no default VPC: set subnet-id/],
    ['InvalidSubnetID.NotFound', /subnet-id/],
    ['InvalidGroup.NotFound', /security-group-ids/],
    ['InsufficientInstanceCapacity', /instance-types/],
    ['Unsupported', /instance-types/],
    ['InstanceLimitExceeded', /Service Quotas/],
    ['VcpuLimitExceeded', /Service Quotas/],
  ])('%s gets a hint that names what to change', (code, hint) => {
    expect(hintForAwsError(refused(code, 'refused'))).toMatch(hint);
  });

  it('become an AwsError titled by the stage, with a generic next step for other codes', () => {
    const error = new AwsError('boot-test', refused('SomethingNew', 'odd'));
    expect(error.area).toBe('boot-test');
    expect(error.code).toBe('SomethingNew');
    expect(error.message).toMatch(
      /^ec2:RunInstances in eu-west-1 failed: SomethingNew: odd\. Re-run the job/,
    );
  });
});

describe('answers that are not AWS’s, and no answer at all', () => {
  // A proxy's error page, or AWS_ENDPOINT_URL pointing at something else: the SDK cannot read it
  // (EC2 and S3 call it "Unknown", the JSON services a SyntaxError about its hidden $response).
  async function failureOf(send: (clients: AwsClients) => Promise<unknown>, endpoint: string) {
    vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    try {
      // One attempt: the SDK's retries (with their backoff) are not what is tested here.
      return await send(new AwsClients({ concurrency: 1, blockTimeoutMs: 1000, maxAttempts: 1 })).then(
        () => undefined,
        (error: unknown) => new AwsError('plan', error),
      );
    } finally {
      vi.unstubAllEnvs();
    }
  }
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer((_req, res) =>
      res
        .writeHead(502, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<html><h1>502 Bad Gateway</h1>${'x'.repeat(4000)}</html>`),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    [
      'ec2:DescribeRegions',
      (clients: AwsClients) => clients.ec2('us-east-1').send(new DescribeRegionsCommand({})),
    ],
    [
      'ebs:StartSnapshot',
      (clients: AwsClients) => clients.ebs('us-east-1').send(new StartSnapshotCommand({ VolumeSize: 1 })),
    ],
    ['s3:ListBuckets', (clients: AwsClients) => clients.s3('us-east-1').send(new ListBucketsCommand({}))],
  ])(
    '%s: says the HTTP status and that the answer was not AWS’s, never the SDK’s internals',
    async (call, send) => {
      const error = (await failureOf(send, endpoint))!;
      expect(error.message).toContain(
        `${call} in us-east-1 failed: HTTP 502 (text/html), an answer that is not AWS's.`,
      );
      expect(error.message).not.toMatch(/\$response|Deserialization|Unknown|<html/);
      expect(error.hint).toContain('AWS_ENDPOINT_URL');
      expect(error.hint).not.toContain('keeps answering');
    },
  );

  it('says nothing answered when the connection is refused', async () => {
    const error = (await failureOf(
      (clients) => clients.ec2('us-east-1').send(new DescribeRegionsCommand({})),
      'http://127.0.0.1:1',
    ))!;
    expect(error.message).toContain(
      'ec2:DescribeRegions in us-east-1 failed: connect ECONNREFUSED 127.0.0.1:1.',
    );
    expect(error.hint).toMatch(/^Nothing answered/);
    expect(error.hint).not.toContain('keeps answering');
  });
});
