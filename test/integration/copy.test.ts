import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CopySnapshotCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { AwsClients } from '../../src/aws/clients.js';
import { CopyError, InputError } from '../../src/errors.js';
import { unwatched, type InputName } from '../../src/settings/index.js';
import { terminalLog } from '../../src/log.js';
import { capturedLog } from '../helpers/log.js';
import { runBootTest } from '../../src/stages/boot-test.js';
import { runCopy } from '../../src/stages/copy.js';
import { runImport } from '../../src/stages/import.js';
import { runPlan } from '../../src/stages/plan.js';
import { expectClean, untilAsked } from '../helpers/aws.js';
import { useWorld } from '../helpers/world.js';
import { matrixEntry } from '../fixtures/compose.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const REGIONS = 'eu-west-1,ap-south-1,sa-east-1,us-west-2';

const world = useWorld('fedimg-copy-', [{ composeId: 'Fedora-43-20260402.0', rawSize: 2 * 1024 * 1024 + 3 }]);

function settings(stage: string, extra: Partial<Record<InputName, string>> = {}) {
  return world.settings(stage, {
    'volume-types': 'gp3,gp2',
    regions: REGIONS,
    ...extra,
  });
}

async function importedAndTested(): Promise<void> {
  await runImport(settings('import'), quiet);
  await runBootTest(settings('boot-test'), quiet);
}

