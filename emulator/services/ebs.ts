import { createHash } from 'node:crypto';
import { AwsError } from '../errors.js';
import { ACCOUNT_ID, BLOCK_SIZE, tagList, type AccountState, type Snapshot } from '../state.js';
import { header, jsonResponse as json, type RestRequest, type RestResponse } from '../http.js';
import { newSnapshot } from './ec2/index.js';

/** EBS direct APIs (REST-JSON), as documented in the EBS direct API reference. */

/** An all-zero block: most of a disk image's blocks, compared rather than hashed or stored. */
export const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);

function validation(message: string, reason: string): AwsError {
  const error = new AwsError('ValidationException', message, 400);
  (error as AwsError & { reason?: string }).reason = reason;
  return error;
}

/** A string member longer than its model allows, refused as AWS's request validation refuses it. */
function tooLong(member: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max)
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
      400,
    );
}

/** Names the operation a request is, before its body is read (faults are injected by name). */
export function ebsOperation(method: string, path: string): string {
  if (method === 'POST' && path === '/snapshots') return 'StartSnapshot';
  if (method === 'POST' && /^\/snapshots\/completion\/[^/]+$/.test(path)) return 'CompleteSnapshot';
  if (method === 'PUT' && /^\/snapshots\/[^/]+\/blocks\/\d+$/.test(path)) return 'PutSnapshotBlock';
  if (method === 'GET' && /^\/snapshots\/[^/]+\/blocks\/\d+$/.test(path)) return 'GetSnapshotBlock';
  if (method === 'GET' && /^\/snapshots\/[^/]+\/blocks$/.test(path)) return 'ListSnapshotBlocks';
  if (method === 'GET' && /^\/snapshots\/[^/]+\/changedblocks$/.test(path)) return 'ListChangedBlocks';
  return 'Unknown';
}

function directSnapshot(state: AccountState, region: string, id: string): Snapshot {
  const snapshot = state.snapshots.get(id);
  if (!snapshot || snapshot.region !== region) {
    throw new AwsError('ResourceNotFoundException', `The snapshot '${id}' does not exist.`, 404);
  }
  expireIfTimedOut(state, snapshot);
  return snapshot;
}

// StartSnapshot's Timeout: an unfinished snapshot is set to error when it runs out.
function expireIfTimedOut(state: AccountState, snapshot: Snapshot): void {
  if (snapshot.open && state.now() > snapshot.startedAt + snapshot.timeoutMinutes * 60_000) {
    snapshot.open = false;
    snapshot.state = 'error';
    snapshot.stateMessage = 'Snapshot timed out before completion';
  }
}

function directSnapshotParent(state: AccountState, region: string, id: string): Snapshot {
  const parent = state.snapshots.get(id);
  if (!parent || parent.region !== region)
    throw new AwsError('ResourceNotFoundException', `The snapshot '${id}' does not exist.`, 404);
  if (parent.state !== 'completed')
    throw validation(`The parent snapshot '${id}' is not completed`, 'INVALID_PARAMETER_VALUE');
  return parent;
}

