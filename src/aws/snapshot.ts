import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CompleteSnapshotCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import {
  CancelImportTaskCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DescribeImportSnapshotTasksCommand,
  DescribeSnapshotsCommand,
  ImportSnapshotCommand,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { HostPolicy } from '../compose/location.js';
import type { PlannedImage } from '../compose/types.js';
import { describeError, ImageSourceError, InputError, UploadError } from '../errors.js';
import { BLOCK_SIZE } from '../image/blocks.js';
import type { DecoderPreference } from '../image/decompress.js';
import { ImageSource } from '../image/source.js';
import { localRawSize, remoteRawSize } from '../image/xz-index.js';
import type { CachedImageFile, ImageCache } from '../image/cache.js';
import type { Log } from '../log.js';
import { formatBytes, formatSeconds, Progress } from '../report/progress.js';
import { uploadBlocks } from './block-uploader.js';
import type { AwsClients } from './clients.js';
import { stagingKey, type PendingResources } from './pending.js';
import { withRetry } from '../util/retry.js';
import { imageTags, ownerMetadata, TAG } from './tags.js';
import { poll } from '../util/poll.js';
import { isNotFound, isSnapshotClosed, isTransient } from './errors.js';
import { waitForSnapshot } from './wait.js';
import type { UploadSettings } from '../settings/index.js';

const GIB = 2 ** 30;

export interface SnapshotContext {
  clients: AwsClients;
  region: string;
  log: Log;
  pending: PendingResources;
  settings: UploadSettings;
  policy: HostPolicy;
  decoder: DecoderPreference;
  signal?: AbortSignal;
  /** Keeps downloaded images between jobs (the workflow's Actions cache). */
  cache?: ImageCache;
}

export interface SnapshotOutcome {
  snapshotId: string;
  volumeSize: number;
  reused: boolean;
  stats?: { compressedBytes: number; rawBytes: number; blocksSent: number; seconds: number; retries: number };
}

/** The same image with the same settings always maps to the same token, hence the same snapshot. */
export function uploadToken(image: PlannedImage, settings: UploadSettings, generation = 0): string {
  const key = JSON.stringify([
    image.sha256,
    settings.method,
    settings.omitZeroBlocks,
    settings.volumeSizeGiB ?? 'auto',
    generation,
  ]);
  return `fedimg-${createHash('sha256').update(key).digest('hex').slice(0, 48)}`;
}

async function ownSnapshots(ctx: SnapshotContext, image: PlannedImage, token: string): Promise<Snapshot[]> {
  const { Snapshots } = await ctx.clients.ec2(ctx.region).send(
    new DescribeSnapshotsCommand({
      OwnerIds: ['self'],
      Filters: [
        { Name: `tag:${TAG.sourceSha256}`, Values: [image.sha256] },
        { Name: `tag:${TAG.uploadToken}`, Values: [token] },
      ],
    }),
  );
  return Snapshots ?? [];
}

async function deleteSnapshot(ctx: SnapshotContext, snapshotId: string): Promise<boolean> {
  try {
    await ctx.clients.ec2(ctx.region).send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return true;
    ctx.log.warning(
      `Could not delete the unfinished snapshot ${snapshotId} in ${ctx.region}: ${describeError(error)}. The post step will try again; otherwise its StartSnapshot timeout cancels it.`,
      'fedimg upload',
    );
    return false;
  }
}

/**
 * A completed snapshot holding the image: an existing one from an earlier run with the same
 * settings, or a new upload by the configured method. Nothing half-done survives a failure.
 */
export async function ensureSnapshot(image: PlannedImage, ctx: SnapshotContext): Promise<SnapshotOutcome> {
  const token = uploadToken(image, ctx.settings);
  const existing = await ownSnapshots(ctx, image, token);
  const completed = existing.find((snapshot) => snapshot.State === 'completed');
  if (completed) {
    ctx.log.info(
      `${image.arch}: reusing snapshot ${completed.SnapshotId} in ${ctx.region}, uploaded earlier from the same image.`,
    );
    return { snapshotId: completed.SnapshotId!, volumeSize: completed.VolumeSize!, reused: true };
  }
  for (const failed of existing.filter((snapshot) => snapshot.State === 'error')) {
    ctx.log.info(`${image.arch}: deleting snapshot ${failed.SnapshotId} left in error by an earlier run.`);
    await deleteSnapshot(ctx, failed.SnapshotId!);
  }
  const local = await ctx.cache?.open(image, ctx.log);
  try {
    const outcome =
      ctx.settings.method === 'ebs-direct'
        ? await uploadDirect(image, ctx, token, local)
        : await importFromS3(image, ctx, token, local);
    if (local) await ctx.cache!.save(image, local, ctx.log);
    return outcome;
  } catch (error) {
    if (local) await ctx.cache!.discard(local);
    throw error;
  }
}

function imageSource(
  image: PlannedImage,
  ctx: SnapshotContext,
  recycleBlocks: boolean,
  local: CachedImageFile | undefined,
  maxRawBytes: number,
): ImageSource {
  return new ImageSource({
    recycleBlocks,
    maxRawBytes,
    localFile: local?.hit ? local.path : undefined,
    keepCopy: local && !local.hit ? local.path : undefined,
    url: image.url,
    sha256: image.sha256,
    size: image.size,
    policy: ctx.policy,
    decoder: ctx.decoder,
    signal: ctx.signal,
    onResume: (offset, reason) =>
      ctx.log.warning(
        `${image.file}: download interrupted at byte ${offset} (${reason}); resuming.`,
        'fedimg download',
      ),
  });
}

function failure(error: unknown, image: PlannedImage, ctx: SnapshotContext, what: string): Error {
  if (error instanceof ImageSourceError || error instanceof InputError || error instanceof UploadError)
    return error;
  if (ctx.signal?.aborted)
    return new UploadError(
      `The upload of ${image.file} to ${ctx.region} was cancelled; ${what} was removed.`,
    );
  return new UploadError(`Uploading ${image.file} to ${ctx.region} failed: ${describeError(error)}.`, {
    hint: `${what} was removed; re-run the job (it resumes from nothing but the compose).`,
    cause: error,
  });
}

async function uploadDirect(
  image: PlannedImage,
  ctx: SnapshotContext,
  baseToken: string,
  local: CachedImageFile | undefined,
): Promise<SnapshotOutcome> {
  const { settings, log, region } = ctx;
  const rawSize = await (
    local?.hit
      ? localRawSize(local.path, image.size)
      : remoteRawSize(new URL(image.url), image.size, ctx.policy)
  ).catch((error: unknown) => {
    if (settings.volumeSizeGiB === undefined) throw error;
    return undefined;
  });
  // A few hundred compressed bytes can claim terabytes in their index: refuse before creating anything.
  if (rawSize !== undefined && rawSize > settings.maxVolumeSizeGiB * GIB) {
    throw new ImageSourceError(
      'size-mismatch',
      image.url,
      `${image.file} declares ${formatBytes(rawSize)} of raw disk in its xz index, more than max-volume-size-gib (${settings.maxVolumeSizeGiB} GiB); nothing was uploaded.`,
      {
        hint: 'Fedora cloud images are about 5 GiB. Raise max-volume-size-gib only if this image really is that large.',
      },
    );
  }
  const volumeSize = settings.volumeSizeGiB ?? Math.ceil(rawSize! / GIB);
  if (rawSize !== undefined && volumeSize * GIB < rawSize) {
    throw new InputError(
      `volume-size ${volumeSize} GiB is smaller than ${image.file} (${formatBytes(rawSize)} raw).`,
      {
        hint: `Use at least ${Math.ceil(rawSize / GIB)} GiB or leave volume-size empty.`,
      },
    );
  }
  const ebs = ctx.clients.ebs(region);
  const tags = imageTags(image, { [TAG.name]: image.name, [TAG.uploadToken]: baseToken });

  let snapshotId: string | undefined;
  let startedAt = Date.now();
  for (let generation = 0; !snapshotId; generation++) {
    const token = generation === 0 ? baseToken : uploadToken(image, settings, generation);
    startedAt = Date.now();
    const started = await withRetry(
      () =>
        ebs.send(
          new StartSnapshotCommand({
            VolumeSize: volumeSize,
            ClientToken: token,
            Timeout: settings.snapshotTimeoutMinutes,
            Tags: tags,
            Description: `${image.file} (${image.compose_id || 'direct image'}) uploaded by fedimg`,
          }),
          { abortSignal: ctx.signal },
        ),
      settings.retry,
      { retryable: isTransient, signal: ctx.signal },
    );
    if (started.Status === 'completed') {
      return { snapshotId: started.SnapshotId!, volumeSize, reused: true };
    }
    if (started.Status === 'error') {
      // The token belongs to a snapshot that timed out: it can never complete, so use the next one.
      await deleteSnapshot(ctx, started.SnapshotId!);
      if (generation >= 3)
        throw new UploadError(
          `StartSnapshot keeps returning failed snapshots for ${image.file} in ${region}.`,
        );
      continue;
    }
    snapshotId = started.SnapshotId!;
    if (started.StartTime && started.StartTime.getTime() < startedAt - 1000) {
      log.info(
        `${image.arch}: resuming unfinished snapshot ${snapshotId} from an earlier run (every block is sent again).`,
      );
    }
  }

  const pendingSnapshot = { kind: 'snapshot' as const, region, id: snapshotId };
  ctx.pending.add(pendingSnapshot);
  const source = imageSource(image, ctx, true, local, volumeSize * GIB);
  const totalBlocks = rawSize !== undefined ? Math.ceil(rawSize / BLOCK_SIZE) : 0;
  const progress = new Progress(log, `${image.arch} → ${snapshotId}`, totalBlocks, BLOCK_SIZE);
  try {
    const result = await uploadBlocks(source.blocks(), {
      client: ebs,
      snapshotId,
      concurrency: settings.concurrency,
      omitZeroBlocks: settings.omitZeroBlocks,
      retry: settings.retry,
      startedAt,
      notFoundWindowMs: settings.notFoundWindowMs,
      signal: ctx.signal,
      onBlockDone: (done) => progress.update(done),
      onRetry: (error, index) => log.debug(`block ${index}: ${describeError(error)}; retrying`),
    });
    // The source ended without error: size and sha256 of the compressed file are confirmed.
    await withRetry(
      () =>
        ebs.send(
          new CompleteSnapshotCommand({
            SnapshotId: snapshotId,
            ChangedBlocksCount: result.sent,
            Checksum: result.aggregateChecksum,
            ChecksumAlgorithm: 'SHA256',
            ChecksumAggregationMethod: 'LINEAR',
          }),
        ),
      settings.retry,
      { retryable: isTransient },
    );
    const final = await waitForSnapshot(ctx.clients.ec2(region), snapshotId, {
      timeoutMs: 60 * 60_000,
      intervalMs: settings.pollIntervalMs,
      signal: ctx.signal,
    });
    if (final.state !== 'completed') {
      throw new UploadError(
        `Snapshot ${snapshotId} of ${image.file} in ${region} ended in state ${final.state}${final.message ? `: ${final.message}` : ''}.`,
        {
          hint: 'It was deleted; re-run the job.',
        },
      );
    }
    ctx.pending.remove(pendingSnapshot);
    const seconds = progress.elapsedSeconds();
    log.info(
      `${image.arch}: read ${formatBytes(source.stats.bytes)} compressed, ${formatBytes(source.stats.rawBytes)} raw; sent ${result.sent} blocks (${result.skipped} zero blocks skipped, ${result.retries} retries) in ${formatSeconds(seconds)}, ${(source.stats.rawBytes / 1e6 / Math.max(seconds, 0.001)).toFixed(0)} MB/s (decoder ${source.stats.decoder}).`,
    );
    return {
      snapshotId,
      volumeSize,
      reused: false,
      stats: {
        compressedBytes: source.stats.bytes,
        rawBytes: source.stats.rawBytes,
        blocksSent: result.sent,
        seconds,
        retries: result.retries,
      },
    };
  } catch (error) {
    // Two runs for the same image share one snapshot (same ClientToken). If the other one completed
    // it first, this run's blocks are refused; its content is the same image, so use it.
    if (isSnapshotClosed(error)) {
      const final = await waitForSnapshot(ctx.clients.ec2(region), snapshotId, {
        timeoutMs: 60 * 60_000,
        intervalMs: settings.pollIntervalMs,
        signal: ctx.signal,
      }).catch(() => undefined);
      if (final?.state === 'completed') {
        ctx.pending.remove(pendingSnapshot);
        log.info(
          `${image.arch}: snapshot ${snapshotId} was completed by another run for the same image; using it.`,
        );
        return { snapshotId, volumeSize, reused: true };
      }
    }
    if (await deleteSnapshot(ctx, snapshotId)) ctx.pending.remove(pendingSnapshot);
    throw failure(error, image, ctx, `Snapshot ${snapshotId}`);
  }
}

async function importFromS3(
  image: PlannedImage,
  ctx: SnapshotContext,
  token: string,
  local: CachedImageFile | undefined,
): Promise<SnapshotOutcome> {
  const { settings, log, region } = ctx;
  const bucket = settings.s3Bucket;
  if (!bucket)
    throw new InputError('upload-method import-snapshot needs s3-bucket.', {
      hint: 'Name a bucket in the base region that the vmimport role can read.',
    });
  const key = stagingKey(image);
  const object = { kind: 's3-object' as const, region, bucket, key };
  const s3 = ctx.clients.s3(region);
  const ec2 = ctx.clients.ec2(region);
  let task: { kind: 'import-task'; region: string; id: string } | undefined;
  ctx.pending.add(object);
  const started = Date.now();
  try {
    // No recycling: the S3 upload keeps parts of the stream until it sends them.
    const source = imageSource(image, ctx, false, local, settings.maxVolumeSizeGiB * GIB);
    const body = Readable.from(
      (async function* () {
        for await (const block of source.blocks()) yield block.data;
      })(),
    );
    const upload = new Upload({
      client: s3,
      // Who made it, for the post step, which removes only its own run's objects.
      params: { Bucket: bucket, Key: key, Body: body, Metadata: ownerMetadata() },
      partSize: 16 * 2 ** 20,
      queueSize: 4,
      abortController: undefined,
    });
    const abort = () => void upload.abort();
    ctx.signal?.addEventListener('abort', abort, { once: true });
    let reported = 0;
    upload.on('httpUploadProgress', (event) => {
      const loaded = event.loaded ?? 0;
      if (loaded - reported >= 256 * 2 ** 20) {
        reported = loaded;
        log.info(
          `${image.arch} → s3://${bucket}/${key}: ${formatBytes(loaded)} (${(loaded / 1e6 / ((Date.now() - started) / 1000)).toFixed(0)} MB/s)`,
        );
      }
    });
    try {
      await upload.done();
    } finally {
      ctx.signal?.removeEventListener('abort', abort);
    }
    log.info(
      `${image.arch}: staged ${formatBytes(source.stats.rawBytes)} raw in s3://${bucket}/${key} in ${formatSeconds((Date.now() - started) / 1000)}; importing.`,
    );

    const tags = imageTags(image, { [TAG.name]: image.name, [TAG.uploadToken]: token });
    let imported;
    for (let generation = 0; ; generation++) {
      // A token whose earlier task failed returns that dead task again: move on to the next one.
      imported = await ec2.send(
        new ImportSnapshotCommand({
          DiskContainer: {
            Format: 'RAW',
            UserBucket: { S3Bucket: bucket, S3Key: key },
            Description: image.file,
          },
          ClientToken: generation === 0 ? token : `${token}-${generation}`,
          Description: `${image.file} (${image.compose_id || 'direct image'}) imported by fedimg`,
          TagSpecifications: [{ ResourceType: 'import-snapshot-task', Tags: tags }],
        }),
      );
      const status = imported.SnapshotTaskDetail?.Status;
      if ((status !== 'deleted' && status !== 'deleting') || generation >= 3) break;
    }
    task = { kind: 'import-task', region, id: imported.ImportTaskId! };
    ctx.pending.add(task);
    let lastProgress = '';
    const detail = await poll(
      `import task ${task.id}`,
      async () => {
        const { ImportSnapshotTasks } = await ec2.send(
          new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [task!.id] }),
        );
        const current = ImportSnapshotTasks?.[0]?.SnapshotTaskDetail;
        if (!current || current.Status === 'active') {
          const note = `${current?.Progress ?? 0}% ${current?.StatusMessage ?? ''}`.trim();
          if (note !== lastProgress)
            log.info(`${image.arch}: import task ${task!.id}: ${(lastProgress = note)}`);
          return undefined;
        }
        return current;
      },
      { timeoutMs: settings.importTimeoutMs, intervalMs: settings.pollIntervalMs, signal: ctx.signal },
    );
    if (detail.Status !== 'completed' || !detail.SnapshotId) {
      throw new UploadError(
        `Import task ${task.id} for ${image.file} in ${region} ended ${detail.Status}: ${detail.StatusMessage ?? 'no message'}.`,
        {
          hint: 'Check the vmimport service role and that the bucket is in the same region; re-run the job.',
        },
      );
    }
    ctx.pending.remove(task);
    task = undefined;
    await ec2.send(new CreateTagsCommand({ Resources: [detail.SnapshotId], Tags: tags }));
    const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [detail.SnapshotId] }));
    return { snapshotId: detail.SnapshotId, volumeSize: Snapshots?.[0]?.VolumeSize ?? 0, reused: false };
  } catch (error) {
    if (task) {
      await ec2.send(new CancelImportTaskCommand({ ImportTaskId: task.id })).then(
        () => ctx.pending.remove(task!),
        (cancelError: unknown) =>
          log.warning(
            `Could not cancel import task ${task!.id}: ${describeError(cancelError)}`,
            'fedimg upload',
          ),
      );
    }
    throw failure(error, image, ctx, `The staging object s3://${bucket}/${key}`);
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).then(
      () => ctx.pending.remove(object),
      (error: unknown) =>
        log.warning(
          `Could not delete s3://${bucket}/${key}: ${describeError(error)}; the post step will try again.`,
          'fedimg upload',
        ),
    );
  }
}