describe('copy stage', () => {
  it('copies two arches × two flavours into four regions in parallel, tagged, and reuses them on a re-run', async () => {
    await importedAndTested();
    world.emulator.setDurations({ copy: 200 });
    const started = Date.now();
    const result = await runCopy(settings('copy'), quiet);
    const elapsed = Date.now() - started;
    expect(result.copies).toHaveLength(16);
    expect(result.failures).toEqual([]);
    // All regions at once: far less than 16 copies one after another.
    expect(elapsed).toBeLessThan(16 * 200);
    const inventory = world.emulator.inventory();
    for (const region of REGIONS.split(',')) {
      const here = inventory.images.filter((image) => image.region === region);
      expect(here.map((image) => image.name).sort()).toEqual([
        'Fedora-Cloud-Base-AmazonEC2.aarch64-43-1.6',
        'Fedora-Cloud-Base-AmazonEC2.aarch64-43-1.6-gp2',
        'Fedora-Cloud-Base-AmazonEC2.x86_64-43-1.6',
        'Fedora-Cloud-Base-AmazonEC2.x86_64-43-1.6-gp2',
      ]);
      for (const image of here) {
        expect(image.tags).toMatchObject({
          ManagedBy: 'fedimg',
          'fedimg:compose-id': world.compose.composeId,
          'fedimg:source-ami': expect.stringMatching(/^us-east-1\/ami-/),
        });
        const snapshot = inventory.snapshots.find((candidate) => candidate.id === image.snapshotIds[0])!;
        expect(snapshot.tags['fedimg:source-sha256']).toBe(image.tags['fedimg:source-sha256']);
      }
    }
    // What the copy is, in the console's description column.
    const copy = inventory.images.find(
      (image) => image.region === 'eu-west-1' && image.name.endsWith('x86_64-43-1.6-gp2'),
    )!;
    const { Images } = await new EC2Client({ region: 'eu-west-1' }).send(
      new DescribeImagesCommand({ ImageIds: [copy.id] }),
    );
    expect(Images![0]!.Description).toBe(
      `Fedora-Cloud-Base-AmazonEC2-43-1.6.x86_64.raw.xz (${world.compose.composeId}), gp2, copied from us-east-1`,
    );
    const events = (await readFile(join(world.dir, 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(
      events.filter((event) => event.topic === 'image.copy' && event.status === 'completed'),
    ).toHaveLength(16);

    const before = world.emulator.requests().length;
    const again = await runCopy(settings('copy'), quiet);
    expect(again.copies.every((copy) => copy.reused)).toBe(true);
    expect(
      world.emulator
        .requests()
        .slice(before)
        .filter((request) => request.operation === 'CopyImage'),
    ).toEqual([]);
    expect(world.emulator.inventory().images).toHaveLength(inventory.images.length);
    expectClean(world.emulator, expect);
  }, 120_000);

  it('warns about a failed copy in a best-effort region and fails the stage for a required one', async () => {
    await importedAndTested();
    world.emulator.setRegion('sa-east-1', { copyFault: 'fail' });
    const bestEffort = await runCopy(settings('copy', { 'best-effort-regions': 'sa-east-1' }), quiet);
    expect(bestEffort.failures.map((failure) => [failure.region, failure.bestEffort])).toEqual(
      Array(4).fill(['sa-east-1', true]),
    );
    for (const failure of bestEffort.failures)
      expect(failure.error).toMatch(
        /^The copy ami-\w+ of ami-\w+ into sa-east-1 became failed: Copying ami-\w+ into sa-east-1 failed\. The failed copy was removed; re-run the copy job\.$/,
      );
    expect(bestEffort.copies).toHaveLength(12);
    // Removed with their snapshots: nothing of a failed copy is left to pay for.
    const left = world.emulator.inventory();
    expect(left.images.filter((image) => image.region === 'sa-east-1')).toEqual([]);
    expect(left.snapshots.filter((snapshot) => snapshot.region === 'sa-east-1')).toEqual([]);

    const required = await runCopy(settings('copy'), quiet).catch((e: unknown) => e);
    expect(required).toBeInstanceOf(CopyError);
    expect((required as Error).message).toMatch(/failed in required region\(s\) sa-east-1/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(
      world.emulator
        .inventory()
        .images.filter((image) => image.region === 'sa-east-1' && image.state !== 'failed'),
    ).toEqual([]);
  }, 120_000);

  it('says so when a failed copy cannot be removed, and replaces it on the next run, snapshots and all', async () => {
    await importedAndTested();
    world.emulator.setRegion('sa-east-1', { copyFault: 'fail' });
    world.emulator.addFault({
      operation: 'DeregisterImage',
      region: 'sa-east-1',
      kind: 'server-error',
      count: 1000,
    });
    let printed = '';
    const log = terminalLog({ stream: { write: (text: string) => Boolean((printed += text)) } as never });
    const first = await runCopy(settings('copy', { 'best-effort-regions': 'sa-east-1' }), log);
    const failed = world.emulator
      .inventory()
      .images.filter((image) => image.region === 'sa-east-1' && image.state === 'failed');
    expect(failed).toHaveLength(4);
    for (const image of failed)
      expect(printed).toMatch(
        new RegExp(
          `warning: fedimg copy: ${image.name} → sa-east-1: could not remove the failed copy ${image.id}: `,
        ),
      );
    for (const failure of first.failures)
      expect(failure.error).toMatch(
        /could not be removed \(see the warning above\); re-run the copy job, which replaces it\.$/,
      );

    world.emulator.clearFaults();
    world.emulator.setRegion('sa-east-1', { copyFault: undefined });
    printed = '';
    const rerun = await runCopy(settings('copy'), log);
    expect(rerun.failures).toEqual([]);
    for (const image of failed)
      expect(printed).toContain(`${image.name} → sa-east-1: replacing failed copy ${image.id}.`);
    const inventory = world.emulator.inventory();
    const now = inventory.images.filter((image) => image.region === 'sa-east-1');
    expect(now.map((image) => image.state)).toEqual(Array(4).fill('available'));
    const gone = new Set([
      ...failed.map((image) => image.id),
      ...failed.flatMap((image) => image.snapshotIds),
    ]);
    expect(failed.flatMap((image) => image.snapshotIds)).toHaveLength(4);
    expect(
      [
        ...inventory.images.map((image) => image.id),
        ...inventory.snapshots.map((snapshot) => snapshot.id),
      ].filter((id) => gone.has(id)),
    ).toEqual([]);
  }, 120_000);

  it('says what it copies and what it reuses, and replaces a copy in the error state', async () => {
    await importedAndTested();
    const { lines, log } = capturedLog();
    const one = { regions: 'eu-west-1', architectures: 'x86_64', 'volume-types': 'gp3' };
    const [first] = (await runCopy(settings('copy', one), log)).copies;
    const label = `${first!.source.name} → eu-west-1`;
    expect(lines).toContain(`${label}: copying ${first!.source.imageId} as ${first!.imageId}.`);
    expect(lines).toContain(`${label}: ${first!.imageId} available.`);
    lines.length = 0;
    await runCopy(settings('copy', one), log);
    expect(lines).toContain(`${label}: ${first!.imageId} available (existing copy).`);
    // AWS's Image State has "error" beside "failed" (EC2 API Reference, Image): either way the copy
    // is of no use. The emulator never makes an AMI "error" itself, so the test sets it.
    (world.emulator.state.images.get(first!.imageId)! as { state: string }).state = 'error';
    lines.length = 0;
    const [replaced] = (await runCopy(settings('copy', one), log)).copies;
    expect(lines).toContain(`${label}: replacing failed copy ${first!.imageId}.`);
    expect(replaced!.imageId).not.toBe(first!.imageId);
    expect(world.emulator.state.images.has(first!.imageId)).toBe(false);
  }, 120_000);

  it('asks once when AWS refuses a CopyImage for good, and retries one refused while the region is busy', async () => {
    await importedAndTested();
    const one = { regions: 'eu-west-1,ap-south-1', architectures: 'x86_64', 'volume-types': 'gp3' };
    const copyRequests = () =>
      world.emulator.requests().filter((request) => request.operation === 'CopyImage');
    // Not allowed to copy (UnauthorizedOperation): no retry changes that.
    world.emulator.setIamPolicy({
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'ec2:CopyImage', Resource: '*' },
      ],
    });
    try {
      const refused = await runCopy(
        settings('copy', { ...one, 'best-effort-regions': 'eu-west-1,ap-south-1' }),
        quiet,
      );
      expect(refused.failures.map((failure) => failure.error)).toEqual([
        expect.stringMatching(/UnauthorizedOperation/),
        expect.stringMatching(/UnauthorizedOperation/),
      ]);
    } finally {
      world.emulator.setIamPolicy(undefined);
    }
    expect(copyRequests()).toHaveLength(2);
    // ap-south-1 is busy: two answers of "20 copies already running", then room.
    world.emulator.addFault({
      operation: 'CopyImage',
      region: 'ap-south-1',
      kind: 'server-error',
      code: 'ResourceLimitExceeded',
      count: 2,
    });
    const copied = await runCopy(settings('copy', one), quiet);
    expect(copied.failures).toEqual([]);
    expect(copied.copies).toHaveLength(2);
    expect(copyRequests()).toHaveLength(2 + 1 + 3);
  }, 120_000);

  it('stops a CopyImage AWS never answers as soon as the run is cancelled', async () => {
    await importedAndTested();
    world.emulator.addFault({ operation: 'CopyImage', kind: 'hang' });
    const controller = new AbortController();
    const copying = runCopy(
      settings('copy', { regions: 'eu-west-1', architectures: 'x86_64', 'volume-types': 'gp3' }),
      quiet,
      { signal: controller.signal },
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    await untilAsked(world.emulator, 'DescribeRegions');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancelled = Date.now();
    controller.abort(new Error('cancelled by the test'));
    expect(await copying).toBeDefined();
    expect(Date.now() - cancelled).toBeLessThan(5000);
  }, 30_000);

  it('copies the source AMI’s tags but not those AWS reserved (aws:), which no caller may set', async () => {
    await importedAndTested();
    // AWS adds such tags itself (CloudFormation's, for one); the API refuses them from callers.
    for (const image of world.emulator.state.images.values())
      image.tags.set('aws:cloudformation:stack-name', 'x');
    const { copies, failures } = await runCopy(
      settings('copy', { regions: 'eu-west-1', architectures: 'x86_64', 'volume-types': 'gp3' }),
      quiet,
    );
    expect(failures).toEqual([]);
    const copy = world.emulator.state.images.get(copies[0]!.imageId)!;
    expect(copy.tags.get('ManagedBy')).toBe('fedimg');
    expect([...copy.tags.keys()].filter((key) => key.startsWith('aws:'))).toEqual([]);
  }, 60_000);

  it('describes the copy of a direct image (no compose) as such', async () => {
    const entry = { ...matrixEntry(world.compose, 'x86_64', world.location()), compose_id: '' };
    const image = JSON.stringify(entry);
    await runImport(settings('import', { image }), quiet);
    await runBootTest(settings('boot-test', { image }), quiet);
    const { copies } = await runCopy(settings('copy', { image, regions: 'eu-west-1' }), quiet);
    const { Images } = await new EC2Client({ region: 'eu-west-1' }).send(
      new DescribeImagesCommand({ ImageIds: [copies[0]!.imageId] }),
    );
    expect(Images![0]!.Description).toBe(
      `${entry.file} (direct image), ${copies[0]!.source.flavour}, copied from us-east-1`,
    );
  }, 120_000);

  it('names a copy that failed without a reason, and a CopyImage AWS keeps refusing, with the next step', async () => {
    await importedAndTested();
    // A failed AMI need not carry a StateReason (DescribeImages); set here on a copy still pending.
    world.emulator.setRegion('sa-east-1', { copyFault: 'stall' });
    world.emulator.addFault({ operation: 'CopyImage', region: 'ap-south-1', kind: 'server-error' });
    const bestEffort = settings('copy', { 'best-effort-regions': 'sa-east-1,ap-south-1' });
    unwatched(bestEffort).copy.timeoutMs = 3000; // how long CopyImage is retried
    const copying = runCopy(bestEffort, quiet);
    const pending = () =>
      [...world.emulator.state.images.values()].filter((image) => image.region === 'sa-east-1');
    while (pending().length < 4) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const image of pending()) image.state = 'failed';
    const { failures } = await copying;
    const messages = (region: string) =>
      failures.filter((failure) => failure.region === region).map((failure) => failure.error);
    expect(messages('sa-east-1')).toHaveLength(4);
    for (const message of messages('sa-east-1'))
      expect(message).toMatch(
        /^The copy ami-\w+ of ami-\w+ into sa-east-1 became failed\. The failed copy was removed/,
      );
    expect(messages('ap-south-1')).toHaveLength(4);
    for (const message of messages('ap-south-1'))
      expect(message).toMatch(
        /^Copying ami-\w+ \(Fedora-Cloud-Base-AmazonEC2\.\w+-43-1\.6(-gp2)?\) into ap-south-1 failed: .*InternalError.*\. Re-run the copy job; existing copies are reused\.$/,
      );
  }, 120_000);

  it('makes no second AMI when a copy is retried: every CopyImage answer is lost once and the call retried', async () => {
    await importedAndTested();
    // Each CopyImage is carried out, then its connection dropped before the answer. With one
    // attempt per SDK call (the SDK's own retries reuse a token it makes up), the retry is fedimg's.
    world.emulator.addFault({ operation: 'CopyImage', kind: 'lost-answer', count: 4 });
    const clients = new AwsClients({ concurrency: 4, maxAttempts: 1 });
    try {
      await runCopy(settings('copy', { regions: 'eu-west-1' }), quiet, { clients });
    } finally {
      clients.destroy();
    }
    const copies = world.emulator.requests().filter((request) => request.operation === 'CopyImage');
    expect(copies).toHaveLength(8); // the four lost ones and their retries
    const inRegion = world.emulator.inventory().images.filter((image) => image.region === 'eu-west-1');
    // Two arches × two flavours: one copy each.
    expect(inRegion.map((image) => image.name).sort()).toEqual(
      [...new Set(inRegion.map((image) => image.name))].sort(),
    );
    expect(inRegion).toHaveLength(4);
  }, 60_000);

  it('never takes an AMI with the copy’s name for fedimg’s copy unless fedimg made it from this image', async () => {
    const { imported } = await runImport(settings('import'), quiet);
    await runBootTest(settings('boot-test'), quiet);
    const [{ image, amis }] = imported as [(typeof imported)[number]];
    const source = amis[0]!;
    // Another owner's AMI with the source tag; fedimg's own AMI of that name from another image (a
    // compose rebuilt under the same ID).
    const lookalikes: Record<string, Array<{ Key: string; Value: string }>> = {
      'eu-west-1': [{ Key: 'fedimg:source-sha256', Value: image.sha256 }],
      'ap-south-1': [
        { Key: 'ManagedBy', Value: 'fedimg' },
        { Key: 'fedimg:source-sha256', Value: 'b'.repeat(64) },
      ],
    };
    const foreign: Record<string, string> = {};
    for (const [region, tags] of Object.entries(lookalikes)) {
      const ec2 = new EC2Client({ region });
      const snapshot = await ec2.send(
        new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source.snapshotId }),
      );
      await new Promise((resolve) => setTimeout(resolve, 150));
      const registered = await ec2.send(
        new RegisterImageCommand({
          Name: source.name,
          RootDeviceName: '/dev/sda1',
          BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: snapshot.SnapshotId } }],
          TagSpecifications: [{ ResourceType: 'image', Tags: tags }],
        }),
      );
      foreign[region] = registered.ImageId!;
      ec2.destroy();
    }
    const { copies } = await runCopy(settings('copy', { regions: 'eu-west-1,ap-south-1' }), quiet);
    for (const region of Object.keys(lookalikes)) {
      const copy = copies.find(
        (outcome) => outcome.source.imageId === source.imageId && outcome.region === region,
      )!;
      expect(copy.imageId, region).not.toBe(foreign[region]);
      expect(copy.reused, region).toBe(false);
    }
  }, 60_000);

  it('copies nothing of an image that failed or skipped its boot test', async () => {
    await runImport(settings('import'), quiet);
    await expect(runCopy(settings('copy'), quiet)).rejects.toThrow(/no AMI that passed its boot test/);
    world.emulator.setBoot('Fedora-Cloud-Base-AmazonEC2.aarch64-*', 'fail');
    await runBootTest(settings('boot-test'), quiet).catch(() => undefined);
    await expect(runCopy(settings('copy'), quiet)).rejects.toThrow(/aarch64.*\(one failed\)/);
    expect(world.emulator.requests().filter((request) => request.operation === 'CopyImage')).toEqual([]);
  }, 60_000);

  it('resolves "all" to the enabled regions, skips opt-in regions not enabled, and names unknown ones', async () => {
    await importedAndTested();
    world.emulator.setDurations({ copy: 10 });
    const all = await runCopy(
      settings('copy', { regions: 'all', architectures: 'x86_64', 'volume-types': 'gp3' }),
      quiet,
    );
    expect(all.regions).toContain('af-south-1'); // opted in
    expect(all.regions).not.toContain('us-east-1'); // the base region
    expect(all.regions).not.toContain('il-central-1');
    expect(all.notEnabled).toContain('il-central-1');
    expect(all.copies).toHaveLength(all.regions.length);
    await expect(runCopy(settings('copy', { regions: 'eu-west-1,xx-nowhere-9' }), quiet)).rejects.toThrow(
      InputError,
    );
    await expect(runCopy(settings('copy', { regions: 'eu-west-1,xx-nowhere-9' }), quiet)).rejects.toThrow(
      /Unknown region\(s\): xx-nowhere-9/,
    );
    // The plan already refuses them, before anything is uploaded; not-enabled ones are left out.
    await expect(runPlan(settings('plan', { regions: 'eu-west-1,xx-nowhere-9' }), quiet)).rejects.toThrow(
      /Unknown region\(s\): xx-nowhere-9/,
    );
    await expect(
      runPlan(settings('plan', { regions: 'eu-west-1,il-central-1' }), quiet),
    ).resolves.toMatchObject({
      regions: ['eu-west-1'],
    });
  }, 120_000);
});

