/**
 * The README's safety invariants, through the bundled action as the runner runs it. The tests of
 * src/ pin each guard (docs/mutation.md); these pin the same guards in what users run, so removing
 * one from src/ and rebuilding dist/ fails a test here too.
 */
import { resolve } from 'node:path';
import { CreateTagsCommand, DeleteTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ADMIN_CREDENTIALS } from '../../emulator/server.js';
import { BLOCK_SIZE } from '../../emulator/state.js';
import { matrixEntry } from '../fixtures/compose.js';
import { paddedSha256 } from '../fixtures/disk-image.js';
import { completedSnapshot, emulatorStepEnv, instanceOf, makeAmi, snapshotSha256, unfinishedSnapshot } from '../helpers/aws.js';
import { runAction, type ActionRun } from '../helpers/runner.js';
import { useWorld } from '../helpers/world.js';

// Absolute: the steps run in the world's directory, where they write their events file.
const ACTION = resolve('dist/action/index.js');
const RAW_SIZE = 4 * 1024 * 1024 + 5;

const world = useWorld('fedimg-invariants-', [
  { composeId: 'Fedora-Rawhide-20261105.n.0', rawSize: RAW_SIZE, arches: ['x86_64'] },
]);

const fromCompose = () => ({
  'compose-location': world.location(),
  'allowed-hosts': world.files.host,
  'allow-http': 'true',
});

/**
 * One step of a job, as the runner runs it. A stage that can leave something unfinished (import,
 * boot-test) also gets its post step, with the state its main step saved.
 */
async function step(stage: string, inputs: Record<string, string> = fromCompose()): Promise<ActionRun> {
  const all = { stage, ...inputs };
  const main = await runAction(ACTION, { inputs: all, env: emulatorStepEnv(), cwd: world.dir });
  if (stage === 'import' || stage === 'boot-test') {
    const post = await runAction(ACTION, { inputs: all, env: emulatorStepEnv(), cwd: world.dir, state: main.state });
    expect(post.exitCode, post.stdout).toBe(0);
  }
  return main;
}

async function succeeds(stage: string, inputs?: Record<string, string>): Promise<ActionRun> {
  const run = await step(stage, inputs);
  expect(run.exitCode, `${stage}:\n${run.stdout}`).toBe(0);
  return run;
}

const asked = (operation: string) =>
  world.emulator.requests().filter((request) => request.operation === operation);

const isPublic = () => {
  const { images, snapshots } = world.emulator.inventory();
  return [...images, ...snapshots].filter((resource) => resource.public).map((resource) => resource.id);
};

/** Sets (or with no verdict removes) the boot-test tag on every AMI, as the account's administrator. */
async function retagBootTest(verdict: string | undefined): Promise<void> {
  for (const image of world.emulator.inventory().images) {
    const ec2 = new EC2Client({ region: image.region, credentials: ADMIN_CREDENTIALS });
    const Resources = [image.id];
    const Key = 'fedimg:boot-test';
    if (verdict) await ec2.send(new CreateTagsCommand({ Resources, Tags: [{ Key, Value: verdict }] }));
    else await ec2.send(new DeleteTagsCommand({ Resources, Tags: [{ Key }] }));
    ec2.destroy();
  }
}

