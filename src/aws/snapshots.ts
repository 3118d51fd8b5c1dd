import {
  DeleteSnapshotCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  ModifySnapshotAttributeCommand,
  paginateDescribeSnapshots,
  type EC2Client,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { poll, type PollOptions } from '../util/poll.js';
import { isNotFound } from './errors.js';
import { audienceOf, permissionsOf, type Audience, type Grant } from './images.js';
import { everyItem, PAGE_SIZE } from './pages.js';
import { MANAGED_BY, TAG } from './tags.js';

/** Snapshots: finding fedimg's, waiting for them, sharing and removing them. */

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

/** Every snapshot in the region tagged as fedimg's. */
export function fedimgSnapshots(ec2: EC2Client): Promise<Snapshot[]> {
  return everyItem(
    paginateDescribeSnapshots(
      { client: ec2, pageSize: PAGE_SIZE },
      { OwnerIds: ['self'], Filters: [{ Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] }] },
    ),
    (page) => page.Snapshots,
  );
}

/** The IDs among these snapshots that are encrypted (an encrypted snapshot can never be public). */
export async function encryptedSnapshots(ec2: EC2Client, snapshotIds: string[]): Promise<string[]> {
  if (snapshotIds.length === 0) return [];
  const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }));
  return (Snapshots ?? []).filter((snapshot) => snapshot.Encrypted).map((snapshot) => snapshot.SnapshotId!);
}

export async function grantCreateVolume(ec2: EC2Client, snapshotId: string, grant: Grant): Promise<void> {
  await ec2.send(
    new ModifySnapshotAttributeCommand({
      SnapshotId: snapshotId,
      CreateVolumePermission: { Add: permissionsOf(grant) },
    }),
  );
}

export async function revokePublicCreateVolume(ec2: EC2Client, snapshotId: string): Promise<void> {
  await ec2.send(
    new ModifySnapshotAttributeCommand({
      SnapshotId: snapshotId,
      CreateVolumePermission: { Remove: [{ Group: 'all' }] },
    }),
  );
}

/** Who may create volumes from the snapshot: everyone, and which accounts. */
export async function snapshotPermissions(ec2: EC2Client, snapshotId: string): Promise<Audience> {
  const attribute = await ec2.send(
    new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }),
  );
  return audienceOf(attribute.CreateVolumePermissions ?? []);
}
