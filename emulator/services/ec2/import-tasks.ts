/** ImportSnapshot: an S3 object becomes a snapshot through an asynchronous import task. */

import { AwsError } from '../../errors.js';
import { BLOCK_SIZE, newId, tagList, type ImportTask, type Snapshot, type Tags } from '../../state.js';
import { strings, tagsFrom, type Operations, type Output } from './common.js';
import { createHash } from 'node:crypto';
import { newSnapshot } from './snapshots.js';

function importTaskOutput(task: {
  id: string;
  description: string | undefined;
  status: string;
  statusMessage: string | undefined;
  progress: number;
  snapshotId: string | undefined;
  bucket: string;
  key: string;
  format: string;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  tags: Tags;
}): Output {
  return {
    ImportTaskId: task.id,
    Description: task.description,
    Tags: tagList(task.tags),
    SnapshotTaskDetail: {
      Status: task.status,
      StatusMessage: task.statusMessage,
      Progress: task.status === 'active' ? String(task.progress) : undefined,
      SnapshotId: task.snapshotId,
      Format: task.format,
      Encrypted: task.encrypted,
      KmsKeyId: task.kmsKeyId,
      UserBucket: { S3Bucket: task.bucket, S3Key: task.key },
      DiskImageSize: undefined,
    },
  };
}

/** Disk images in container formats (qcow2, VHDX) are not RAW. */
function looksLikeContainer(first: Buffer | undefined): boolean {
  if (!first) return false;
  return (
    first.subarray(0, 4).equals(Buffer.from('QFI\xfb', 'latin1')) ||
    first.subarray(0, 8).toString('latin1') === 'vhdxfile'
  );
}

/** Cut a raw object into snapshot blocks, as the import service would write the volume. */
export function storeObjectAsBlocks(storeData: boolean, chunks: Buffer[], snapshot: Snapshot): void {
  // The emulator cuts the object itself rather than with fedimg's cutter, which it is there to check.
  const zero = Buffer.alloc(BLOCK_SIZE);
  let block = Buffer.alloc(BLOCK_SIZE);
  let filled = 0;
  let index = 0;
  const store = () => {
    // Never-written blocks read as zeros.
    if (!block.equals(zero)) {
      snapshot.blocks.set(index, storeData ? block : null);
      snapshot.checksums.set(index, createHash('sha256').update(block).digest('base64'));
    }
    index++;
    block = Buffer.alloc(BLOCK_SIZE);
    filled = 0;
  };
  for (const chunk of chunks) {
    for (let offset = 0; offset < chunk.length;) {
      const taken = chunk.copy(block, filled, offset, offset + BLOCK_SIZE - filled);
      filled += taken;
      offset += taken;
      if (filled === BLOCK_SIZE) store();
    }
  }
  if (filled > 0) store();
}

export const importTaskOperations: Operations = {
  ImportSnapshot(ctx, input) {
    const container = (input.DiskContainer ?? {}) as {
      Format?: string;
      UserBucket?: { S3Bucket?: string; S3Key?: string };
      Description?: string;
    };
    const token = input.ClientToken ? String(input.ClientToken) : undefined;
    const existing =
      token &&
      [...ctx.state.importTasks.values()].find(
        (task) => task.clientToken === token && task.region === ctx.region,
      );
    if (existing) return importTaskOutput(existing);
    const bucket = container.UserBucket?.S3Bucket;
    const key = container.UserBucket?.S3Key;
    if (!bucket || !key)
      throw new AwsError('InvalidParameter', 'DiskContainer.UserBucket with S3Bucket and S3Key is required');
    const task: ImportTask = {
      id: newId('import-snap'),
      region: ctx.region,
      bucket,
      key,
      format: String(container.Format ?? 'RAW').toUpperCase(),
      description: input.Description ? String(input.Description) : container.Description,
      clientToken: token,
      encrypted: input.Encrypted === true,
      kmsKeyId: input.KmsKeyId ? String(input.KmsKeyId) : undefined,
      tags: tagsFrom(input.TagSpecifications, 'import-snapshot-task'),
      createdAt: ctx.state.now(),
      status: 'active',
      statusMessage: 'pending',
      progress: 0,
      snapshotId: undefined,
    };
    ctx.state.importTasks.set(task.id, task);
    const fail = ctx.state.failImports > 0;
    if (fail) ctx.state.failImports--;
    const duration = ctx.state.durations.import;
    ctx.state.schedule(duration / 2, () => {
      if (task.status === 'active') {
        task.progress = 50;
        task.statusMessage = 'converting';
      }
    });
    ctx.state.schedule(duration, () => {
      if (task.status !== 'active') return;
      const object = ctx.state.buckets.get(bucket)?.objects.get(key);
      const problem = fail
        ? 'ClientError: Disk validation failed [Unsupported disk image format]'
        : !object
          ? `ClientError: Unable to access the S3 object s3://${bucket}/${key}`
          : task.format !== 'RAW' ||
              object.size === 0 ||
              object.size % 512 !== 0 ||
              looksLikeContainer(object.chunks[0])
            ? 'ClientError: Disk validation failed [Invalid RAW disk image]'
            : undefined;
      if (problem) {
        task.status = 'deleting';
        task.statusMessage = problem;
        ctx.state.schedule(duration / 4, () => (task.status = 'deleted'));
        return;
      }
      const volumeSize = Math.max(1, Math.ceil(object!.size / 2 ** 30));
      const snapshot = newSnapshot(ctx, {
        volumeSize,
        source: 'import',
        description: `Created by AWS-VMImport service for ${task.id}`,
        encrypted: task.encrypted,
        kmsKeyId: task.encrypted ? (task.kmsKeyId ?? 'alias/aws/ebs') : undefined,
        state: 'completed',
        visibleAt: ctx.state.now(),
      });
      storeObjectAsBlocks(ctx.state.storeBlockData, object!.chunks, snapshot);
      task.snapshotId = snapshot.id;
      task.progress = 100;
      task.status = 'completed';
      task.statusMessage = undefined;
    });
    return importTaskOutput(task);
  },

  DescribeImportSnapshotTasks(ctx, input) {
    const ids = strings(input.ImportTaskIds);
    const tasks = [...ctx.state.importTasks.values()].filter(
      (task) => task.region === ctx.region && (ids.length === 0 || ids.includes(task.id)),
    );
    for (const id of ids) {
      if (!tasks.some((task) => task.id === id))
        throw new AwsError('InvalidConversionTaskId.Malformed', `The import task ${id} does not exist`);
    }
    return { ImportSnapshotTasks: tasks.map(importTaskOutput) };
  },

  CancelImportTask(ctx, input) {
    const task = ctx.state.importTasks.get(String(input.ImportTaskId));
    if (!task || task.region !== ctx.region)
      throw new AwsError(
        'InvalidConversionTaskId',
        `The import task ${String(input.ImportTaskId)} does not exist`,
      );
    const previous = task.status;
    if (task.status === 'active') {
      task.status = 'deleting';
      task.statusMessage = 'canceled';
      ctx.state.schedule(ctx.state.durations.import / 4, () => (task.status = 'deleted'));
    } else {
      throw new AwsError(
        'IncorrectState',
        `The import task ${task.id} is ${task.status} and cannot be cancelled`,
      );
    }
    return { ImportTaskId: task.id, PreviousState: previous, State: task.status };
  },
};
