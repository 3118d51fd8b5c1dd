import { createHash } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { canonicalPath, PutBlockSigner, type PutBlockRequest } from '../../src/aws/put-block-signer.js';
import type { WireCredentials } from '../../src/aws/snapshot-block-protocol.js';

const data = Buffer.alloc(524288, 7);
const digest = createHash('sha256').update(data).digest();

function request(overrides: Partial<PutBlockRequest> = {}): PutBlockRequest {
  return {
    host: 'ebs.eu-west-1.amazonaws.com',
    path: '/snapshots/snap-0123456789abcdef0/blocks/7',
    dataLength: data.length,
    sha256Base64: digest.toString('base64'),
    sha256Hex: digest.toString('hex'),
    userAgent: 'fedimg test',
    ...overrides,
  };
}

/** The same request signed by the SDK's own signer, as the EBS client configures it. */
async function signedBySdk(
  req: PutBlockRequest,
  credentials: WireCredentials,
  region: string,
  at: number,
  uriEscapePath = true,
): Promise<Record<string, string>> {
  const [hostname, port] = req.host.split(':');
  const signer = new SignatureV4({ service: 'ebs', region, credentials, sha256: Sha256, uriEscapePath });
  const signed = (await signer.sign(
    new HttpRequest({
      method: 'PUT',
      protocol: 'https:',
      hostname: hostname!,
      ...(port ? { port: Number(port) } : {}),
      path: req.path,
      query: {},
      headers: {
        'x-amz-data-length': String(req.dataLength),
        'x-amz-checksum': req.sha256Base64,
        'x-amz-checksum-algorithm': 'SHA256',
        'content-type': 'application/octet-stream',
        'content-length': String(req.dataLength),
        'user-agent': req.userAgent,
        host: req.host,
        'x-amz-content-sha256': req.sha256Hex,
      },
      body: data,
    }),
    { signingDate: new Date(at) },
  )) as HttpRequest;
  return signed.headers;
}

const asRecord = (headers: [string, string][]) => Object.fromEntries(headers);

describe('PutSnapshotBlock’s own SigV4 signer', () => {
  const plain = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const session = { ...plain, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//token==' };
  const cases: [string, PutBlockRequest, WireCredentials, string, number][] = [
    ['long-term keys', request(), plain, 'eu-west-1', Date.UTC(2026, 11, 1, 12, 0, 0)],
    ['a session token', request(), session, 'us-east-1', Date.UTC(2026, 11, 1, 23, 59, 59, 999)],
    [
      'an endpoint with a port and a path',
      request({ host: '127.0.0.1:4566', path: '/prefix/snapshots/snap-0aa/blocks/0' }),
      session,
      'ap-southeast-7',
      Date.UTC(2027, 0, 1, 0, 0, 0),
    ],
    [
      'a path the canonical form must encode again',
      request({ path: '/a%20b/./c/../snapshots/snap-0%2Fx/blocks/12/' }),
      plain,
      'eu-central-2',
      Date.UTC(2026, 5, 30, 6, 7, 8),
    ],
  ];

  for (const [what, req, credentials, region, at] of cases) {
    it(`gives every header the SDK’s signer gives, with ${what}`, async () => {
      const ours = asRecord(new PutBlockSigner(region, true).headers(req, credentials, at));
      expect(ours).toEqual(await signedBySdk(req, credentials, region, at));
    });
  }

  it('signs an S3-style path (no second encoding) as the SDK does when told so', async () => {
    const req = request({ path: '/a%20b/snapshots/snap-0/blocks/1' });
    const at = Date.UTC(2026, 11, 2);
    const ours = asRecord(new PutBlockSigner('us-east-1', false).headers(req, plain, at));
    expect(ours).toEqual(await signedBySdk(req, plain, 'us-east-1', at, false));
  });

  it('derives a new signing key when the day or the secret changes', async () => {
    const signer = new PutBlockSigner('eu-west-1', true);
    const first = Date.UTC(2026, 11, 1, 23, 59, 59);
    const next = Date.UTC(2026, 11, 2, 0, 0, 1);
    for (const [credentials, at] of [
      [plain, first],
      [plain, next],
      [{ ...plain, secretAccessKey: 'another-secret' }, next],
      [plain, first],
    ] as const) {
      expect(asRecord(signer.headers(request(), credentials, at))).toEqual(
        await signedBySdk(request(), credentials, 'eu-west-1', at),
      );
    }
  });

  it('keeps a line break in a session token out of the request head, sending it as it signs it', () => {
    const headers = new PutBlockSigner('eu-west-1', true).headers(
      request(),
      { ...plain, sessionToken: ' abc\r\n\tx-injected: 1 ' },
      Date.UTC(2026, 11, 1),
    );
    expect(headers.every(([, value]) => !/[\r\n]/.test(value))).toBe(true);
    // SigV4 signs a header's value trimmed, with runs of spaces made one.
    expect(asRecord(headers)['x-amz-security-token']).toBe('abc x-injected: 1');
  });

  it('normalises the canonical path as AWS describes: empty and dot segments dropped, each encoded', () => {
    expect(canonicalPath('/snapshots/snap-0/blocks/3', true)).toBe('/snapshots/snap-0/blocks/3');
    expect(canonicalPath('//a/./b/../c d/', true)).toBe('/a/c%20d/');
    expect(canonicalPath('/x%2Fy', true)).toBe('/x%252Fy');
    expect(canonicalPath("/it's(*)", true)).toBe('/it%27s%28%2A%29');
    expect(canonicalPath('/x%2Fy', false)).toBe('/x%2Fy');
    expect(canonicalPath('/', true)).toBe('/');
    expect(canonicalPath('/./', true)).toBe('/');
    expect(canonicalPath('a/b', true)).toBe('a/b');
  });
});
