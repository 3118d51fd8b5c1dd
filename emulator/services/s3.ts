import { createHash, randomBytes } from 'node:crypto';
import { AwsError } from '../errors.js';
import type { AccountState, Bucket } from '../state.js';
import { escapeXml } from '../wire/ec2-query.js';
import { header, type RestRequest, type RestResponse } from '../http.js';

/** S3 (REST-XML, path-style): the subset fedimg's S3 route and the benchmarks use. */

function xml(status: number, body: string, headers: Record<string, string> = {}): RestResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml', ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

function split(path: string): { bucket: string; key: string } {
  const [, bucket = '', ...rest] = path.split('/');
  return { bucket: decodeURIComponent(bucket), key: rest.map(decodeURIComponent).join('/') };
}

export function s3Operation(method: string, path: string, query: URLSearchParams): string {
  const { key } = split(path);
  if (!key) {
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    if (method === 'GET') return query.has('uploads') ? 'ListMultipartUploads' : 'ListObjectsV2';
    return 'Unknown';
  }
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'PUT' && query.has('uploadId')) return 'UploadPart';
  if (method === 'DELETE' && query.has('uploadId')) return 'AbortMultipartUpload';
  if (method === 'PUT') return 'PutObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return 'DeleteObject';
  return 'Unknown';
}

/**
 * Undo aws-chunked framing: streamed bodies arrive as `<hex size>[;chunk-signature=…]\r\n<data>\r\n`
 * frames ending with a zero-size frame and optional trailers (checksums). Stored objects hold only
 * the data, as S3 stores it.
 */
export function decodeAwsChunked(body: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let position = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', position);
    if (lineEnd < 0) throw new AwsError('IncompleteBody', 'The aws-chunked body is truncated');
    const size = parseInt(body.subarray(position, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new AwsError('InvalidRequest', 'Malformed aws-chunked framing');
    position = lineEnd + 2;
    if (size === 0) break;
    chunks.push(body.subarray(position, position + size));
    position += size + 2;
  }
  return Buffer.concat(chunks);
}

function objectBody(request: RestRequest): Buffer {
  const sha = header(request, 'x-amz-content-sha256') ?? '';
  const encoding = header(request, 'content-encoding') ?? '';
  return sha.startsWith('STREAMING-') || encoding.includes('aws-chunked')
    ? decodeAwsChunked(request.body)
    : request.body;
}

/** S3 user metadata: every x-amz-meta-* request header (S3 lower-cases the names). */
function userMetadata(request: RestRequest): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined)
      metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  return metadata;
}