describe('the invariants hold in the bundled action', () => {
  it('nothing is registered from a file whose sha256 differs from the compose’s', async () => {
    const entry = matrixEntry(world.compose, 'x86_64', world.location());
    const other = entry.sha256.replace(/.$/, (last) => (last === '0' ? '1' : '0'));
    const run = await step('import', {
      image: JSON.stringify({ ...entry, sha256: other }),
      'allowed-hosts': world.files.host,
      'allow-http': 'true',
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error title=fedimg image::The sha256 of .* but the compose published/);
    const inventory = world.emulator.inventory();
    expect([inventory.images, inventory.snapshots]).toEqual([[], []]);
    expect(asked('RegisterImage')).toEqual([]);
  }, 60_000);

  it('zero blocks are uploaded unless told otherwise, and the snapshot holds the disk either way', async () => {
    const blocks = Math.ceil(RAW_SIZE / BLOCK_SIZE);
    const sent = () => asked('PutSnapshotBlock').filter((request) => request.status === 201).length;
    const disk = await paddedSha256(RAW_SIZE, `${world.compose.composeId}/x86_64`);
    const stored = () => snapshotSha256(world.emulator.inventory().snapshots[0]!.id, blocks);

    await succeeds('import');
    expect(sent()).toBe(blocks);
    expect(await stored()).toBe(disk);

    world.emulator.reset();
    await succeeds('import', { ...fromCompose(), 'omit-zero-blocks': 'true' });
    // The generated disk is Fedora-like: more than half of it free space.
    expect(sent()).toBeGreaterThan(0);
    expect(sent()).toBeLessThan(blocks);
    expect(await stored()).toBe(disk);
  }, 60_000);

  it('nothing is copied unless its boot test passed: one that never ran, and one that failed', async () => {
    await succeeds('import');
    const never = await step('copy', { ...fromCompose(), regions: 'eu-west-1' });
    expect(never.exitCode).toBe(1);
    expect(never.stdout).toMatch(/::error title=fedimg [a-z ]+::.*no AMI that passed its boot test/);

    world.emulator.setBoot('*', 'fail');
    expect((await step('boot-test')).exitCode).toBe(1);
    const failed = await step('copy', { ...fromCompose(), regions: 'eu-west-1' });
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toMatch(/::error title=fedimg [a-z ]+::.*\(one failed\)/);

    expect(asked('CopyImage')).toEqual([]);
    expect(isPublic()).toEqual([]);
  }, 90_000);

  it('nothing is made public unless its boot test passed: a verdict that is failed, or none at all', async () => {
    await succeeds('import');
    await succeeds('boot-test');
    await succeeds('copy', { ...fromCompose(), regions: 'eu-west-1' });
    // What publish reads is the AMIs' own verdict: changed after the copy, as a later boot test would.
    for (const [verdict, message] of [
      ['failed', /has failed the boot test/],
      [undefined, /has not passed the boot test/],
    ] as const) {
      await retagBootTest(verdict);
      const publish = await step('publish', { ...fromCompose(), regions: 'eu-west-1' });
      expect(publish.exitCode, verdict).toBe(1);
      expect(publish.stdout, verdict).toMatch(message);
      expect(isPublic(), verdict).toEqual([]);
    }
  }, 90_000);

  it('a re-run copy makes no second AMI, nor takes another owner’s AMI of its name for its own', async () => {
    await succeeds('import');
    await succeeds('boot-test');
    const [source] = world.emulator.inventory().images;
    // Someone else's AMI in the destination, with the copy's name and the image's checksum tag.
    const foreign = await makeAmi({
      region: 'eu-west-1',
      name: source!.name,
      tags: { 'fedimg:source-sha256': source!.tags['fedimg:source-sha256']! },
    });
    // AWS lists a new AMI only a while after making it (eventual consistency): long enough here
    // that the re-run below cannot find the first run's copy and must ask CopyImage again.
    world.emulator.setDurations({ consistency: 60_000 });
    const copyInputs = { stage: 'copy', ...fromCompose(), regions: 'eu-west-1' };
    // The first run is lost (the runner dies) right after AWS answered its CopyImage.
    const lost = await runAction(ACTION, {
      inputs: copyInputs,
      env: emulatorStepEnv(),
      cwd: world.dir,
      killAfter: () => until(() => asked('CopyImage').some((request) => request.status === 200)),
    });
    expect(lost.exitCode).toBeNull();

    const rerun = runAction(ACTION, { inputs: copyInputs, env: emulatorStepEnv(), cwd: world.dir });
    await until(() => asked('CopyImage').length === 2);
    for (const image of world.emulator.state.images.values()) image.visibleAt = 0;
    const { exitCode, stdout, outputs } = await rerun;
    expect(exitCode, stdout).toBe(0);
    // The re-run did ask again (its lookup could not see the copy): what kept it to one is the token.
    expect(asked('CopyImage')).toHaveLength(2);

    const copies = world.emulator
      .inventory()
      .images.filter((image) => image.region === 'eu-west-1' && image.id !== foreign.imageId);
    expect(copies.map((image) => image.name)).toEqual([source!.name]);
    const image = matrixEntry(world.compose, 'x86_64', world.location()).name;
    expect(JSON.parse(outputs.copies!)).toEqual({ 'eu-west-1': { [image]: { gp3: copies[0]!.id } } });
  }, 90_000);

  it('cleanup removes only fedimg’s own resources, never a snapshot an AMI uses; a dry run changes nothing', async () => {
    const day = 24 * 3600 * 1000;
    const fedimg = { ManagedBy: 'fedimg' };
    const nightly = { ...fedimg, 'fedimg:compose-kind': 'nightly' };
    // What cleanup acts on: a deprecated fedimg nightly, an old unused fedimg snapshot, a stray
    // boot-test instance.
    const expired = await makeAmi({ tags: nightly, public: true });
    const orphan = await completedSnapshot(fedimg);
    const stray = await instanceOf(expired.imageId, { ...fedimg, 'fedimg:boot-test': 'running' });
    // What it must leave: another owner's deprecated AMI with fedimg's kind tag, a deprecated fedimg
    // release, an old snapshot without fedimg's tag, a fedimg snapshot still being written, an
    // instance with the boot-test tag but not fedimg's, and a fedimg instance that is no boot test.
    const foreign = await makeAmi({ tags: { 'fedimg:compose-kind': 'nightly' }, public: true });
    const release = await makeAmi({ tags: { ...fedimg, 'fedimg:compose-kind': 'ga' }, public: true });
    const untagged = await completedSnapshot({});
    const writing = await unfinishedSnapshot(fedimg);
    const lookalike = await instanceOf(foreign.imageId, { 'fedimg:boot-test': 'running' });
    const notBootTest = await instanceOf(release.imageId, fedimg);
    const amis = [expired, foreign, release];
    // As if a month had passed: the AMIs' deprecation times are behind, the rest is days old.
    const { state } = world.emulator;
    for (const { imageId } of amis) state.images.get(imageId)!.deprecationTime = new Date(Date.now() - day);
    for (const snapshot of state.snapshots.values()) snapshot.startedAt -= 10 * day;
    for (const instance of state.instances.values()) instance.launchedAt -= 10 * day;
    // And what is not old enough yet: a fedimg nightly deprecated tomorrow, an unused fedimg snapshot
    // and a boot-test instance both just made.
    const tomorrow = await makeAmi({ tags: nightly, public: true });
    state.images.get(tomorrow.imageId)!.deprecationTime = new Date(Date.now() + day);
    const young = await completedSnapshot(fedimg);
    const starting = await instanceOf(tomorrow.imageId, { ...fedimg, 'fedimg:boot-test': 'running' });

    const before = world.emulator.inventory();
    const dry = await succeeds('cleanup', { 'dry-run': 'true' });
    expect(world.emulator.inventory()).toEqual(before);
    const wouldDo = (run: ActionRun) => [...run.stdout.matchAll(/^us-east-1: (?:would )?([a-z-]+) ([a-z]+-[0-9a-f]+)/gm)].map((match) => `${match[1]} ${match[2]}`).sort();
    const expected = [`make-private ${expired.imageId}`, `delete-snapshot ${orphan}`, `terminate-instance ${stray}`].sort();
    expect(wouldDo(dry)).toEqual(expected);

    const swept = await succeeds('cleanup');
    expect(wouldDo(swept)).toEqual(expected);
    const after = world.emulator.inventory();
    expect(isPublic().sort()).toEqual([foreign.imageId, release.imageId, tomorrow.imageId].sort());
    expect(after.snapshots.map((snapshot) => snapshot.id).sort()).toEqual(
      [expired, foreign, release, tomorrow].map((ami) => ami.snapshotId).concat([untagged, writing, young]).sort(),
    );
    const live = after.instances.filter((instance) => !['shutting-down', 'terminated'].includes(instance.state));
    expect(live.map((instance) => instance.id).sort()).toEqual([lookalike, notBootTest, starting].sort());
  }, 60_000);
});

/** Resolves once `done` holds; gives up after 30 s (the test then fails on what it finds). */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
