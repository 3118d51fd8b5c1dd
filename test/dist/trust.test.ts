/**
 * The trust boundaries of the bundled action, tried as an attacker would: untrusted text from the
 * compose, from AWS tags and from step state must never become a runner command, and the post step
 * must never delete on the word of the state alone.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { GeneratedCompose } from '../fixtures/compose.js';
import { emulatorStepEnv, instanceOf, makeAmi, unfinishedSnapshot } from '../helpers/aws.js';
import { runAction, type ActionRun } from '../helpers/runner.js';
import { useWorld } from '../helpers/world.js';

const ACTION = 'dist/action/index.js';
const CLI = 'dist/cli/index.js';

const world = useWorld('fedimg-trust-', [{ composeId: 'Fedora-Rawhide-20261101.n.0', rawSize: 600_000 }]);

/** fedimg's own commands: annotations titled "fedimg …", groups and debug lines. */
const OWN_COMMAND = /^::(?:(?:error|warning|notice) title=fedimg[ a-z%0-9-]*::|group::|endgroup::|debug::)/;

/** Lines the runner would execute (`::x` after leading blanks, `##[x` anywhere) that fedimg did not mean to write. */
function forgedCommands(stdout: string): string[] {
  return stdout
    .split(/\r\n|\r|\n/)
    .filter((line) => (/^\s*::/.test(line) && !OWN_COMMAND.test(line)) || line.includes('##['));
}

function expectNoForgery(run: ActionRun): void {
  expect(forgedCommands(run.stdout)).toEqual([]);
  expect(forgedCommands(run.stderr)).toEqual([]);
  expect(Object.keys(run.state).filter((name) => name !== 'isPost' && name !== 'pending')).toEqual([]);
  if (run.state.pending !== undefined) expect(JSON.parse(run.state.pending)).toEqual([]);
}

const snapshotLine = (id: string) =>
  `::save-state name=pending::[{"kind":"snapshot","region":"us-east-1","id":"${id}"}]`;

async function injectImagePaths(compose: GeneratedCompose, paths: Record<string, string>): Promise<void> {
  const file = join(compose.root, 'compose', 'metadata', 'images.json');
  const doc = JSON.parse(await readFile(file, 'utf8'));
  for (const [arch, path] of Object.entries(paths)) doc.payload.images.Cloud[arch][0].path = path;
  await writeFile(file, JSON.stringify(doc));
}

