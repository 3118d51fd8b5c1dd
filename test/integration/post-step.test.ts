import { CompleteSnapshotCommand, EBSClient, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import {
  EC2Client,
  ImportSnapshotCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import { runPost } from '../../src/action/post.js';
import { AwsClients } from '../../src/aws/clients.js';
import { cleanupPending } from '../../src/aws/cleanup-pending.js';
import type { PendingResource } from '../../src/aws/pending.js';
import { terminalLog, type Log } from '../../src/log.js';
import { startEmulator } from '../helpers/aws.js';

// The post step's removal of what a dead main step left (src/aws/cleanup-pending.ts), in process
// against the emulator: the bundled action's post step is tested in test/dist/trust.test.ts; these
// pin each of its guards in src/ too, so that removing one fails a test whichever way it is run.

const REGION = 'us-east-1';
const RUN = 'https://github.com/fedora-cloud/fedimg/actions/runs/42';
const OTHER_RUN = 'https://github.com/fedora-cloud/fedimg/actions/runs/41';
const ours = (run = RUN): Tag[] => [
  { Key: 'ManagedBy', Value: 'fedimg' },
  { Key: 'fedimg:run-url', Value: run },
];

let emulator: Emulator;
let clients: AwsClients;
beforeAll(async () => {
  emulator = await startEmulator();
  clients = new AwsClients({ concurrency: 2 });
});
afterAll(async () => {
  clients?.destroy();
  await emulator?.stop();
});
beforeEach(() => emulator.reset());

async function snapshot(
  tags: Tag[],
  complete = false,
): Promise<{ kind: 'snapshot'; region: string; id: string }> {
  const ebs = new EBSClient({ region: REGION });
  const { SnapshotId } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Tags: tags }));
  if (complete) {
    await ebs.send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: 0 }));
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return { kind: 'snapshot', region: REGION, id: SnapshotId! };
}

async function register(SnapshotId: string) {
  const registered = await new EC2Client({ region: REGION }).send(
    new RegisterImageCommand({
      Name: `image-${SnapshotId}`,
      RootDeviceName: '/dev/sda1',
      BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId } }],
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 150)); // available
  return registered;
}

async function instance(tags: Tag[]): Promise<Extract<PendingResource, { kind: 'instance' }>> {
  const { ImageId } = await register((await snapshot([], true)).id);
  const { Instances } = await new EC2Client({ region: REGION }).send(
    new RunInstancesCommand({
      ImageId,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [{ ResourceType: 'instance', Tags: tags }],
    }),
  );
  return { kind: 'instance', region: REGION, id: Instances![0]!.InstanceId! };
}

/** Runs the post step's removal; what it printed, and what is still there. */
async function postStep(items: PendingResource[], run: string | undefined) {
  let printed = '';
  const log = terminalLog({ stream: { write: (text: string) => Boolean((printed += text)) } as never });
  const cleaned = await cleanupPending(items, clients, log, run);
  const inventory = emulator.inventory();
  const present = (item: PendingResource) =>
    item.kind === 'snapshot'
      ? inventory.snapshots.some((snapshot) => snapshot.id === item.id)
      : item.kind === 'instance'
        ? inventory.instances.some(
            (entry) => entry.id === item.id && !['shutting-down', 'terminated'].includes(entry.state),
          )
        : undefined;
  return { cleaned, printed, present };
}

