import { CompleteSnapshotCommand, EBSClient, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import {
  CopySnapshotCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { unwatched, type InputName } from '../../src/settings/index.js';
import { terminalLog } from '../../src/log.js';
import { fastSettings } from '../helpers/settings.js';
import { runBootTest } from '../../src/stages/boot-test.js';
import { runCleanup } from '../../src/stages/cleanup.js';
import { runImport } from '../../src/stages/import.js';
import { runPublish } from '../../src/stages/publish.js';
import type { Emulator } from '../../emulator/server.js';
import { generateCompose, type GeneratedCompose } from '../fixtures/compose.js';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';
import { makeAmi, startEmulator } from '../helpers/aws.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const DAY = 24 * 3600 * 1000;

let dir: string;
let emulator: Emulator;
let files: FileServer;
let nightly: GeneratedCompose;
let release: GeneratedCompose;
let dated: GeneratedCompose;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-cleanup-'));
  emulator = await startEmulator();
  [nightly, release, dated] = await Promise.all([
    generateCompose(join(dir, 'n'), {
      composeId: 'Fedora-Rawhide-20260404.n.0',
      rawSize: 1024 * 1024,
      arches: ['x86_64'],
    }),
    generateCompose(join(dir, 'r'), {
      composeId: 'Fedora-43-20260405.0',
      rawSize: 1024 * 1024,
      arches: ['x86_64'],
    }),
    // A Fedora-Cloud dated update compose: production, but no milestone label.
    generateCompose(join(dir, 'd'), {
      composeId: 'Fedora-Cloud-43-20260406.0',
      label: null,
      rawSize: 1024 * 1024,
      arches: ['x86_64'],
    }),
  ]);
  files = await startFileServer(dir);
}, 120_000);
afterAll(async () => {
  await files?.close();
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => emulator.reset());

function settings(
  stage: string,
  compose: GeneratedCompose | undefined,
  parent = '',
  extra: Partial<Record<InputName, string>> = {},
) {
  const values: Partial<Record<InputName, string>> = {
    stage,
    ...(compose ? { 'compose-location': `${files.url}${parent}/${compose.composeId}/compose` } : {}),
    'allowed-hosts': files.host,
    'allow-http': 'true',
    regions: 'eu-west-1',
    'release-deprecation-days': '60',
    'events-file': join(dir, 'events.ndjson'),
    ...extra,
  };
  return fastSettings(values);
}

async function published(compose: GeneratedCompose, parent: string): Promise<void> {
  await runImport(settings('import', compose, parent), quiet);
  await runBootTest(settings('boot-test', compose, parent), quiet);
  await runPublish(settings('publish', compose, parent, { regions: 'us-east-1' }), quiet);
}

describe('expiry by what a compose is', () => {
  it('expires a dated update compose by default, and keeps it when the policy says only nightlies expire', async () => {
    await published(dated, 'd');
    const ami = emulator.inventory().images.find((image) => image.name.includes('-43-20260406.0'))!;
    expect(ami.tags['fedimg:compose-kind']).toBe('dated');

    const later = { now: () => Date.now() + 31 * DAY };
    const onlyNightlies = await runCleanup(
      settings('cleanup', undefined, '', { 'dry-run': 'true', 'expiring-composes': 'nightly' }),
      quiet,
      later,
    );
    expect(onlyNightlies).toEqual([]);
    let printed = '';
    const log = terminalLog({ stream: { write: (text: string) => Boolean((printed += text)) } as never });
    const destroy = vi.spyOn(AwsClients.prototype, 'destroy');
    const byDefault = await runCleanup(settings('cleanup', undefined, '', { 'dry-run': 'true' }), log, later);
    expect(byDefault.map((action) => [action.action, action.id])).toEqual([['make-private', ami.id]]);
    // What it would do, line by line; no warnings (its times are ISO 8601); its clients closed.
    expect(printed).toMatch(
      new RegExp(
        `^us-east-1: would make-private ${ami.id} \\(deprecated since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)$`,
        'm',
      ),
    );
    expect(printed).toMatch(/^Cleanup \(dry run\) would take 1 action\(s\) in \d+ region\(s\)\.$/m);
    expect(printed).not.toMatch(/^warning:/m);
    expect(destroy).toHaveBeenCalledTimes(1);
    // Clients handed in are the caller's to close.
    const clients = new AwsClients({ concurrency: 2 });
    await runCleanup(settings('cleanup', undefined, '', { 'dry-run': 'true' }), quiet, { ...later, clients });
    expect(destroy).toHaveBeenCalledTimes(1);
    clients.destroy();
    destroy.mockRestore();
  }, 120_000);
});

describe('expiry of AMIs an older fedimg made (a compose-type tag, no kind tag)', () => {
  it('takes a production compose for a release and any other type for its kind; no type, no expiry', async () => {
    const ec2 = new EC2Client({ region: 'us-east-1' });
    const ami = async (name: string, type?: string) => {
      const { imageId: ImageId } = await makeAmi({
        name,
        tags: { ManagedBy: 'fedimg', ...(type === undefined ? {} : { 'fedimg:compose-type': type }) },
      });
      await ec2.send(new EnableImageDeprecationCommand({ ImageId, DeprecateAt: new Date(Date.now() + DAY) }));
      return ImageId!;
    };
    const production = await ami('old-release', 'production');
    const nightly = await ami('old-nightly', 'nightly');
    const test = await ami('old-test', 'test');
    await ami('old-untyped');
    const expiring = async (kinds: string) =>
      (
        await runCleanup(
          settings('cleanup', undefined, '', { 'dry-run': 'true', 'expiring-composes': kinds }),
          quiet,
          {
            now: () => Date.now() + 2 * DAY,
          },
        )
      )
        .map((action) => action.id)
        .sort();
    expect(await expiring('nightly,test,ci,development,dated')).toEqual([nightly, test].sort());
    expect(await expiring('ga')).toEqual([production]);
    expect(await expiring('nightly')).toEqual([nightly]);
  }, 60_000);
});

describe('the limits cleanup acts at', () => {
  it('acts from the very moment each limit is reached, not before, and says why', async () => {
    const ebs = new EBSClient({ region: 'us-east-1' });
    const ec2 = new EC2Client({ region: 'us-east-1' });
    const ours = [{ Key: 'ManagedBy', Value: 'fedimg' }];
    const orphan = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Tags: ours }));
    await ebs.send(new CompleteSnapshotCommand({ SnapshotId: orphan.SnapshotId, ChangedBlocksCount: 0 }));
    const { imageId: ImageId } = await makeAmi({
      name: 'nightly-at-the-limit',
      tags: { ManagedBy: 'fedimg', 'fedimg:compose-kind': 'nightly' },
    });
    await ec2.send(new EnableImageDeprecationCommand({ ImageId, DeprecateAt: new Date(Date.now() + DAY) }));
    const [image] = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images!;
    const deprecated = new Date(image!.DeprecationTime!).getTime();
    const [snapshot] = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [orphan.SnapshotId!] })))
      .Snapshots!;
    const started = snapshot!.StartTime!.getTime();
    const config = unwatched(settings('cleanup', undefined)).cleanup;
    const at = (time: number) =>
      runCleanup(settings('cleanup', undefined, '', { 'dry-run': 'true' }), quiet, { now: () => time });
    const summary = (actions: Awaited<ReturnType<typeof at>>) =>
      actions.map((action) => `${action.action} ${action.id} (${action.reason})`).sort();

    // The orphan: one millisecond short of orphan-after-hours, then exactly that old.
    const orphanLimit = started + config.orphanAfterHours * 3600_000;
    expect(summary(await at(Math.min(orphanLimit, deprecated) - 1))).toEqual([]);
    expect(summary(await at(orphanLimit))).toContain(
      `delete-snapshot ${orphan.SnapshotId} (no AMI uses it (${config.orphanAfterHours} h old))`,
    );
    // The AMI: made private from its deprecation time on.
    expect(summary(await at(deprecated))).toContain(
      `make-private ${ImageId} (deprecated since ${new Date(deprecated).toISOString()})`,
    );
    // A boot-test instance left running: terminated from instance-max-hours on.
    const { Instances } = await ec2.send(
      new RunInstancesCommand({
        ImageId,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [
          { ResourceType: 'instance', Tags: [...ours, { Key: 'fedimg:boot-test', Value: ImageId! }] },
        ],
      }),
    );
    const instance = Instances![0]!;
    const instanceLimit = instance.LaunchTime!.getTime() + config.instanceMaxHours * 3600_000;
    expect(summary(await at(instanceLimit - 1)).filter((line) => line.startsWith('terminate'))).toEqual([]);
    expect(summary(await at(instanceLimit))).toContain(
      `terminate-instance ${instance.InstanceId} (boot-test instance ${config.instanceMaxHours} h old)`,
    );
    const expiredAt = deprecated + 1000;
    await runCleanup(settings('cleanup', undefined), quiet, { now: () => expiredAt });
    // Deleted delete-after-days after it was made private, not a millisecond earlier.
    const deleteLimit = expiredAt + config.deleteAfterDays * DAY;
    expect(summary(await at(deleteLimit - 1)).filter((line) => line.startsWith('delete-ami'))).toEqual([]);
    expect(summary(await at(deleteLimit))).toContain(
      `delete-ami ${ImageId} (private since ${new Date(expiredAt).toISOString()})`,
    );
  }, 60_000);
});