// EC2 API Reference, CopyImage, KmsKeyId: "The specified KMS key must exist in the destination
// Region". An encrypted flavour's copies are encrypted with its own key, found in each region.
describe('copies of encrypted flavours', () => {
  /** The KMS key of the encrypted flavour's copy in eu-west-1, and that copy's state. */
  async function encryptedCopy(extra: Partial<Record<InputName, string>>) {
    const values = { regions: 'eu-west-1', ...extra };
    await runImport(settings('import', values), quiet);
    await runBootTest(settings('boot-test', values), quiet);
    const result = await runCopy(settings('copy', values), quiet);
    const copy = world.emulator
      .inventory()
      .images.find(
        (image) => image.region === 'eu-west-1' && image.name.endsWith('x86_64-43-1.6-gp3-encrypted'),
      )!;
    const ec2 = new EC2Client({ region: 'eu-west-1' });
    const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: copy.snapshotIds }));
    ec2.destroy();
    return { result, kmsKeyId: Snapshots![0]!.KmsKeyId, state: copy.state };
  }

  it("uses the key the flavour configuration names, not AWS's default key", async () => {
    const config = join(world.dir, 'flavours.yaml');
    await writeFile(
      config,
      'flavours:\n  - name: gp3\n  - name: gp3-encrypted\n    encrypted:\n      kms-key-id: alias/fedimg-config\n',
    );
    const { result, kmsKeyId, state } = await encryptedCopy({ 'config-file': config });
    expect(result.failures).toEqual([]);
    expect([kmsKeyId, state]).toEqual(['alias/fedimg-config', 'available']);
  }, 120_000);

  it('names the key in each destination region when it is given as an ARN (a multi-Region key)', async () => {
    const key = (region: string) =>
      `arn:aws:kms:${region}:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab`;
    const { result, kmsKeyId, state } = await encryptedCopy({
      'volume-types': 'gp3',
      'kms-key-id': key('us-east-1'),
    });
    expect(result.failures).toEqual([]);
    expect([kmsKeyId, state]).toEqual([key('eu-west-1'), 'available']);
  }, 120_000);
});