function bucketOf(state: AccountState, name: string): Bucket {
  const bucket = state.buckets.get(name);
  if (!bucket) throw new AwsError('NoSuchBucket', `The specified bucket does not exist: ${name}`, 404);
  return bucket;
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

export function handleS3(state: AccountState, region: string, request: RestRequest): RestResponse {
  const { bucket: bucketName, key } = split(request.path);
  const operation = s3Operation(request.method, request.path, request.query);
  switch (operation) {
    case 'CreateBucket': {
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucketName))
        throw new AwsError('InvalidBucketName', `The specified bucket is not valid: ${bucketName}`);
      if (state.buckets.has(bucketName))
        throw new AwsError('BucketAlreadyOwnedByYou', `Bucket ${bucketName} already exists`, 409);
      state.buckets.set(bucketName, { name: bucketName, region, objects: new Map(), uploads: new Map() });
      return { status: 200, headers: { location: `/${bucketName}` } };
    }
    case 'HeadBucket': {
      const bucket = state.buckets.get(bucketName);
      return bucket ? { status: 200, headers: { 'x-amz-bucket-region': bucket.region } } : { status: 404 };
    }
    case 'DeleteBucket': {
      const bucket = bucketOf(state, bucketName);
      if (bucket.objects.size > 0)
        throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
      state.buckets.delete(bucketName);
      return { status: 204 };
    }
    case 'ListObjectsV2': {
      const bucket = bucketOf(state, bucketName);
      const prefix = request.query.get('prefix') ?? '';
      const keys = [...bucket.objects.keys()].filter((name) => name.startsWith(prefix)).sort();
      const contents = keys
        .map((name) => {
          const object = bucket.objects.get(name)!;
          return `<Contents><Key>${escapeXml(name)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified><ETag>&quot;${object.etag}&quot;</ETag><Size>${object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
        })
        .join('');
      return xml(
        200,
        `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(bucketName)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
      );
    }
    case 'ListMultipartUploads': {
      const bucket = bucketOf(state, bucketName);
      const uploads = [...bucket.uploads.values()]
        .map(
          (upload) =>
            `<Upload><Key>${escapeXml(upload.key)}</Key><UploadId>${upload.id}</UploadId><Initiated>${upload.initiated.toISOString()}</Initiated></Upload>`,
        )
        .join('');
      return xml(
        200,
        `<ListMultipartUploadsResult><Bucket>${escapeXml(bucketName)}</Bucket><IsTruncated>false</IsTruncated>${uploads}</ListMultipartUploadsResult>`,
      );
    }
    case 'PutObject': {
      const bucket = bucketOf(state, bucketName);
      const data = objectBody(request);
      const etag = md5(data);
      bucket.objects.set(key, {
        chunks: [data],
        size: data.length,
        etag,
        lastModified: new Date(),
        contentType: header(request, 'content-type'),
        metadata: userMetadata(request),
      });
      return { status: 200, headers: { etag: `"${etag}"` } };
    }
    case 'CreateMultipartUpload': {
      const bucket = bucketOf(state, bucketName);
      const id = randomBytes(24).toString('base64url');
      bucket.uploads.set(id, {
        id,
        bucket: bucketName,
        key,
        parts: new Map(),
        initiated: new Date(),
        metadata: userMetadata(request),
      });
      return xml(
        200,
        `<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${escapeXml(bucketName)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    case 'UploadPart': {
      const upload = bucketOf(state, bucketName).uploads.get(request.query.get('uploadId') ?? '');
      if (!upload) throw new AwsError('NoSuchUpload', 'The specified multipart upload does not exist', 404);
      const number = Number(request.query.get('partNumber'));
      if (!Number.isInteger(number) || number < 1 || number > 10000)
        throw new AwsError('InvalidArgument', 'Part number must be an integer between 1 and 10000');
      const data = objectBody(request);
      const etag = md5(data);
      // Without data storage (benchmarks) only the size is kept.
      upload.parts.set(number, {
        data: state.storeBlockData ? data : Buffer.alloc(0),
        etag,
        size: data.length,
      });
      return { status: 200, headers: { etag: `"${etag}"` } };
    }
    case 'CompleteMultipartUpload': {
      const bucket = bucketOf(state, bucketName);
      const upload = bucket.uploads.get(request.query.get('uploadId') ?? '');
      if (!upload) throw new AwsError('NoSuchUpload', 'The specified multipart upload does not exist', 404);
      const listed = [...request.body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map(
        (match) => Number(match[1]),
      );
      if (listed.length === 0) throw new AwsError('MalformedXML', 'The XML you provided was not well-formed');
      const parts = listed.map((number) => {
        const part = upload.parts.get(number);
        if (!part) throw new AwsError('InvalidPart', `Part ${number} was not uploaded`);
        return part;
      });
      const digest = createHash('md5');
      for (const part of parts) digest.update(Buffer.from(part.etag, 'hex'));
      const etag = `${digest.digest('hex')}-${parts.length}`;
      bucket.objects.set(upload.key, {
        chunks: parts.map((part) => part.data),
        size: parts.reduce((sum, part) => sum + part.size, 0),
        etag,
        lastModified: new Date(),
        contentType: undefined,
        metadata: upload.metadata,
      });
      bucket.uploads.delete(upload.id);
      return xml(
        200,
        `<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>/${escapeXml(bucketName)}/${escapeXml(key)}</Location><Bucket>${escapeXml(bucketName)}</Bucket><Key>${escapeXml(key)}</Key><ETag>&quot;${etag}&quot;</ETag></CompleteMultipartUploadResult>`,
      );
    }
    case 'AbortMultipartUpload': {
      const bucket = bucketOf(state, bucketName);
      if (!bucket.uploads.delete(request.query.get('uploadId') ?? '')) {
        throw new AwsError('NoSuchUpload', 'The specified multipart upload does not exist', 404);
      }
      return { status: 204 };
    }
    case 'GetObject':
    case 'HeadObject': {
      const object = bucketOf(state, bucketName).objects.get(key);
      if (!object) {
        if (operation === 'HeadObject') return { status: 404 };
        throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
      }
      const headers = {
        'content-type': object.contentType ?? 'application/octet-stream',
        'content-length': String(object.size),
        etag: `"${object.etag}"`,
        'last-modified': object.lastModified.toUTCString(),
        'accept-ranges': 'bytes',
        ...Object.fromEntries(
          Object.entries(object.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]),
        ),
      };
      return {
        status: 200,
        headers,
        body: operation === 'GetObject' ? Buffer.concat(object.chunks) : undefined,
      };
    }
    case 'DeleteObject': {
      bucketOf(state, bucketName).objects.delete(key);
      return { status: 204 };
    }
    default:
      throw new AwsError(
        'NotImplemented',
        `${request.method} ${request.path} is not implemented by the emulator`,
        501,
      );
  }
}

export function s3ErrorBody(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
}