describe('tag values cleanup does not trust', () => {
  it('leaves an AMI whose expiry tag is not an ISO 8601 time alone, and says so', async () => {
    const nightly = { ManagedBy: 'fedimg', 'fedimg:compose-kind': 'nightly' };
    const { imageId: ImageId } = await makeAmi({
      name: 'expired-long-ago',
      tags: { ...nightly, 'fedimg:expired-at': 'last tuesday' },
    });
    // A nightly never deprecated has no time to distrust: nothing to warn about.
    const never = await makeAmi({ name: 'never-deprecated', tags: nightly });
    let printed = '';
    const log = terminalLog({ stream: { write: (text: string) => Boolean((printed += text)) } as never });
    const actions = await runCleanup(settings('cleanup', undefined), log, {
      now: () => Date.now() + 365 * DAY,
    });
    expect(actions).toEqual([]);
    expect(printed.match(/^warning:/gm)).toHaveLength(1);
    expect(printed).toContain(
      `warning: fedimg cleanup: us-east-1: ${ImageId} has the tag fedimg:expired-at "last tuesday", which is not an ISO 8601 time; leaving the AMI alone.`,
    );
    expect(emulator.inventory().images.map((image) => image.id)).toEqual([ImageId, never.imageId]);
  });
});

describe('cleanup stage', () => {
  it('reports an action AWS refused as not done, names it, and goes on', async () => {
    await published(dated, 'd');
    const ami = emulator.inventory().images.find((image) => image.name.includes('-43-20260406.0'))!;
    emulator.addFault({ operation: 'ModifyImageAttribute', kind: 'server-error', count: 1000 });
    let printed = '';
    const log = terminalLog({ stream: { write: (text: string) => Boolean((printed += text)) } as never });
    const actions = await runCleanup(settings('cleanup', undefined), log, {
      now: () => Date.now() + 31 * DAY,
    });
    expect(actions.map((action) => [action.region, action.action, action.id, action.done])).toEqual([
      ['us-east-1', 'make-private', ami.id, false],
    ]);
    expect(printed).toMatch(
      new RegExp(
        `warning: fedimg cleanup: us-east-1: could not make-private ${ami.id}: .*ModifyImageAttribute`,
      ),
    );
    expect(printed).toMatch(/^Cleanup took 1 action\(s\) in \d+ region\(s\)\.$/m);
    expect(printed).toMatch(new RegExp(`^us-east-1: make-private ${ami.id} \\(deprecated since `, 'm'));
    // Every enabled region is swept; the others are named once.
    expect(printed).toMatch(/^notice: fedimg cleanup: Skipping region\(s\) not enabled for this account: /m);
    expect(emulator.inventory().images.find((image) => image.id === ami.id)!.public).toBe(true);
  }, 120_000);

  it('makes expired nightlies private, deletes them after the grace period, and never touches releases; a dry run changes nothing', async () => {
    await published(nightly, 'n');
    await published(release, 'r');
    const nightlyAmi = emulator.inventory().images.find((image) => image.name.includes('Rawhide'))!;
    const releaseAmi = emulator.inventory().images.find((image) => image.name.includes('-43-'))!;
    expect(nightlyAmi.public && releaseAmi.public).toBe(true);
    // Someone else's public AMI carrying fedimg's kind tag, deprecated like a nightly, but not
    // ManagedBy=fedimg: the sweep never touches it.
    const ec2 = new EC2Client({ region: 'us-east-1' });
    const foreignSnapshot = await ec2.send(
      new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: nightlyAmi.snapshotIds[0] }),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    const foreign = await ec2.send(
      new RegisterImageCommand({
        Name: 'someone-elses-nightly',
        RootDeviceName: '/dev/sda1',
        BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: foreignSnapshot.SnapshotId } }],
        TagSpecifications: [
          { ResourceType: 'image', Tags: [{ Key: 'fedimg:compose-kind', Value: 'nightly' }] },
        ],
      }),
    );
    await ec2.send(
      new ModifyImageAttributeCommand({
        ImageId: foreign.ImageId,
        LaunchPermission: { Add: [{ Group: 'all' }] },
      }),
    );
    await ec2.send(
      new EnableImageDeprecationCommand({
        ImageId: foreign.ImageId,
        DeprecateAt: new Date(Date.now() + DAY),
      }),
    );

    const dry = await runCleanup(settings('cleanup', undefined, '', { 'dry-run': 'true' }), quiet, {
      now: () => Date.now() + 31 * DAY,
    });
    expect(dry.map((action) => [action.action, action.id, action.done])).toEqual([
      ['make-private', nightlyAmi.id, false],
    ]);
    expect(emulator.inventory().images.find((image) => image.id === nightlyAmi.id)!.public).toBe(true);

    const expire = await runCleanup(settings('cleanup', undefined), quiet, {
      now: () => Date.now() + 31 * DAY,
    });
    expect(expire.map((action) => [action.action, action.done])).toEqual([['make-private', true]]);
    let inventory = emulator.inventory();
    const expired = inventory.images.find((image) => image.id === nightlyAmi.id)!;
    expect(expired.public).toBe(false);
    expect(expired.tags['fedimg:expired-at']).toBeTruthy();
    expect(inventory.snapshots.find((snapshot) => snapshot.id === expired.snapshotIds[0])!.public).toBe(
      false,
    );
    expect(inventory.images.find((image) => image.id === releaseAmi.id)!.public).toBe(true);
    expect(inventory.images.find((image) => image.id === foreign.ImageId)!.public).toBe(true);

    // Before the grace period nothing more happens; after it the AMI goes, with its snapshot.
    expect(
      await runCleanup(settings('cleanup', undefined), quiet, { now: () => Date.now() + 31 * DAY + 5 * DAY }),
    ).toEqual([]);
    // Day 70: past the grace period, and past the release's own deprecation (day 60), which stays.
    const remove = await runCleanup(settings('cleanup', undefined), quiet, {
      now: () => Date.now() + 70 * DAY,
    });
    expect(remove.map((action) => action.action)).toEqual(['delete-ami']);
    inventory = emulator.inventory();
    expect(inventory.images.map((image) => image.id)).toEqual([releaseAmi.id, foreign.ImageId]);
    expect(inventory.snapshots.map((snapshot) => snapshot.id)).toEqual([
      ...releaseAmi.snapshotIds,
      foreignSnapshot.SnapshotId,
    ]);
  }, 120_000);

  it('deletes orphaned fedimg snapshots once old enough and terminates stray boot-test instances', async () => {
    await runImport(settings('import', release, 'r'), quiet);
    const ec2 = new EC2Client({ region: 'us-east-1' });
    const [ami] = emulator.inventory().images;
    const orphan = await ec2.send(
      new CopySnapshotCommand({
        SourceRegion: 'us-east-1',
        SourceSnapshotId: ami!.snapshotIds[0],
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }] }],
      }),
    );
    // Unused and old, but not ManagedBy=fedimg: not fedimg's to delete.
    const notOurs = await ec2.send(
      new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: ami!.snapshotIds[0] }),
    );
    // A fedimg snapshot that someone registered an AMI of their own from is in use, not an orphan.
    const borrowed = await ec2.send(
      new CopySnapshotCommand({
        SourceRegion: 'us-east-1',
        SourceSnapshotId: ami!.snapshotIds[0],
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }] }],
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    await ec2.send(
      new RegisterImageCommand({
        Name: 'someone-elses-ami',
        RootDeviceName: '/dev/sda1',
        BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: borrowed.SnapshotId } }],
      }),
    );
    const launch = (tags: Array<{ Key: string; Value: string }>) =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: ami!.id,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: [{ ResourceType: 'instance', Tags: tags }],
        }),
      );
    const stray = await launch([
      { Key: 'ManagedBy', Value: 'fedimg' },
      { Key: 'fedimg:boot-test', Value: ami!.id },
    ]);
    // Only the boot-test tag, not ManagedBy=fedimg: not fedimg's to terminate.
    const lookalike = await launch([{ Key: 'fedimg:boot-test', Value: ami!.id }]);
    // A fedimg snapshot still being written (an upload of a run that is still on) is not an orphan,
    // however old.
    const uploading = await new EBSClient({ region: 'us-east-1' }).send(
      new StartSnapshotCommand({ VolumeSize: 1, Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }] }),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await runCleanup(settings('cleanup', undefined), quiet)).toEqual([]); // too young
    const actions = await runCleanup(settings('cleanup', undefined), quiet, {
      now: () => Date.now() + 25 * 3600 * 1000,
    });
    expect(actions.map((action) => [action.action, action.id]).sort()).toEqual([
      ['delete-snapshot', orphan.SnapshotId],
      ['terminate-instance', stray.Instances![0]!.InstanceId],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const inventory = emulator.inventory();
    expect(inventory.snapshots.map((snapshot) => snapshot.id).sort()).toEqual(
      [...ami!.snapshotIds, borrowed.SnapshotId, uploading.SnapshotId, notOurs.SnapshotId].sort(),
    );
    const stateOf = (id: string | undefined) =>
      inventory.instances.find((instance) => instance.id === id)?.state;
    expect(stateOf(stray.Instances![0]!.InstanceId)).toBe('terminated');
    expect(stateOf(lookalike.Instances![0]!.InstanceId)).toBe('running');
  }, 60_000);
});