export function handleEbs(state: AccountState, region: string, request: RestRequest): RestResponse {
  const operation = ebsOperation(request.method, request.path);
  const parts = request.path.split('/');
  switch (operation) {
    case 'StartSnapshot': {
      const body = JSON.parse(request.body.toString('utf8') || '{}') as {
        VolumeSize?: number;
        ClientToken?: string;
        Timeout?: number;
        Tags?: Array<{ Key?: string; Value?: string }>;
        Encrypted?: boolean;
        KmsKeyArn?: string;
        Description?: string;
        ParentSnapshotId?: string;
      };
      if (!Number.isInteger(body.VolumeSize) || body.VolumeSize! < 1 || body.VolumeSize! > 65536) {
        throw validation('VolumeSize must be between 1 and 65536 GiB', 'INVALID_VOLUME_SIZE');
      }
      // EBS direct API Reference, StartSnapshot (Description: at most 255) and Tag (Key: at most 127,
      // Value: at most 255; EC2's own tag limits are 128 and 256). The message is the one AWS's
      // request validation gives for a length constraint; the page names no Reason for it.
      tooLong('description', body.Description, 255);
      for (const [at, tag] of (body.Tags ?? []).entries()) {
        tooLong(`tags.${at + 1}.member.key`, tag.Key, 127);
        tooLong(`tags.${at + 1}.member.value`, tag.Value, 255);
      }
      if (body.Timeout !== undefined && (body.Timeout < 10 || body.Timeout > 4320)) {
        throw validation('Timeout must be between 10 and 4320 minutes', 'INVALID_PARAMETER_VALUE');
      }
      if (body.ClientToken) {
        const existing = [...state.snapshots.values()].find(
          (snapshot) => snapshot.region === region && snapshot.clientToken === body.ClientToken,
        );
        if (existing) {
          if (existing.volumeSize !== body.VolumeSize) {
            throw new AwsError(
              'ConflictException',
              'The ClientToken was already used with other parameters',
              409,
            );
          }
          return json(201, startOutput(existing));
        }
      }
      // ParentSnapshotId (EBS direct API Reference, StartSnapshot): the new snapshot starts with the
      // parent's blocks, and may not be smaller; it cannot be combined with Encrypted.
      const parent = body.ParentSnapshotId
        ? directSnapshotParent(state, region, body.ParentSnapshotId)
        : undefined;
      if (parent && body.Encrypted)
        throw validation(
          'ParentSnapshotId and Encrypted cannot be given together',
          'INVALID_PARAMETER_VALUE',
        );
      if (parent && body.VolumeSize! < parent.volumeSize)
        throw validation(
          `VolumeSize must be at least the parent snapshot's ${parent.volumeSize} GiB`,
          'INVALID_VOLUME_SIZE',
        );
      const snapshot = newSnapshot(
        { state, region },
        {
          volumeSize: body.VolumeSize!,
          source: 'ebs-direct',
          open: true,
          clientToken: body.ClientToken,
          timeoutMinutes: body.Timeout ?? 60,
          description: body.Description ?? '',
          tags: new Map((body.Tags ?? []).filter((tag) => tag.Key).map((tag) => [tag.Key!, tag.Value ?? ''])),
          kmsKeyId: body.KmsKeyArn,
          visibleAt: state.now() + state.durations.consistency,
        },
      );
      if (body.Encrypted) snapshot.encrypted = true;
      if (parent) {
        snapshot.blocks = new Map(parent.blocks);
        snapshot.checksums = new Map(parent.checksums);
        snapshot.encrypted = parent.encrypted;
      }
      return json(201, startOutput(snapshot));
    }

    case 'PutSnapshotBlock': {
      const snapshot = directSnapshot(state, region, parts[2]!);
      if (state.now() < snapshot.startedAt + state.durations.snapshotNotFoundWindow) {
        throw new AwsError('ResourceNotFoundException', `The snapshot '${snapshot.id}' does not exist.`, 404);
      }
      if (!snapshot.open) {
        throw validation(
          `The snapshot '${snapshot.id}' is ${snapshot.state} and no longer accepts blocks`,
          'INVALID_SNAPSHOT_ID',
        );
      }
      const index = Number(parts[4]);
      const length = Number(header(request, 'x-amz-data-length'));
      if (length !== BLOCK_SIZE || request.body.length !== BLOCK_SIZE) {
        throw validation(
          `DataLength must be ${BLOCK_SIZE} bytes, got ${request.body.length}`,
          'INVALID_BLOCK',
        );
      }
      if (index >= (snapshot.volumeSize * 2 ** 30) / BLOCK_SIZE) {
        throw validation(
          `BlockIndex ${index} is beyond the ${snapshot.volumeSize} GiB volume`,
          'INVALID_BLOCK',
        );
      }
      const algorithm = header(request, 'x-amz-checksum-algorithm');
      const checksum = header(request, 'x-amz-checksum');
      const actual = request.bodySha256
        ? Buffer.from(request.bodySha256, 'hex').toString('base64')
        : createHash('sha256').update(request.body).digest('base64');
      if (algorithm !== 'SHA256' || checksum !== actual) {
        throw validation(`The checksum of block ${index} does not match its data`, 'INVALID_CHECKSUM');
      }
      const zero = request.body.equals(ZERO_BLOCK);
      // The body is this request's own buffer (only S3's unkept parts are read into a reused one).
      snapshot.blocks.set(index, !state.storeBlockData ? null : zero ? ZERO_BLOCK : request.body);
      snapshot.checksums.set(index, actual);
      return { status: 201, headers: { 'x-amz-Checksum': actual, 'x-amz-Checksum-Algorithm': 'SHA256' } };
    }

    case 'CompleteSnapshot': {
      const snapshot = directSnapshot(state, region, parts[3]!);
      if (!snapshot.open) {
        if (snapshot.state === 'error')
          throw validation(`The snapshot '${snapshot.id}' is in error`, 'INVALID_SNAPSHOT_ID');
        return json(202, { Status: snapshot.state });
      }
      const changed = Number(header(request, 'x-amz-changedblockscount'));
      if (changed !== snapshot.blocks.size) {
        throw validation(
          `ChangedBlocksCount is ${changed}, but ${snapshot.blocks.size} blocks were written`,
          'INVALID_PARAMETER_VALUE',
        );
      }
      const aggregate = header(request, 'x-amz-checksum');
      if (aggregate) {
        const method = header(request, 'x-amz-checksum-aggregation-method');
        if (method !== 'LINEAR' || header(request, 'x-amz-checksum-algorithm') !== 'SHA256') {
          throw validation('Only SHA256 with LINEAR aggregation is supported', 'INVALID_PARAMETER_VALUE');
        }
        // LINEAR: SHA-256 over the binary per-block digests in block-index order.
        const linear = createHash('sha256');
        for (const index of [...snapshot.checksums.keys()].sort((a, b) => a - b)) {
          linear.update(Buffer.from(snapshot.checksums.get(index)!, 'base64'));
        }
        if (linear.digest('base64') !== aggregate) {
          throw validation(
            `The aggregate checksum of snapshot '${snapshot.id}' does not match its blocks`,
            'INVALID_CHECKSUM',
          );
        }
      }
      snapshot.open = false;
      state.schedule(state.durations.snapshotCompletion, () => {
        if (snapshot.state === 'pending') snapshot.state = 'completed';
      });
      return json(202, { Status: 'pending' });
    }

    case 'ListSnapshotBlocks': {
      const snapshot = readable(state, region, parts[2]!);
      const start = Number(request.query.get('startingBlockIndex') ?? 0);
      const after = request.query.get('pageToken') ? Number(request.query.get('pageToken')) : -1;
      const max = Math.min(Number(request.query.get('maxResults') ?? 10000), 10000);
      const indexes = [...snapshot.blocks.keys()]
        .filter((index) => index >= start && index > after)
        .sort((a, b) => a - b);
      const page = indexes.slice(0, max);
      return json(200, {
        Blocks: page.map((index) => ({ BlockIndex: index, BlockToken: blockToken(snapshot.id, index) })),
        ExpiryTime: Math.floor(state.now() / 1000) + 3600,
        VolumeSize: snapshot.volumeSize,
        BlockSize: BLOCK_SIZE,
        NextToken: indexes.length > max ? String(page[page.length - 1]) : undefined,
      });
    }

    case 'GetSnapshotBlock': {
      const snapshot = readable(state, region, parts[2]!);
      const index = Number(parts[4]);
      if (request.query.get('blockToken') !== blockToken(snapshot.id, index) || !snapshot.blocks.has(index)) {
        throw validation(`Invalid block token for block ${index}`, 'INVALID_BLOCK_TOKEN');
      }
      const data = snapshot.blocks.get(index);
      if (!data) throw validation('This emulator was started without storing block data', 'INVALID_BLOCK');
      return {
        status: 200,
        headers: {
          'content-type': 'application/octet-stream',
          'x-amz-Data-Length': String(BLOCK_SIZE),
          'x-amz-Checksum': snapshot.checksums.get(index)!,
          'x-amz-Checksum-Algorithm': 'SHA256',
        },
        body: data,
      };
    }

    default:
      throw new AwsError(
        'UnknownOperationException',
        `${request.method} ${request.path} is not an EBS direct API`,
        404,
      );
  }
}

// GetSnapshotBlock and ListSnapshotBlocks read completed snapshots only.
function readable(state: AccountState, region: string, id: string): Snapshot {
  const snapshot = directSnapshot(state, region, id);
  if (snapshot.state !== 'completed') {
    throw validation(
      `The snapshot '${snapshot.id}' is ${snapshot.state}; only completed snapshots can be read`,
      'INVALID_SNAPSHOT_ID',
    );
  }
  return snapshot;
}

function blockToken(snapshotId: string, index: number): string {
  return createHash('sha256').update(`${snapshotId}:${index}`).digest('base64url').slice(0, 32);
}

function startOutput(snapshot: Snapshot) {
  return {
    SnapshotId: snapshot.id,
    OwnerId: ACCOUNT_ID,
    Status: snapshot.state,
    StartTime: snapshot.startedAt / 1000,
    VolumeSize: snapshot.volumeSize,
    BlockSize: BLOCK_SIZE,
    Description: snapshot.description,
    Tags: tagList(snapshot.tags),
    KmsKeyArn: snapshot.kmsKeyId,
    SseType: snapshot.encrypted ? 'sse-ebs' : 'none',
  };
}
