import { createHash } from 'node:crypto';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import {
  CompleteSnapshotCommand,
  EBSClient,
  GetSnapshotBlockCommand,
  ListSnapshotBlocksCommand,
  StartSnapshotCommand,
} from '@aws-sdk/client-ebs';
import { ADMIN_CREDENTIALS, Emulator } from '../../emulator/server.js';

const BLOCK = 524288;

/** Starts the emulator and points the SDK at it the standard way (AWS_ENDPOINT_URL). */
const EMULATOR_ENV = [
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
] as const;

/**
 * The emulator on 127.0.0.1, and the SDK's environment pointing at it until it stops: the test
 * files share worker processes, so stop() puts back what the environment held before.
 */
export async function startEmulator(): Promise<Emulator> {
  const emulator = new Emulator();
  const before = Object.fromEntries(EMULATOR_ENV.map((name) => [name, process.env[name]]));
  process.env.AWS_ENDPOINT_URL = await emulator.start();
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEMULATOR';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
  process.env.AWS_REGION = 'us-east-1';
  // Every request fedimg makes in the tests carries a signature the emulator checks.
  emulator.addCredentials('AKIDEMULATOR', 'secret');
  const stop = emulator.stop.bind(emulator);
  emulator.stop = async () => {
    await stop();
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  return emulator;
}

/** Resolves once the emulator has been asked for `operation` (answered, refused or faulted). */
export async function untilAsked(emulator: Emulator, operation: string): Promise<void> {
  while (!emulator.requests().some((request) => request.operation === operation))
    await new Promise((resolve) => setTimeout(resolve, 20));
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
  const ebs = new EBSClient({ region, credentials: ADMIN_CREDENTIALS });
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
  const ec2 = new EC2Client({ region, credentials: ADMIN_CREDENTIALS });
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

/**
 * A completed empty snapshot and an AMI registered from it, made by the account's administrator
 * (through the SDK), carrying exactly `tags` (snapshot and AMI alike); `public` makes the AMI
 * launchable by all. With `snapshotId` the AMI is registered from that snapshot instead (a look-alike
 * of one fedimg made). For tests of what fedimg must leave alone, or may act on.
 */
export async function makeAmi(
  options: {
    tags?: Record<string, string>;
    name?: string;
    region?: string;
    snapshotId?: string;
    public?: boolean;
  } = {},
): Promise<{ imageId: string; snapshotId: string }> {
  const region = options.region ?? 'us-east-1';
  const Tags = tagList(options.tags ?? {});
  const ec2 = new EC2Client({ region, credentials: ADMIN_CREDENTIALS });
  try {
    const snapshotId = options.snapshotId ?? (await completedSnapshot(options.tags ?? {}, region));
    const { ImageId } = await ec2.send(
      new RegisterImageCommand({
        Name: options.name ?? `someone-else-${snapshotId}`,
        Architecture: 'x86_64',
        RootDeviceName: '/dev/sda1',
        VirtualizationType: 'hvm',
        BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: snapshotId } }],
        TagSpecifications: Tags ? [{ ResourceType: 'image', Tags }] : undefined,
      }),
    );
    if (options.public)
      await ec2.send(
        new ModifyImageAttributeCommand({ ImageId, LaunchPermission: { Add: [{ Group: 'all' }] } }),
      );
    return { imageId: ImageId!, snapshotId };
  } finally {
    ec2.destroy();
  }
}

/** Tags as the API takes them; none at all for an empty set. */
function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> | undefined {
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return list.length > 0 ? list : undefined;
}

/** A snapshot started (as an import does) and never completed, carrying `tags`. */
export async function unfinishedSnapshot(
  tags: Record<string, string>,
  region = 'us-east-1',
): Promise<string> {
  const ebs = new EBSClient({ region, credentials: ADMIN_CREDENTIALS });
  try {
    const { SnapshotId } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Tags: tagList(tags) }));
    return SnapshotId!;
  } finally {
    ebs.destroy();
  }
}

/** An empty snapshot carrying `tags`, completed: returned once DescribeSnapshots says so. */
export async function completedSnapshot(tags: Record<string, string>, region = 'us-east-1'): Promise<string> {
  const snapshotId = await unfinishedSnapshot(tags, region);
  const ebs = new EBSClient({ region, credentials: ADMIN_CREDENTIALS });
  const ec2 = new EC2Client({ region, credentials: ADMIN_CREDENTIALS });
  try {
    await ebs.send(new CompleteSnapshotCommand({ SnapshotId: snapshotId, ChangedBlocksCount: 0 }));
    for (;;) {
      const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
      if (Snapshots?.[0]?.State === 'completed') return snapshotId;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    ebs.destroy();
    ec2.destroy();
  }
}

/**
 * A running instance of `imageId` carrying `tags`, launched by the account's administrator once the
 * AMI is available; returned once it runs (a few milliseconds, in the emulator).
 */
export async function instanceOf(imageId: string, tags: Record<string, string>): Promise<string> {
  const ec2 = new EC2Client({ region: 'us-east-1', credentials: ADMIN_CREDENTIALS });
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  try {
    while (
      (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0]?.State !== 'available'
    )
      await pause();
    const { Instances } = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [{ ResourceType: 'instance', Tags: tagList(tags) }],
      }),
    );
    const instanceId = Instances![0]!.InstanceId!;
    const state = async () =>
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]
        ?.Instances?.[0]?.State?.Name;
    while ((await state()) !== 'running') await pause();
    return instanceId;
  } finally {
    ec2.destroy();
  }
}