describe('untrusted text never reaches the runner as a command', () => {
  it('an images.json path carrying ::save-state, ::error and ##[ is refused, and nothing it says runs', async () => {
    const victim = await makeAmi({ tags: { ManagedBy: 'fedimg' } });
    const dir = 'Cloud/x86_64/images/';
    const escape = (text: string) => text.replace(/ /g, '%20').replace(/\n/g, '%0A').replace(/#/g, '%23');
    await injectImagePaths(world.compose, {
      x86_64: `${dir}${escape(`Fedora-Cloud-Base.x86_64\n${snapshotLine(victim.snapshotId)}\nx.raw.xz`)}`,
      aarch64: `${dir.replace('x86_64', 'aarch64')}${escape('Fedora.aarch64\n::error title=forged::x ##[add-mask]y.raw.xz')}`,
    });
    const plan = await runAction(ACTION, {
      inputs: { stage: 'plan', 'compose-location': world.location(), 'allowed-hosts': world.files.host, 'allow-http': 'true' },
      env: emulatorStepEnv(),
    });
    expect(plan.exitCode).toBe(1);
    expect(plan.stdout).toMatch(/::error title=fedimg compose::.*percent-escape/);
    expectNoForgery(plan);
    expect(plan.outputs).toEqual({});

    // Whatever the main step did, the post step of a plan has nothing of its own to remove.
    const post = await runAction(ACTION, { inputs: { stage: 'plan' }, env: emulatorStepEnv(), state: plan.state });
    expectNoForgery(post);
    expect(world.emulator.inventory().snapshots.map((snapshot) => snapshot.id)).toContain(victim.snapshotId);
  }, 60_000);

  it('a fedimg:expired-at tag carrying ::save-state is refused by cleanup, also in a dry run', async () => {
    const forged = `2020-01-01 (\n${snapshotLine('snap-0123456789abcdef0')}\n)`;
    const expired = await makeAmi({
      tags: { ManagedBy: 'fedimg', 'fedimg:compose-type': 'nightly', 'fedimg:expired-at': forged },
    });
    for (const dryRun of ['true', 'false']) {
      const run = await runAction(ACTION, {
        inputs: { stage: 'cleanup', 'dry-run': dryRun },
        env: emulatorStepEnv(),
      });
      expect(run.exitCode, run.stdout).toBe(0);
      expectNoForgery(run);
      expect(run.stdout).toMatch(new RegExp(`::warning title=fedimg cleanup::.*${expired.imageId}.*not an ISO 8601 time`));
      expect(run.summary).not.toMatch(/\n\s*::|##\[/);
    }
    expect(world.emulator.inventory().images.map((image) => image.id)).toContain(expired.imageId);
  }, 60_000);

  it('the bundled CLI, run inside a step, prints that tag on one harmless line of its own', async () => {
    const forged = `2020-01-01 (\n${snapshotLine('snap-0123456789abcdef0')}\n)`;
    const expired = await makeAmi({
      tags: { ManagedBy: 'fedimg', 'fedimg:compose-type': 'nightly', 'fedimg:expired-at': forged },
    });
    // The CLI writes every line itself (no @actions/core to escape a line break): what stands between
    // the tag and the runner is its neutralising alone.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, 'cleanup'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_ACTIONS: 'true', ...emulatorStepEnv() },
    });
    expect(forgedCommands(stdout)).toEqual([]);
    expect(forgedCommands(stderr)).toEqual([]);
    expect(stderr).toMatch(new RegExp(`^warning: fedimg cleanup: .*${expired.imageId}.*::save-state.*not an ISO 8601 time`, 'm'));
  }, 60_000);
});

