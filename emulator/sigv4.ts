/**
 * Signature Version 4 checked the way AWS documents it ("Create a signed AWS API request"): the
 * canonical request rebuilt from what arrived on the wire, the string to sign, the signing key
 * derived from the secret, date, region and service. Written here from the specification, not with
 * the SDK's signer, so a client that signs differently from AWS is caught rather than agreed with.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from './errors.js';

export interface SignedRequest {
  method: string;
  /** The path as sent (still percent-encoded). */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Hex SHA-256 of the body, computed once by the server. */
  bodySha256: string;
}

/** What AWS calls a signature that does not match, per protocol family. */
const MISMATCH: Record<string, string> = {
  ebs: 'InvalidSignatureException',
  ec2: 'SignatureDoesNotMatch',
  s3: 'SignatureDoesNotMatch',
  sts: 'SignatureDoesNotMatch',
  'aws-marketplace': 'InvalidSignatureException',
};

const S3_PAYLOAD_LITERALS = new Set([
  'UNSIGNED-PAYLOAD',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
]);

/** RFC 3986 unreserved characters stay; everything else is %XX in upper case. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** S3 signs the path as sent; every other service encodes each segment once more. */
function canonicalPath(rawPath: string, service: string): string {
  if (service === 's3') return rawPath || '/';
  return rawPath
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

function canonicalQuery(query: URLSearchParams): string {
  return [...query]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

const headerValue = (headers: IncomingHttpHeaders, name: string): string => {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
};

const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * Throws the service's signature error unless `request` carries a valid SigV4 Authorization header
 * for `secret`. Returns nothing: a request that passes is simply authentic.
 */
export function verifySignature(request: SignedRequest, service: string, secret: string): void {
  const authorization = headerValue(request.headers, 'authorization');
  const parsed =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!parsed) {
    throw new AwsError(
      'IncompleteSignature',
      'The request signature does not conform to AWS standards.',
      400,
    );
  }
  const [, , date, region, scopeService, signedHeaders, signature] = parsed as unknown as string[];
  const amzDate = headerValue(request.headers, 'x-amz-date');
  const names = signedHeaders!.split(';');
  if (!amzDate.startsWith(date!) || !names.includes('host')) {
    throw new AwsError('IncompleteSignature', 'The request must sign host and x-amz-date.', 400);
  }
  const claimed = headerValue(request.headers, 'x-amz-content-sha256');
  // A signed payload hash must be the body's. S3 also takes the literals that stand for an unsigned
  // or chunk-signed payload (the chunk signatures of a streamed upload are not checked here).
  if (claimed && claimed !== request.bodySha256 && !(service === 's3' && S3_PAYLOAD_LITERALS.has(claimed))) {
    throw new AwsError(
      service === 's3' ? 'XAmzContentSHA256Mismatch' : MISMATCH[service]!,
      'The provided x-amz-content-sha256 header does not match what was computed.',
      400,
    );
  }
  const canonical = [
    request.method,
    canonicalPath(request.rawPath, service),
    canonicalQuery(request.query),
    names.map((name) => `${name}:${headerValue(request.headers, name)}\n`).join(''),
    signedHeaders,
    claimed || request.bodySha256,
  ].join('\n');
  const scope = `${date}/${region}/${scopeService}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  let key = hmac(`AWS4${secret}`, date!);
  for (const part of [region!, scopeService!, 'aws4_request']) key = hmac(key, part);
  if (hmac(key, stringToSign).toString('hex') !== signature) {
    throw new AwsError(
      MISMATCH[service] ?? 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      403,
    );
  }
}