describe('the post step removes only fedimg’s own resources of this run', () => {
  it('removes this run’s own unfinished snapshot and boot-test instance', async () => {
    const items = [
      await snapshot(ours()),
      await instance([...ours(), { Key: 'fedimg:boot-test', Value: 'x' }]),
    ];
    const { cleaned, present } = await postStep(items, RUN);
    expect(cleaned).toBe(2);
    expect(items.map(present)).toEqual([false, false]);
  });

  it('leaves a resource carrying this run’s tag but not ManagedBy=fedimg (another owner’s)', async () => {
    const item = await snapshot([{ Key: 'fedimg:run-url', Value: RUN }]);
    const { present, printed } = await postStep([item], RUN);
    expect(present(item)).toBe(true);
    expect(printed).toBe(
      `warning: fedimg post: snapshot:${REGION}:${item.id} left alone: it is not marked ManagedBy=fedimg (fedimg removes only what its own run created).\n`,
    );
  });

  it('leaves a fedimg resource of another run', async () => {
    const item = await snapshot(ours(OTHER_RUN));
    const { present, printed } = await postStep([item], RUN);
    expect(present(item)).toBe(true);
    expect(printed).toMatch(/left alone: it belongs to another run \(.*runs\/41\)/);
  });

  it('leaves everything when it cannot tell which run it belongs to', async () => {
    const item = await snapshot(ours());
    const { present, printed } = await postStep([item], undefined);
    expect(present(item)).toBe(true);
    expect(printed).toMatch(/left alone: this step cannot tell which run/);
  });

  it('terminates only boot-test instances, not another fedimg-tagged instance of this run', async () => {
    const item = await instance(ours());
    const { present, printed } = await postStep([item], RUN);
    expect(present(item)).toBe(true);
    expect(printed).toMatch(/left alone: it is not a fedimg boot-test instance/);
  });

  it('never removes a snapshot an AMI uses (AWS refuses; the step warns and goes on)', async () => {
    const item = await snapshot(ours(), true);
    await register(item.id);
    const { present, printed } = await postStep([item], RUN);
    expect(present(item)).toBe(true);
    expect(printed).toMatch(/Could not remove unfinished/);
  });

  it('removes this run’s staging object and leaves another run’s', async () => {
    const s3 = new S3Client({ region: REGION, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'fedimg-staging-bucket' }));
    const put = (key: string, run: string) =>
      s3.send(
        new PutObjectCommand({
          Bucket: 'fedimg-staging-bucket',
          Key: key,
          Body: 'raw',
          Metadata: { 'managed-by': 'fedimg', 'run-url': run },
        }),
      );
    await put('fedimg-staging/a/mine.raw', RUN);
    await put('fedimg-staging/b/theirs.raw', OTHER_RUN);
    const object = (key: string): PendingResource => ({
      kind: 's3-object',
      region: REGION,
      bucket: 'fedimg-staging-bucket',
      key,
    });
    const { cleaned, printed } = await postStep(
      [object('fedimg-staging/a/mine.raw'), object('fedimg-staging/b/theirs.raw')],
      RUN,
    );
    expect(cleaned).toBe(1);
    expect(printed).toMatch(/theirs\.raw left alone: it belongs to another run/);
    expect(emulator.inventory().objects.map((entry) => entry.key)).toEqual(['fedimg-staging/b/theirs.raw']);
  });
});

describe('the post step and resources that went away', () => {
  it('counts a snapshot that no longer exists as gone, and says so', async () => {
    const item = { kind: 'snapshot' as const, region: REGION, id: 'snap-0123456789abcdef0' };
    const { cleaned, printed } = await postStep([item], RUN);
    expect(cleaned).toBe(1);
    expect(printed).toBe(`snapshot:${REGION}:${item.id} is already gone.\n`);
  });

  it('counts a snapshot deleted between the check and the removal as removed, quietly', async () => {
    const item = await snapshot(ours());
    emulator.addFault({
      operation: 'DeleteSnapshot',
      kind: 'server-error',
      code: 'InvalidSnapshot.NotFound',
      count: 100,
    });
    const { cleaned, printed } = await postStep([item], RUN);
    expect(cleaned).toBe(1);
    expect(printed).toBe('');
  });

  it('warns, and removes nothing, when it cannot tell whether a resource still exists', async () => {
    const item = await snapshot(ours());
    emulator.addFault({ operation: 'DescribeSnapshots', kind: 'server-error', count: 100 });
    const { cleaned, printed, present } = await postStep([item], RUN);
    expect(cleaned).toBe(0);
    expect(printed).toMatch(
      new RegExp(`^warning: fedimg post: Could not remove unfinished snapshot:${REGION}:${item.id}: `),
    );
    expect(present(item)).toBe(true);
  });

  it('names a fedimg resource without a run tag as another run’s (unknown)', async () => {
    const item = await snapshot([{ Key: 'ManagedBy', Value: 'fedimg' }]);
    const { present, printed } = await postStep([item], RUN);
    expect(present(item)).toBe(true);
    expect(printed).toContain('left alone: it belongs to another run (unknown), not this one.');
  });
});

