import type { PlannedImage } from '../compose/types.js';
import { snapshotsByUploadToken } from '../aws/snapshots.js';
import { removeUnfinished, uploadToken, type SnapshotContext, type SnapshotOutcome } from './context.js';
import { uploadDirect } from './ebs-direct.js';
import { importFromS3 } from './import-snapshot.js';

export { uploadToken, type SnapshotContext, type SnapshotOutcome } from './context.js';

/**
 * A completed snapshot holding the image: an existing one from an earlier run with the same
 * settings, or a new upload by the configured method. Nothing half-done survives a failure.
 */
export async function ensureSnapshot(image: PlannedImage, ctx: SnapshotContext): Promise<SnapshotOutcome> {
  const token = uploadToken(image, ctx.settings);
  const existing = await snapshotsByUploadToken(ctx.clients.ec2(ctx.region), image.sha256, token);
  const completed = existing.find((snapshot) => snapshot.State === 'completed');
  if (completed) {
    ctx.log.info(
      `${image.arch}: reusing snapshot ${completed.SnapshotId} in ${ctx.region}, uploaded earlier from the same image.`,
    );
    return { snapshotId: completed.SnapshotId!, volumeSize: completed.VolumeSize!, reused: true };
  }
  for (const failed of existing.filter((snapshot) => snapshot.State === 'error')) {
    ctx.log.info(`${image.arch}: deleting snapshot ${failed.SnapshotId} left in error by an earlier run.`);
    await removeUnfinished(ctx, failed.SnapshotId!);
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
