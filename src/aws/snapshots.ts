import {
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { poll, type PollOptions } from '../util/poll.js';
import { isNotFound } from './errors.js';
import { TAG } from './tags.js';

/** Snapshots: finding fedimg's, waiting for them, removing them. */

/** The snapshots an earlier run uploaded from this image with the same settings (its upload token). */
export async function snapshotsByUploadToken(
  ec2: EC2Client,
  sha256: string,
  token: string,
): Promise<Snapshot[]> {
  const { Snapshots } = await ec2.send(
    new DescribeSnapshotsCommand({
      OwnerIds: ['self'],
      Filters: [
        { Name: `tag:${TAG.sourceSha256}`, Values: [sha256] },
        { Name: `tag:${TAG.uploadToken}`, Values: [token] },
      ],
    }),
  );
  return Snapshots ?? [];
}

/** Deletes a snapshot; one that is already gone counts as deleted. */
export async function deleteSnapshot(ec2: EC2Client, snapshotId: string): Promise<void> {
  try {
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** The size (GiB) of a snapshot, 0 when it cannot be read. */
export async function snapshotSize(ec2: EC2Client, snapshotId: string): Promise<number> {
  const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
  return Snapshots?.[0]?.VolumeSize ?? 0;
}

/**
 * Snapshot state once it is no longer pending ('completed' or 'error'). An unknown ID is retried
 * for a while (eventual consistency); a snapshot that disappears after it was seen fails the wait.
 */
export async function waitForSnapshot(
  ec2: EC2Client,
  snapshotId: string,
  options: PollOptions & { unknownForMs?: number },
): Promise<{ state: string; message: string | undefined }> {
  const unknownUntil = Date.now() + (options.unknownForMs ?? 120_000);
  let seen = false;
  return poll(
    `snapshot ${snapshotId}`,
    async () => {
      try {
        const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
        const snapshot = Snapshots?.[0];
        if (snapshot) seen = true;
        if (!snapshot || snapshot.State === 'pending') return undefined;
        return { state: snapshot.State ?? 'unknown', message: snapshot.StateMessage };
      } catch (error) {
        if (!isNotFound(error)) throw error;
        if (seen || Date.now() > unknownUntil)
          throw new Error(`snapshot ${snapshotId} no longer exists (deleted by another run or by hand)`, {
            cause: error,
          });
        return undefined;
      }
    },
    options,
  );
}