describe('the post step looks up exactly the resource the state names', () => {
  it('judges each snapshot by its own tags, not another one’s in the account', async () => {
    // Made in both orders: a lookup of "any snapshot" would judge one by the other's tags.
    const mineFirst = await snapshot(ours());
    const foreignAfter = await snapshot([{ Key: 'fedimg:run-url', Value: RUN }]);
    const { present, printed } = await postStep([foreignAfter], RUN);
    expect(present(foreignAfter)).toBe(true);
    expect(printed).toMatch(/left alone: it is not marked ManagedBy=fedimg/);
    const removed = await postStep([mineFirst], RUN);
    expect(removed.cleaned).toBe(1);
    expect(removed.present(mineFirst)).toBe(false);
  });

  it('judges each instance by its own tags, and counts a terminated one as gone', async () => {
    const bootTest = await instance([...ours(), { Key: 'fedimg:boot-test', Value: 'x' }]);
    const foreign = await instance([{ Key: 'fedimg:run-url', Value: RUN }]);
    const { present, printed } = await postStep([foreign], RUN);
    expect(present(foreign)).toBe(true);
    expect(printed).toMatch(/left alone: it is not marked ManagedBy=fedimg/);
    await new EC2Client({ region: REGION }).send(
      new TerminateInstancesCommand({ InstanceIds: [bootTest.id] }),
    );
    await new Promise((resolve) => setTimeout(resolve, 150)); // terminated
    const again = await postStep([bootTest], RUN);
    expect(again.cleaned).toBe(1);
    expect(again.printed).toBe(`instance:${REGION}:${bootTest.id} is already gone.\n`);
  });
});

describe('the post step and import tasks', () => {
  it('cancels this run’s active import task, leaves another run’s, and counts a finished one as gone', async () => {
    emulator.setDurations({ import: 60_000 });
    const s3 = new S3Client({ region: REGION, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'fedimg-staging-bucket' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'fedimg-staging-bucket', Key: 'disk.raw', Body: Buffer.alloc(4096) }),
    );
    const ec2 = new EC2Client({ region: REGION });
    const task = async (tags: Tag[]): Promise<Extract<PendingResource, { kind: 'import-task' }>> => {
      const { ImportTaskId } = await ec2.send(
        new ImportSnapshotCommand({
          DiskContainer: {
            Format: 'RAW',
            UserBucket: { S3Bucket: 'fedimg-staging-bucket', S3Key: 'disk.raw' },
          },
          TagSpecifications: [{ ResourceType: 'import-snapshot-task', Tags: tags }],
        }),
      );
      return { kind: 'import-task', region: REGION, id: ImportTaskId! };
    };
    const mine = await task(ours());
    const theirs = await task(ours(OTHER_RUN));
    const { cleaned, printed } = await postStep([theirs, mine], RUN);
    expect(cleaned).toBe(1);
    expect(printed).toContain(`Removed unfinished import-task:${REGION}:${mine.id}.`);
    expect(printed).toMatch(/left alone: it belongs to another run/);
    const status = (item: { id: string }) =>
      emulator.inventory().importTasks.find((each) => each.id === item.id)?.status;
    expect(status(mine)).toBe('deleting');
    expect(status(theirs)).toBe('active');

    // Finished (here: cancelled) tasks are gone: nothing to cancel.
    const again = await postStep([mine], RUN);
    expect(again.cleaned).toBe(1);
    expect(again.printed).toBe(`import-task:${REGION}:${mine.id} is already gone.\n`);
  });
});

