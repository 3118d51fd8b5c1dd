import { CompleteSnapshotCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import type { PlannedImage } from '../compose/types.js';
import { describeError, ImageSourceError, InputError, UploadError } from '../errors.js';
import { BLOCK_SIZE } from '../image/blocks.js';
import type { CachedImageFile } from '../image/cache.js';
import { localRawSize, remoteRawSize } from '../image/xz-index.js';
import { formatBytes, formatSeconds, Progress } from '../report/progress.js';
import { isSnapshotClosed, isTransient } from '../aws/errors.js';
import { waitForSnapshot } from '../aws/snapshots.js';
import { imageTags, TAG } from '../aws/tags.js';
import { withRetry } from '../util/retry.js';
import { uploadBlocks } from './block-sender.js';
import {
  GIB,
  imageSource,
  removeUnfinished,
  uploadFailure,
  uploadToken,
  type SnapshotContext,
  type SnapshotOutcome,
} from './context.js';
import { awsDescription } from '../aws/description.js';

/** The default route: the image streamed into a new snapshot through the EBS direct APIs. */

/**
 * The snapshot's size: the volume-size input, or the raw size read from the xz index (from the
 * cached copy or by Range requests), checked against max-volume-size-gib before anything exists.
 */
async function volumeFor(
  image: PlannedImage,
  ctx: SnapshotContext,
  local: CachedImageFile | undefined,
): Promise<{ volumeSize: number; rawSize: number | undefined }> {
  const { settings } = ctx;
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
      { hint: `Use at least ${Math.ceil(rawSize / GIB)} GiB or leave volume-size empty.` },
    );
  }
  return { volumeSize, rawSize };
}

/**
 * StartSnapshot with the image's upload token: a new snapshot, the unfinished one of an earlier run
 * (resumed: every block is sent again), or a completed one (nothing to do). A token whose snapshot
 * timed out can never complete, so the next generation of the token is used.
 */
async function startSnapshot(
  image: PlannedImage,
  ctx: SnapshotContext,
  baseToken: string,
  volumeSize: number,
): Promise<{ snapshotId: string; startedAt: number; completed: boolean }> {
  const { settings, region } = ctx;
  const ebs = ctx.clients.ebs(region);
  const tags = imageTags(image, { [TAG.name]: image.name, [TAG.uploadToken]: baseToken });
  for (let generation = 0; ; generation++) {
    const token = generation === 0 ? baseToken : uploadToken(image, settings, generation);
    const startedAt = Date.now();
    const started = await withRetry(
      () =>
        ebs.send(
          new StartSnapshotCommand({
            VolumeSize: volumeSize,
            ClientToken: token,
            Timeout: settings.snapshotTimeoutMinutes,
            Tags: tags,
            Description: awsDescription(
              `${image.file} (${image.compose_id || 'direct image'}) uploaded by fedimg`,
            ),
          }),
          { abortSignal: ctx.signal },
        ),
      settings.retry,
      { retryable: isTransient, signal: ctx.signal },
    );
    const snapshotId = started.SnapshotId!;
    if (started.Status === 'completed') return { snapshotId, startedAt, completed: true };
    if (started.Status !== 'error') {
      if (started.StartTime && started.StartTime.getTime() < startedAt - 1000) {
        ctx.log.info(
          `${image.arch}: resuming unfinished snapshot ${snapshotId} from an earlier run (every block is sent again).`,
        );
      }
      return { snapshotId, startedAt, completed: false };
    }
    await removeUnfinished(ctx, snapshotId);
    if (generation >= 3)
      throw new UploadError(`StartSnapshot keeps returning failed snapshots for ${image.file} in ${region}.`);
  }
}

/** Streams the image into a new snapshot with the EBS direct APIs; nothing half-done survives a failure. */
export async function uploadDirect(
  image: PlannedImage,
  ctx: SnapshotContext,
  baseToken: string,
  local: CachedImageFile | undefined,
): Promise<SnapshotOutcome> {
  const { settings, log, region } = ctx;
  const { volumeSize, rawSize } = await volumeFor(image, ctx, local);
  const { snapshotId, startedAt, completed } = await startSnapshot(image, ctx, baseToken, volumeSize);
  if (completed) return { snapshotId, volumeSize, reused: true };

  const ebs = ctx.clients.ebs(region);
  const pendingSnapshot = { kind: 'snapshot' as const, region, id: snapshotId };
  ctx.pending.add(pendingSnapshot);
  const source = imageSource(image, ctx, true, local, volumeSize * GIB);
  const totalBlocks = rawSize !== undefined ? Math.ceil(rawSize / BLOCK_SIZE) : 0;
  const progress = new Progress(log, `${image.arch} → ${snapshotId}`, totalBlocks, BLOCK_SIZE);
  const waitUntilDone = () =>
    waitForSnapshot(ctx.clients.ec2(region), snapshotId, {
      timeoutMs: 60 * 60_000,
      intervalMs: settings.pollIntervalMs,
      signal: ctx.signal,
    });
  try {
    const result = await uploadBlocks(source.blocks(), {
      writer: ctx.clients.ebsBlocks(region),
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
    const final = await waitUntilDone();
    if (final.state !== 'completed') {
      throw new UploadError(
        `Snapshot ${snapshotId} of ${image.file} in ${region} ended in state ${final.state}${final.message ? `: ${final.message}` : ''}.`,
        { hint: 'It was deleted; re-run the job.' },
      );
    }
    ctx.pending.remove(pendingSnapshot);
    const seconds = progress.elapsedSeconds();
    log.info(
      `${image.arch}: read ${formatBytes(source.stats.bytes)} compressed, ${formatBytes(source.stats.rawBytes)} raw; sent ${result.sent} blocks (${result.skipped} zero blocks skipped, ${result.retries} retries) in ${formatSeconds(seconds)}, ${(source.stats.rawBytes / 1e6 / Math.max(seconds, 0.001)).toFixed(0)} MB/s (decoder ${source.stats.decoder}).`,
    );
    return { snapshotId, volumeSize, reused: false };
  } catch (error) {
    // Two runs for the same image share one snapshot (same ClientToken). If the other one completed
    // it first, this run's blocks are refused; its content is the same image, so use it.
    if (isSnapshotClosed(error) && (await waitUntilDone().catch(() => undefined))?.state === 'completed') {
      ctx.pending.remove(pendingSnapshot);
      log.info(
        `${image.arch}: snapshot ${snapshotId} was completed by another run for the same image; using it.`,
      );
      return { snapshotId, volumeSize, reused: true };
    }
    const removed = await removeUnfinished(ctx, snapshotId);
    if (removed) ctx.pending.remove(pendingSnapshot);
    throw uploadFailure(error, image, ctx, `Snapshot ${snapshotId}`, removed);
  }
}
