import { createHash } from 'node:crypto';
import type { HostPolicy } from '../net/host-policy.js';
import type { PlannedImage } from '../compose/types.js';
import { describeError, ImageSourceError, InputError, UploadError } from '../errors.js';
import type { CachedImageFile, ImageCache } from '../image/cache.js';
import type { DecoderPreference } from '../image/decompress.js';
import { ImageSource } from '../image/source.js';
import type { Log } from '../log.js';
import type { AwsClients } from '../aws/clients.js';
import type { PendingResources } from '../aws/pending.js';
import { deleteSnapshot } from '../aws/snapshots.js';
import { hintForAwsError, isUnauthorized } from '../aws/errors.js';
import type { UploadSettings } from '../settings/index.js';

/** What both upload methods share: where they upload, the image source, and how they fail. */

export const GIB = 2 ** 30;

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

/**
 * Deletes a snapshot this run started and cannot finish. A failure to delete is a warning: the post
 * step tries again, and the snapshot's StartSnapshot timeout cancels it anyway.
 */
export async function removeUnfinished(ctx: SnapshotContext, snapshotId: string): Promise<boolean> {
  try {
    await deleteSnapshot(ctx.clients.ec2(ctx.region), snapshotId);
    return true;
  } catch (error) {
    ctx.log.warning(
      `Could not delete the unfinished snapshot ${snapshotId} in ${ctx.region}: ${describeError(error)}. The post step will try again; otherwise its StartSnapshot timeout cancels it.`,
      'fedimg upload',
    );
    return false;
  }
}

export function imageSource(
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

/**
 * The error an upload ends in, saying what became of `what` (the unfinished snapshot, the staging
 * object): `removed` is whether deleting it succeeded; when it did not, a warning has said why.
 */
export function uploadFailure(
  error: unknown,
  image: PlannedImage,
  ctx: SnapshotContext,
  what: string,
  removed: boolean,
): Error {
  if (error instanceof ImageSourceError || error instanceof InputError || error instanceof UploadError)
    return error;
  const fate = removed ? `${what} was removed` : `${what} could not be removed; the post step will try again`;
  if (ctx.signal?.aborted)
    return new UploadError(`The upload of ${image.file} to ${ctx.region} was cancelled. ${fate}.`);
  // A refusal is not cured by a re-run: the hint names the permission instead.
  const permission = isUnauthorized(error) ? hintForAwsError(error) : undefined;
  return new UploadError(`Uploading ${image.file} to ${ctx.region} failed: ${describeError(error)}.`, {
    hint: permission
      ? `${fate}. ${permission}`
      : `${fate}; re-run the job (it resumes from nothing but the compose).`,
    cause: error,
  });
}