describe('the post step reads its stage and the main step’s state as the runner hands them over', () => {
  // runPost as the bundled post step calls it: the stage input in INPUT_STAGE, the main step's
  // saved state in STATE_pending, this run from GITHUB_* (test/dist runs the same through dist/).
  const run = (stage: string | undefined, state: string | undefined, log?: Log) => {
    if (stage !== undefined) vi.stubEnv('INPUT_STAGE', stage);
    if (state !== undefined) vi.stubEnv('STATE_pending', state);
    vi.stubEnv('GITHUB_SERVER_URL', 'https://github.com');
    vi.stubEnv('GITHUB_REPOSITORY', 'fedora-cloud/fedimg');
    vi.stubEnv('GITHUB_RUN_ID', '42');
    let printed = '';
    const stream = { write: (text: string) => Boolean((printed += text)) } as never;
    return runPost(log ?? terminalLog({ stream })).then(() => printed);
  };
  afterEach(() => vi.unstubAllEnvs());

  it('removes what an import main step left unfinished', async () => {
    const item = await snapshot(ours());
    // Its clients' connections are closed when it is done, so the post step's process can end.
    const destroy = vi.spyOn(AwsClients.prototype, 'destroy');
    const printed = await run('import', JSON.stringify([item]));
    expect(destroy).toHaveBeenCalledTimes(1);
    destroy.mockRestore();
    expect(printed).toContain('fedimg post: the main step left 1 unfinished resource(s); removing them.');
    expect(emulator.inventory().snapshots.map((each) => each.id)).not.toContain(item.id);
  });

  it('removes nothing for a stage that leaves nothing unfinished, whatever the state says', async () => {
    const item = await snapshot(ours());
    const state = JSON.stringify([item]);
    expect(await run('copy', state)).toBe('fedimg post: the copy stage leaves nothing unfinished.\n');
    // No stage input: the action's default stage, plan.
    vi.stubEnv('INPUT_STAGE', '');
    expect(await run(undefined, state)).toBe('fedimg post: the plan stage leaves nothing unfinished.\n');
    expect(await run('no-such-stage', state)).toBe(
      'fedimg post: the given stage leaves nothing unfinished.\n',
    );
    expect(emulator.inventory().snapshots.map((each) => each.id)).toContain(item.id);
  });

  it('removes nothing when the state is not what fedimg writes, and says so', async () => {
    const item = await snapshot(ours());
    expect(await run('boot-test', `[${JSON.stringify(item)}`)).toBe(
      'warning: fedimg post: The saved state "pending" is not what fedimg writes (it is not JSON); nothing was removed.\n',
    );
    expect(emulator.inventory().snapshots.map((each) => each.id)).toContain(item.id);
  });

  it('says when nothing was left unfinished', async () => {
    expect(await run('import', '')).toBe('fedimg post: nothing was left unfinished.\n');
    expect(await run('import', '[]')).toBe('fedimg post: nothing was left unfinished.\n');
  });

  it('never fails the job: a failure while cleaning up is a warning', async () => {
    const item = await snapshot(ours());
    let printed = '';
    const log = terminalLog({ stream: { write: (text: string) => Boolean((printed += text)) } as never });
    const failing: Log = {
      ...log,
      info: (message) => {
        if (message.includes('removing them')) throw new Error('the log is gone');
        log.info(message);
      },
    };
    await expect(run('import', JSON.stringify([item]), failing)).resolves.toBe('');
    expect(printed).toBe('warning: fedimg post: Clean-up failed: the log is gone\n');
    expect(emulator.inventory().snapshots.map((each) => each.id)).toContain(item.id);
  });
});
