import { Readable } from 'node:stream';
import {
  CancelImportTaskCommand,
  CreateTagsCommand,
  DescribeImportSnapshotTasksCommand,
  ImportSnapshotCommand,
} from '@aws-sdk/client-ec2';
import { AbortMultipartUploadCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { PlannedImage } from '../compose/types.js';
import { describeError, InputError, UploadError } from '../errors.js';
import type { CachedImageFile } from '../image/cache.js';
import { formatBytes, formatSeconds } from '../report/progress.js';
import { awsErrorCode } from '../aws/errors.js';
import { stagingKey } from '../aws/pending.js';
import { snapshotSize } from '../aws/snapshots.js';
import { imageTags, ownerMetadata, TAG } from '../aws/tags.js';
import { poll } from '../util/poll.js';
import { GIB, imageSource, uploadFailure, type SnapshotContext, type SnapshotOutcome } from './context.js';
import { awsDescription } from '../aws/description.js';

/** The alternative route: the raw disk staged in S3, then ImportSnapshot. */

/**
 * A multipart upload takes at most 10,000 parts (Amazon S3 User Guide, "Amazon S3 multipart upload
 * limits").
 */
const MAX_PARTS = 10_000;
const MIB = 2 ** 20;

/**
 * The staging upload's part size: 16 MiB, or more when the largest image allowed (max-volume-size-gib)
 * would take over 10,000 of them (past 156 GiB), in whole MiB. lib-storage cannot grow its parts
 * once a stream of unknown length has started. Four parts are in flight: the memory it costs.
 */
export function stagingPartSize(maxRawBytes: number): number {
  return Math.max(16 * MIB, Math.ceil(maxRawBytes / MAX_PARTS / MIB) * MIB);
}

/** Streams the raw disk (decompressed, verified) into s3://bucket/key, with progress. */
async function stageInS3(
  image: PlannedImage,
  ctx: SnapshotContext,
  local: CachedImageFile | undefined,
  where: { bucket: string; key: string },
): Promise<void> {
  const { log } = ctx;
  const started = Date.now();
  // No recycling: the S3 upload keeps parts of the stream until it sends them.
  const source = imageSource(image, ctx, false, local, ctx.settings.maxVolumeSizeGiB * GIB);
  const body = Readable.from(
    (async function* () {
      for await (const block of source.blocks()) yield block.data;
    })(),
  );
  const upload = new Upload({
    client: ctx.clients.s3(ctx.region),
    // Who made it, for the post step, which removes only its own run's objects.
    params: { Bucket: where.bucket, Key: where.key, Body: body, Metadata: ownerMetadata() },
    partSize: stagingPartSize(ctx.settings.maxVolumeSizeGiB * GIB),
    queueSize: 4,
  });
  const abort = () => void upload.abort();
  ctx.signal?.addEventListener('abort', abort, { once: true });
  let reported = 0;
  upload.on('httpUploadProgress', (event) => {
    const loaded = event.loaded ?? 0;
    if (loaded - reported >= 256 * 2 ** 20) {
      reported = loaded;
      log.info(
        `${image.arch} → s3://${where.bucket}/${where.key}: ${formatBytes(loaded)} (${(loaded / 1e6 / ((Date.now() - started) / 1000)).toFixed(0)} MB/s)`,
      );
    }
  });
  try {
    await upload.done();
  } catch (error) {
    await abortMultipartUpload(ctx, where, upload.uploadId);
    throw error;
  } finally {
    ctx.signal?.removeEventListener('abort', abort);
  }
  log.info(
    `${image.arch}: staged ${formatBytes(source.stats.rawBytes)} raw in s3://${where.bucket}/${where.key} in ${formatSeconds((Date.now() - started) / 1000)}; importing.`,
  );
}

/**
 * Aborts the staging object's multipart upload, whose parts S3 keeps (and bills) until then. On a
 * cancel, lib-storage's done() rejects at once and aborts the upload only afterwards, in the
 * background: a cancelled job's process may be gone before that request is sent. Already aborted
 * (NoSuchUpload, when lib-storage was first) is fine.
 */
async function abortMultipartUpload(
  ctx: SnapshotContext,
  where: { bucket: string; key: string },
  uploadId: string | undefined,
): Promise<void> {
  if (!uploadId) return;
  await ctx.clients
    .s3(ctx.region)
    .send(new AbortMultipartUploadCommand({ Bucket: where.bucket, Key: where.key, UploadId: uploadId }))
    .catch((error: unknown) => {
      if (awsErrorCode(error) === 'NoSuchUpload') return;
      ctx.log.warning(
        `Could not abort the multipart upload ${uploadId} of s3://${where.bucket}/${where.key}: ${describeError(error)}; S3 keeps its parts until it is aborted (a bucket lifecycle rule for incomplete multipart uploads removes them).`,
        'fedimg upload',
      );
    });
}

/**
 * ImportSnapshot of the staged object, waited for with progress. A token whose earlier task failed
 * returns that dead task again, so the next generation of the token is used.
 */
async function runImportTask(
  image: PlannedImage,
  ctx: SnapshotContext,
  where: { bucket: string; key: string },
  token: string,
  tags: Array<{ Key: string; Value: string }>,
): Promise<string> {
  const { settings, log, region } = ctx;
  const ec2 = ctx.clients.ec2(region);
  let imported;
  for (let generation = 0; ; generation++) {
    imported = await ec2.send(
      new ImportSnapshotCommand({
        DiskContainer: {
          Format: 'RAW',
          UserBucket: { S3Bucket: where.bucket, S3Key: where.key },
          Description: awsDescription(image.file),
        },
        ClientToken: generation === 0 ? token : `${token}-${generation}`,
        Description: awsDescription(
          `${image.file} (${image.compose_id || 'direct image'}) imported by fedimg`,
        ),
        TagSpecifications: [{ ResourceType: 'import-snapshot-task', Tags: tags }],
      }),
    );
    const status = imported.SnapshotTaskDetail?.Status;
    if ((status !== 'deleted' && status !== 'deleting') || generation >= 3) break;
  }
  const task = { kind: 'import-task' as const, region, id: imported.ImportTaskId! };
  ctx.pending.add(task);
  let ended = false;
  try {
    let lastProgress = '';
    const detail = await poll(
      `import task ${task.id}`,
      async () => {
        const { ImportSnapshotTasks } = await ec2.send(
          new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [task.id] }),
        );
        const current = ImportSnapshotTasks?.[0]?.SnapshotTaskDetail;
        if (!current || current.Status === 'active') {
          const note = `${current?.Progress ?? 0}% ${current?.StatusMessage ?? ''}`.trim();
          if (note !== lastProgress)
            log.info(`${image.arch}: import task ${task.id}: ${(lastProgress = note)}`);
          return undefined;
        }
        return current;
      },
      { timeoutMs: settings.importTimeoutMs, intervalMs: settings.pollIntervalMs, signal: ctx.signal },
    );
    // Whatever its outcome, the task has ended: there is nothing left to cancel.
    ended = true;
    ctx.pending.remove(task);
    if (detail.Status !== 'completed' || !detail.SnapshotId) {
      throw new UploadError(
        `Import task ${task.id} for ${image.file} in ${region} ended ${detail.Status}: ${detail.StatusMessage ?? 'no message'}.`,
        {
          hint: 'Check the vmimport service role and that the bucket is in the same region; re-run the job.',
        },
      );
    }
    return detail.SnapshotId;
  } catch (error) {
    if (!ended) {
      await ec2.send(new CancelImportTaskCommand({ ImportTaskId: task.id })).then(
        () => ctx.pending.remove(task),
        (cancelError: unknown) =>
          log.warning(
            `Could not cancel import task ${task.id}: ${describeError(cancelError)}`,
            'fedimg upload',
          ),
      );
    }
    throw error;
  }
}