describe('the post step deletes only what its own run created', () => {
  const importInputs = () => ({ stage: 'import', 'compose-location': world.location(), 'allowed-hosts': world.files.host, 'allow-http': 'true' });

  it('leaves an untagged snapshot named in a forged STATE_pending in place, with a warning naming it', async () => {
    const { snapshotId } = await makeAmi();
    const state = { isPost: 'true', pending: JSON.stringify([{ kind: 'snapshot', region: 'us-east-1', id: snapshotId }]) };
    const post = await runAction(ACTION, { inputs: importInputs(), env: emulatorStepEnv(), state });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toMatch(new RegExp(`::warning title=fedimg post::.*${snapshotId}.*left alone`));
    expect(world.emulator.inventory().snapshots.map((snapshot) => snapshot.id)).toContain(snapshotId);
  }, 60_000);

  it('leaves a fedimg snapshot of another run in place', async () => {
    const other = 'https://github.com/fedora-cloud/fedimg/actions/runs/999';
    const { snapshotId } = await makeAmi({ tags: { ManagedBy: 'fedimg', 'fedimg:run-url': other } });
    const state = { isPost: 'true', pending: JSON.stringify([{ kind: 'snapshot', region: 'us-east-1', id: snapshotId }]) };
    const post = await runAction(ACTION, { inputs: importInputs(), env: emulatorStepEnv(), state });
    expect(post.stdout).toMatch(new RegExp(`${snapshotId}.*another run`));
    expect(world.emulator.inventory().snapshots.map((snapshot) => snapshot.id)).toContain(snapshotId);
  }, 60_000);

  it('removes this run’s own unfinished snapshot, and leaves another owner’s, a fedimg instance that is no boot test and a snapshot an AMI uses', async () => {
    const run = 'https://github.com/fedora-cloud/fedimg/actions/runs/1'; // runAction's GITHUB_RUN_ID
    const ours = { ManagedBy: 'fedimg', 'fedimg:run-url': run };
    const own = await unfinishedSnapshot(ours);
    const anothersOwner = await unfinishedSnapshot({ 'fedimg:run-url': run });
    const inUse = await makeAmi({ tags: ours });
    const notBootTest = await instanceOf(inUse.imageId, ours);
    const pending = [
      { kind: 'snapshot', region: 'us-east-1', id: own },
      { kind: 'snapshot', region: 'us-east-1', id: anothersOwner },
      { kind: 'snapshot', region: 'us-east-1', id: inUse.snapshotId },
      { kind: 'instance', region: 'us-east-1', id: notBootTest },
    ];
    const post = await runAction(ACTION, {
      inputs: importInputs(),
      env: emulatorStepEnv(),
      state: { isPost: 'true', pending: JSON.stringify(pending) },
    });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toMatch(new RegExp(`${anothersOwner} left alone: it is not marked ManagedBy=fedimg`));
    expect(post.stdout).toMatch(new RegExp(`${notBootTest} left alone: it is not a fedimg boot-test instance`));
    expect(post.stdout).toMatch(new RegExp(`::warning title=fedimg post::Could not remove unfinished .*${inUse.snapshotId}`));
    const inventory = world.emulator.inventory();
    expect(inventory.snapshots.map((snapshot) => snapshot.id).sort()).toEqual([anothersOwner, inUse.snapshotId].sort());
    const [instance] = inventory.instances;
    expect([instance!.id, ['shutting-down', 'terminated'].includes(instance!.state)]).toEqual([notBootTest, false]);
  }, 60_000);

  it('leaves even a fedimg snapshot in place when the step cannot tell which run it belongs to', async () => {
    const snapshotId = await unfinishedSnapshot({ ManagedBy: 'fedimg' });
    const post = await runAction(ACTION, {
      inputs: importInputs(),
      env: { ...emulatorStepEnv(), GITHUB_RUN_ID: '' },
      state: { isPost: 'true', pending: JSON.stringify([{ kind: 'snapshot', region: 'us-east-1', id: snapshotId }]) },
    });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toMatch(new RegExp(`${snapshotId} left alone: this step cannot tell which run`));
    expect(world.emulator.inventory().snapshots.map((snapshot) => snapshot.id)).toEqual([snapshotId]);
  }, 60_000);

  it('refuses malformed state without touching anything', async () => {
    const { snapshotId } = await makeAmi({ tags: { ManagedBy: 'fedimg' } });
    for (const pending of [
      'not json',
      JSON.stringify([{ kind: 'snapshot', region: 'us-east-1\n::add-mask::x', id: snapshotId }]),
      JSON.stringify([{ kind: 'volume', region: 'us-east-1', id: 'vol-0123456789abcdef0' }]),
      JSON.stringify([{ kind: 's3-object', region: 'us-east-1', bucket: 'b', key: 'anything/else' }]),
    ]) {
      const post = await runAction(ACTION, { inputs: importInputs(), env: emulatorStepEnv(), state: { isPost: 'true', pending } });
      expect(post.exitCode).toBe(0);
      expect(post.stdout).toMatch(/::warning title=fedimg post::The saved state .*is not what fedimg writes/);
      expectNoForgery(post);
    }
    expect(world.emulator.inventory().snapshots.map((snapshot) => snapshot.id)).toContain(snapshotId);
  }, 60_000);

  it('stages that create nothing neither read nor act on pending state', async () => {
    const { snapshotId } = await makeAmi({ tags: { ManagedBy: 'fedimg' } });
    const state = { isPost: 'true', pending: JSON.stringify([{ kind: 'snapshot', region: 'us-east-1', id: snapshotId }]) };
    for (const stage of ['plan', 'copy', 'publish', 'verify', 'cleanup', 'release']) {
      const post = await runAction(ACTION, { inputs: { stage }, env: emulatorStepEnv(), state });
      expect(post.stdout, stage).toContain(`fedimg post: the ${stage} stage leaves nothing unfinished`);
    }
    expect(world.emulator.inventory().snapshots.map((snapshot) => snapshot.id)).toContain(snapshotId);
  }, 60_000);
});
