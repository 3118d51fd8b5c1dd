import { createHash } from 'node:crypto';
import { DescribeImagesCommand, EC2Client, type Image } from '@aws-sdk/client-ec2';
import { EBSClient, GetSnapshotBlockCommand, ListSnapshotBlocksCommand } from '@aws-sdk/client-ebs';
import { Emulator } from '../emulator/server.js';

const BLOCK = 524288;

/** Starts the emulator and points the SDK at it the standard way (AWS_ENDPOINT_URL). */
export async function startEmulator(): Promise<Emulator> {
  const emulator = new Emulator();
  process.env.AWS_ENDPOINT_URL = await emulator.start();
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEMULATOR';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
  process.env.AWS_REGION = 'us-east-1';
  return emulator;
}

/**
 * sha256 over the first `blocks` blocks of a snapshot as a volume reads it (unwritten blocks are
 * zeros), read back through the EBS direct read APIs.
 */
export async function snapshotSha256(
  snapshotId: string,
  blocks: number,
  region = 'us-east-1',
): Promise<string> {
  const ebs = new EBSClient({ region });
  const written = new Map<number, string>();
  let NextToken: string | undefined;
  do {
    const page = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId, NextToken }));
    for (const block of page.Blocks ?? []) written.set(block.BlockIndex!, block.BlockToken!);
    NextToken = page.NextToken;
  } while (NextToken);
  const hash = createHash('sha256');
  const zero = Buffer.alloc(BLOCK);
  for (let index = 0; index < blocks; index++) {
    const token = written.get(index);
    if (!token) {
      hash.update(zero);
      continue;
    }
    const got = await ebs.send(
      new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: index, BlockToken: token }),
    );
    hash.update(await got.BlockData!.transformToByteArray());
  }
  ebs.destroy();
  return hash.digest('hex');
}

export async function describeImage(imageId: string, region = 'us-east-1'): Promise<Image> {
  const ec2 = new EC2Client({ region });
  const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
  ec2.destroy();
  return Images![0]!;
}

/** What an emulator holds that a finished or failed run must not leave behind. */
export function leaks(emulator: Emulator) {
  const inventory = emulator.inventory();
  return {
    openSnapshots: inventory.snapshots.filter((snapshot) => snapshot.state !== 'completed'),
    orphanSnapshots: inventory.snapshots.filter(
      (snapshot) =>
        snapshot.state === 'completed' &&
        !inventory.images.some((image) => image.snapshotIds.includes(snapshot.id)),
    ),
    runningInstances: inventory.instances.filter((instance) => instance.state !== 'terminated'),
    objects: inventory.objects,
    multipartUploads: inventory.multipartUploads,
    activeImports: inventory.importTasks.filter((task) => task.status === 'active'),
    duplicateAmis: inventory.images.filter((image, index) =>
      inventory.images.some(
        (other, otherIndex) =>
          otherIndex < index && other.region === image.region && other.name === image.name,
      ),
    ),
  };
}

/** Nothing leaked: no instance running, no open or orphaned snapshot, no duplicate AMI, no staging leftovers. */
export function expectClean(
  emulator: Emulator,
  expect: (value: unknown) => { toEqual(expected: unknown): void },
): void {
  const found = leaks(emulator);
  for (const [kind, items] of Object.entries(found)) expect({ [kind]: items }).toEqual({ [kind]: [] });
}

/** Resolves once the emulator has accepted `count` PutSnapshotBlock requests (an upload is under way). */
export async function blocksUploaded(emulator: Emulator, count: number): Promise<void> {
  const accepted = () =>
    emulator
      .requests()
      .filter((request) => request.operation === 'PutSnapshotBlock' && request.status === 201).length;
  while (accepted() < count) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** What an AWS credentials step would export for a job: the emulator, throw-away keys, the base region. */
export function emulatorStepEnv(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL!,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
    AWS_REGION: 'us-east-1',
  };
}