/** Stages the raw disk in S3 and imports it; the staging object is deleted whatever happens. */
export async function importFromS3(
  image: PlannedImage,
  ctx: SnapshotContext,
  token: string,
  local: CachedImageFile | undefined,
): Promise<SnapshotOutcome> {
  const { log, region } = ctx;
  const bucket = ctx.settings.s3Bucket;
  if (!bucket)
    throw new InputError('upload-method import-snapshot needs s3-bucket.', {
      hint: 'Name a bucket in the base region that the vmimport role can read.',
    });
  const where = { bucket, key: stagingKey(image) };
  const object = { kind: 's3-object' as const, region, ...where };
  const ec2 = ctx.clients.ec2(region);
  ctx.pending.add(object);
  // The staging object is deleted whatever happens; true once it is gone.
  const removeStaging = () =>
    ctx.clients
      .s3(region)
      .send(new DeleteObjectCommand({ Bucket: where.bucket, Key: where.key }))
      .then(
        () => {
          ctx.pending.remove(object);
          return true;
        },
        (error: unknown) => {
          log.warning(
            `Could not delete s3://${where.bucket}/${where.key}: ${describeError(error)}; the post step will try again.`,
            'fedimg upload',
          );
          return false;
        },
      );
  let outcome: SnapshotOutcome;
  try {
    await stageInS3(image, ctx, local, where);
    const tags = imageTags(image, { [TAG.name]: image.name, [TAG.uploadToken]: token });
    const snapshotId = await runImportTask(image, ctx, where, token, tags);
    // AWS tags the import task only: the snapshot it made gets fedimg's tags now.
    await ec2.send(new CreateTagsCommand({ Resources: [snapshotId], Tags: tags }));
    outcome = { snapshotId, volumeSize: await snapshotSize(ec2, snapshotId), reused: false };
  } catch (error) {
    const removed = await removeStaging();
    throw uploadFailure(error, image, ctx, `The staging object s3://${where.bucket}/${where.key}`, removed);
  }
  await removeStaging();
  return outcome;
}
