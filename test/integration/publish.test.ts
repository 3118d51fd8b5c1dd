import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  EC2Client,
  ModifyImageAttributeCommand,
} from '@aws-sdk/client-ec2';
import { TAG } from '../../src/aws/tags.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { PublishError, VerifyError } from '../../src/errors.js';
import type { InputName } from '../../src/settings/index.js';
import { terminalLog } from '../../src/log.js';
import { capturedLog } from '../helpers/log.js';
import { runBootTest } from '../../src/stages/boot-test.js';
import { runCopy } from '../../src/stages/copy.js';
import { runImport } from '../../src/stages/import.js';
import { runPublish } from '../../src/stages/publish.js';
import { runVerify } from '../../src/stages/verify.js';
import { expectClean } from '../helpers/aws.js';
import { useWorld } from '../helpers/world.js';
import { statusMessage } from '../fixtures/compose.js';
import { deniedOperations } from '../helpers/iam.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const REGIONS = ['eu-west-1', 'ap-south-1', 'sa-east-1', 'us-west-2'];

const world = useWorld('fedimg-publish-', [
  { composeId: 'Fedora-Rawhide-20260403.n.0', rawSize: 2 * 1024 * 1024 + 7 },
  // A Rawhide compose whose metadata does not say which release it will become.
  {
    composeId: 'Fedora-Rawhide-20260404.n.0',
    rawSize: 1024 * 1024 + 7,
    arches: ['x86_64'],
    rawhideRelease: null,
  },
]);
beforeEach(() => {
  // Room for 2 arches × 2 flavours in every region.
  for (const region of ['us-east-1', ...REGIONS]) world.emulator.setRegion(region, { publicAmiQuota: 10 });
});

function settings(stage: string, extra: Partial<Record<InputName, string>> = {}) {
  return world.settings(stage, {
    'volume-types': 'gp3,gp2',
    regions: REGIONS.join(','),
    'public-ami-quota': '10',
    'manifest-file': join(world.dir, 'manifest.json'),
    ...extra,
  });
}

/** The x86_64 AMI of the default flavour in a region, as the emulator holds it. */
function x86Copy(region: string) {
  return world.emulator
    .inventory()
    .images.find((image) => image.region === region && image.name.endsWith('x86_64-Rawhide-20260403.0'))!;
}

/** Deregisters that AMI with its snapshots, as someone tidying by hand would; returns what it was. */
async function removeX86Copy(region: string) {
  const copy = x86Copy(region);
  const ec2 = new EC2Client({ region });
  await ec2.send(new DeregisterImageCommand({ ImageId: copy.id, DeleteAssociatedSnapshots: true }));
  ec2.destroy();
  return copy;
}

async function throughCopy(): Promise<void> {
  await runImport(settings('import'), quiet);
  await runBootTest(settings('boot-test'), quiet);
  await runCopy(settings('copy'), quiet);
}

describe('npx fedimg run', () => {
  it('runs every stage in order from the CLI and prints the verified AMIs', async () => {
    const { cli } = await import('../../src/cli/cli.js');
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const errWrite = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    let code: number;
    try {
      code = await cli([
        'run',
        ...world.cliSource(),
        '--regions',
        'eu-west-1,ap-south-1',
        '--public-ami-quota',
        '10',
        '--events-file',
        join(world.dir, 'run-events.ndjson'),
        '--manifest-file',
        join(world.dir, 'run-manifest.json'),
        '--boot-timeout-minutes',
        '1',
      ]);
    } finally {
      process.stdout.write = write;
      process.stderr.write = errWrite;
    }
    expect(code).toBe(0);
    const text = out.join('');
    expect(text).toContain('fedimg verify');
    expect(text.match(/ami-\w+/g)!.length).toBe(6); // 2 arches × 3 regions
    const manifest = JSON.parse(await readFile(join(world.dir, 'run-manifest.json'), 'utf8'));
    expect(manifest.images.map((record: { regions: object }) => Object.keys(record.regions).length)).toEqual([
      3, 3,
    ]);
    expectClean(world.emulator, expect);
    // docs/iam-policy.json allows every call the whole run made.
    expect(deniedOperations(world.emulator.requests())).toEqual([]);
  }, 120_000);
});

describe('publish and verify', () => {
  it('runs the whole chain for two arches into four regions: public snapshots and AMIs, nightlies deprecated, verified', async () => {
    await throughCopy();
    const result = await runPublish(settings('publish'), quiet);
    expect(result.published).toHaveLength(20); // 4 AMIs × (base + 4 regions)
    const inventory = world.emulator.inventory();
    expect(inventory.images).toHaveLength(20);
    expect(inventory.images.every((image) => image.public)).toBe(true);
    expect(inventory.snapshots.every((snapshot) => snapshot.public)).toBe(true);
    const deprecations = result.published.map((entry) => new Date(entry.deprecateAt!).getTime());
    const in30Days = Date.now() + 30 * 24 * 3600 * 1000;
    expect(deprecations.every((at) => Math.abs(at - in30Days) < 5 * 60_000)).toBe(true);

    const verified = await runVerify(settings('verify'), quiet);
    expect(verified.rows).toHaveLength(20);
    expect(verified.gaps).toEqual([]);
    const manifest = JSON.parse(await readFile(join(world.dir, 'manifest.json'), 'utf8'));
    expect(manifest.compose_id).toBe(world.compose.composeId);
    expect(manifest.images).toHaveLength(2);
    const x86 = manifest.images.find((record: { architecture: string }) => record.architecture === 'x86_64');
    expect(x86).toMatchObject({
      architecture: 'x86_64',
      compose_id: world.compose.composeId,
      image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-Rawhide-20260403.0',
      // Fedora's schema has an integer release: Rawhide's is its fedora-release package's version.
      release: 45,
      release_name: 'Rawhide',
      subvariant: 'Cloud_Base',
    });
    expect(Object.keys(x86.regions)).toEqual([
      'ap-south-1',
      'eu-west-1',
      'sa-east-1',
      'us-east-1',
      'us-west-2',
    ]);
    // As read back from AWS in that region, not as configured.
    expect(x86.flavours.gp2.regions['eu-west-1']).toMatchObject({
      ami: expect.stringMatching(/^ami-/),
      public: true,
      deprecation_time: expect.any(String),
      architecture: 'x86_64',
      boot_mode: 'uefi-preferred',
      ena_support: true,
      imds_support: 'v2.0',
      tpm_support: '',
      volume_type: 'gp2',
      volume_size: expect.any(Number),
    });
    expectClean(world.emulator, expect);

    // Re-running publish changes nothing and still succeeds: not even the deprecation, when the
    // re-run asks for another (a nightly re-published daily must still expire).
    const before = world.emulator.requests().length;
    const rerun = await runPublish(settings('publish', { 'deprecation-days': '90' }), quiet);
    expect(rerun.skippedRegions).toEqual([]);
    // (Granting launch and create-volume again is idempotent and cheap, and repairs a grant taken
    // away since; the deprecation is not re-set.)
    const changes = world.emulator
      .requests()
      .slice(before)
      .filter((request) => /ImageDeprecation$/.test(request.operation));
    expect(changes.map((request) => request.operation)).toEqual([]);
    expect(rerun.published.map((entry) => entry.deprecateAt)).toEqual(
      result.published.map((entry) => entry.deprecateAt),
    );
  }, 120_000);

  // EC2 User Guide, "Deprecate an AMI": every public AMI is deprecated 2 years after its creation
  // unless set earlier, and at most that far; once public, its deprecation only moves earlier.
  describe('deprecation as AWS keeps it for public AMIs', () => {
    const DAY = 24 * 3600 * 1000;
    /** 2 years after a creation date, in calendar years (the shorter reading is 730 days). */
    const twoYearsAfter = (created: string) => {
      const at = new Date(created);
      at.setUTCFullYear(at.getUTCFullYear() + 2);
      return at.getTime();
    };
    /** Every AMI's deprecation and creation, as DescribeImages answers in its region. */
    async function deprecations(): Promise<Map<string, { at: string | undefined; created: string }>> {
      const found = new Map<string, { at: string | undefined; created: string }>();
      for (const region of ['us-east-1', ...REGIONS]) {
        const ec2 = new EC2Client({ region });
        const { Images } = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
        ec2.destroy();
        for (const image of Images ?? [])
          found.set(image.ImageId!, { at: image.DeprecationTime, created: image.CreationDate! });
      }
      return found;
    }
    /** Publish with the compose treated as a release (its kind not among the expiring ones). */
    const asRelease = (extra: Partial<Record<InputName, string>> = {}) =>
      settings('publish', { 'expiring-composes': 'test', ...extra });

    it('deprecates a nightly that a stopped run had made public, which AWS gave 2 years', async () => {
      await throughCopy();
      for (const image of world.emulator.inventory().images) {
        const ec2 = new EC2Client({ region: image.region });
        await ec2.send(
          new ModifyImageAttributeCommand({
            ImageId: image.id,
            LaunchPermission: { Add: [{ Group: 'all' }] },
          }),
        );
        ec2.destroy();
      }
      const result = await runPublish(settings('publish'), quiet);
      const in30Days = Date.now() + 30 * DAY;
      const aws = await deprecations();
      expect(result.published).toHaveLength(20);
      for (const entry of result.published) {
        expect(aws.get(entry.imageId)!.at).toBe(entry.deprecateAt);
        expect(Math.abs(new Date(entry.deprecateAt!).getTime() - in30Days)).toBeLessThan(5 * 60_000);
      }
    }, 120_000);

    it('reports the deprecation a public release AMI has, the same on a re-run', async () => {
      await throughCopy();
      const result = await runPublish(asRelease(), quiet);
      const aws = await deprecations();
      for (const entry of result.published) {
        const { at, created } = aws.get(entry.imageId)!;
        expect(entry.deprecateAt).toBe(at);
        expect(new Date(at!).getTime()).toBeLessThanOrEqual(twoYearsAfter(created));
        expect(new Date(at!).getTime()).toBeGreaterThan(Date.now() + 729 * DAY);
      }
      const rerun = await runPublish(asRelease(), quiet);
      expect(rerun.published.map((entry) => entry.deprecateAt)).toEqual(
        result.published.map((entry) => entry.deprecateAt),
      );
    }, 120_000);

    it('deprecates a release AMI published days after its creation no later than AWS allows', async () => {
      await throughCopy();
      // Release AMIs are made before release day and published on it.
      for (const image of world.emulator.state.images.values()) image.createdAt -= 10 * DAY;
      const { lines, log } = capturedLog();
      const result = await runPublish(asRelease({ 'release-deprecation-days': '730' }), log);
      const aws = await deprecations();
      expect(result.published).toHaveLength(20);
      for (const entry of result.published) {
        const { at, created } = aws.get(entry.imageId)!;
        expect(entry.deprecateAt).toBe(at);
        expect(new Date(at!).getTime()).toBeLessThanOrEqual(twoYearsAfter(created));
        expect(new Date(at!).getTime()).toBeGreaterThan(Date.now() + 700 * DAY);
      }
      expect(lines).toContainEqual(
        expect.stringMatching(/730 days from now is past the 2 years after its creation that AWS allows/),
      );
    }, 120_000);
  });

  it('changes nothing anywhere when block-public-access is on in one required region', async () => {
    await throughCopy();
    world.emulator.setRegion('ap-south-1', { blockPublicAccess: true });
    const error = await runPublish(settings('publish'), quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toMatch(/pre-flight failed in ap-south-1/);
    expect((error as Error).message).toMatch(/disable-image-block-public-access --region ap-south-1/);
    expect((error as PublishError).hint).toBe(
      'Fix the account settings named above, then re-run the publish job.',
    );
    const inventory = world.emulator.inventory();
    expect(inventory.images.some((image) => image.public)).toBe(false);
    expect(inventory.snapshots.some((snapshot) => snapshot.public)).toBe(false);
    expect(
      world.emulator
        .requests()
        .filter((request) => /^Modify(Image|Snapshot)Attribute$/.test(request.operation)),
    ).toEqual([]);
  }, 120_000);

  /**
   * Every fedimg AMI of the account (or those whose name `only` accepts), in every region, with the
   * tags of `key` set to `value` (or removed).
   */
  async function retagEverywhere(
    key: string,
    value: string | undefined,
    only: (name: string) => boolean = () => true,
  ): Promise<void> {
    for (const region of ['us-east-1', ...REGIONS]) {
      const ec2 = new EC2Client({ region });
      const ids = world.emulator
        .inventory()
        .images.filter((image) => image.region === region && only(image.name))
        .map((image) => image.id);
      if (ids.length === 0) continue;
      if (value === undefined)
        await ec2.send(new DeleteTagsCommand({ Resources: ids, Tags: [{ Key: key }] }));
      else await ec2.send(new CreateTagsCommand({ Resources: ids, Tags: [{ Key: key, Value: value }] }));
      ec2.destroy();
    }
  }

  it.each([
    ['failed', 'failed'],
    ['never ran', undefined],
  ] as const)(
    'makes nothing public unless its boot test passed: a boot test that %s',
    async (_case, verdict) => {
      await throughCopy();
      await retagEverywhere(TAG.bootTest, verdict);
      const error = await runPublish(settings('publish'), quiet).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublishError);
      expect((error as Error).message).toMatch(
        verdict === 'failed' ? /has failed the boot test/ : /has not passed the boot test/,
      );
      const inventory = world.emulator.inventory();
      expect(inventory.images.some((image) => image.public)).toBe(false);
      expect(inventory.snapshots.some((snapshot) => snapshot.public)).toBe(false);
    },
    120_000,
  );

  it('makes nothing public when a copy is missing in one region or not yet available in another', async () => {
    await throughCopy();
    const gone = await removeX86Copy('us-west-2');
    // An AMI is "pending" until AWS has made it (DescribeImages' State); set here, as a slow copy.
    const slow = x86Copy('ap-south-1');
    world.emulator.state.images.get(slow.id)!.state = 'pending';
    const error = await runPublish(settings('publish'), quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    const message = (error as Error).message;
    expect(message).toContain(`${gone.name} does not exist in us-west-2.`);
    expect(message).toContain(`${slow.id} (${slow.name}) in ap-south-1 is pending.`);
    // The copies are the problem: its siblings' missing verdict is not named as a boot test to run.
    expect(message).not.toMatch(/boot test/);
    expect((error as PublishError).hint).toBe(
      'Run the import and copy jobs for the regions named (finished work is reused), then re-run publish.',
    );
    expect(world.emulator.inventory().images.some((image) => image.public)).toBe(false);
  }, 120_000);

  it('names snapshots that EBS encryption by default made encrypted, which can never be public', async () => {
    world.emulator.setRegion('us-west-2', { encryptionByDefault: true });
    await throughCopy();
    const error = await runPublish(settings('publish'), quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toMatch(
      /Snapshots snap-\w+(, snap-\w+){3} in us-west-2 are encrypted \(EBS encryption by default is on\) and can never be public: turn off encryption by default in us-west-2 \(aws ec2 disable-ebs-encryption-by-default --region us-west-2\), then delete these AMIs and re-run import\/copy\./,
    );
    // Turned off since: the snapshots stay encrypted, and the message no longer blames the default.
    world.emulator.setRegion('us-west-2', { encryptionByDefault: false });
    const again = await runPublish(settings('publish'), quiet).catch((e: unknown) => e);
    expect((again as Error).message).toMatch(/in us-west-2 are encrypted and can never be public: /);
    expect(world.emulator.inventory().images.some((image) => image.public)).toBe(false);
  }, 120_000);

  it('names the AMI and the next step when AWS refuses to publish it, and reports the failure', async () => {
    await throughCopy();
    world.emulator.addFault({
      operation: 'ModifySnapshotAttribute',
      region: 'us-west-2',
      kind: 'server-error',
    });
    const events = join(world.dir, 'publish-failure.ndjson');
    const error = await runPublish(settings('publish', { 'events-file': events }), quiet).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toMatch(
      /^Publishing ami-\w+ \(Fedora-Cloud-Base-AmazonEC2\.\w+-Rawhide-20260403\.0(-gp2)?\) in us-west-2 failed: .*InternalError.*\. Re-run the publish job; what is already public stays so\.$/,
    );
    const failed = (await readFile(events, 'utf8'))
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            topic: string;
            status: string;
            destination: string;
            extra: Record<string, unknown>;
          },
      )
      .filter((event) => event.topic === 'image.publish' && event.status === 'failed');
    expect(failed).toEqual([
      expect.objectContaining({
        destination: 'us-west-2',
        extra: expect.objectContaining({
          id: expect.stringMatching(/^ami-/),
          error: expect.stringMatching(/InternalError/),
        }),
      }),
    ]);
  }, 120_000);

  it('does nothing for a compose that ended DOOMED', async () => {
    const payload = statusMessage(world.compose, world.location(), 'DOOMED');
    const { lines, log } = capturedLog();
    const result = await runPublish(
      settings('publish', { 'compose-location': '', 'compose-payload': JSON.stringify(payload) }),
      log,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^notice: fedimg publish: Nothing was done: .*DOOMED/),
    );
    expect(result).toEqual({
      composeId: world.compose.composeId,
      skipped: true,
      reason: expect.stringMatching(/DOOMED/),
      published: [],
      skippedRegions: [],
    });
    expect(world.emulator.requests()).toEqual([]);
  });

  it('reports a public-AMI quota that would be exceeded, with the fix, before any change', async () => {
    await throughCopy();
    await expect(runPublish(settings('publish', { 'public-ami-quota': '3' }), quiet)).rejects.toThrow(
      /over the account's quota of 3.*Service Quotas/s,
    );
    expect(world.emulator.inventory().images.some((image) => image.public)).toBe(false);
  }, 120_000);

  it('skips a best-effort region that fails pre-flight and publishes the rest', async () => {
    // Two problems there: its copies are encrypted by default, and block-public-access is on.
    world.emulator.setRegion('sa-east-1', { encryptionByDefault: true });
    await throughCopy();
    world.emulator.setRegion('sa-east-1', { blockPublicAccess: true });
    const { lines, log } = capturedLog();
    const events = join(world.dir, 'best-effort.ndjson');
    const result = await runPublish(
      settings('publish', {
        'best-effort-regions': 'sa-east-1',
        'events-file': events,
        regions: [...REGIONS, 'il-central-1'].join(','),
      }),
      log,
    );
    expect(result).toMatchObject({ skipped: false, skippedRegions: ['sa-east-1'] });
    expect(result.published).toHaveLength(16);
    // What the job's log says: the checks, the region skipped and why, what was published, and
    // Fedora's message for each image's default flavour in the regions it is public in.
    expect(lines).toContain(
      'notice: fedimg publish: Skipping region(s) not enabled for this account: il-central-1. Enable them under Account → AWS Regions to publish there.',
    );
    expect(lines).toContain('▸ Pre-flight checks in 5 region(s)');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^warning: fedimg publish: Skipping best-effort region sa-east-1: Block public access for AMIs is on in sa-east-1: turn it off \(aws ec2 disable-image-block-public-access --region sa-east-1, or EC2 console → AMIs → Data protection and security\); the change takes up to 10 minutes\. Snapshots snap-\w+(, snap-\w+){3} in sa-east-1 are encrypted \(EBS encryption by default is on\) and can never be public: /,
      ),
    );
    expect(lines).toContain('▸ Publish');
    expect(lines).toContain('Published 16 AMI(s) in 4 region(s).');
    for (const arch of ['x86_64', 'aarch64'])
      expect(lines).toContain(
        `Announced Fedora-Cloud-Base-AmazonEC2.${arch}-Rawhide-20260403.0 in 4 region(s) on fedora_image_uploader.published.v1.aws.rawhide.Cloud_Base.${arch}.`,
      );
    const written = (await readFile(events, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const completed = written.filter(
      (event) => event.topic === 'image.publish' && event.status === 'completed',
    );
    expect(completed).toHaveLength(16);
    expect(completed).toContainEqual(
      expect.objectContaining({
        destination: 'eu-west-1',
        extra: { virt_type: 'hvm', id: expect.stringMatching(/^ami-/), vol_type: 'gp2', flavour: 'gp2' },
      }),
    );
    const messages = written.filter((event) => event.schema !== undefined);
    expect(messages).toHaveLength(2);
    for (const message of messages)
      expect(Object.keys(message.body.regions).sort()).toEqual([
        'ap-south-1',
        'eu-west-1',
        'us-east-1',
        'us-west-2',
      ]);
    const inventory = world.emulator.inventory();
    expect(
      inventory.images.filter((image) => image.region === 'sa-east-1').some((image) => image.public),
    ).toBe(false);
    expect(
      inventory.images.filter((image) => image.region !== 'sa-east-1').every((image) => image.public),
    ).toBe(true);
  }, 120_000);

  it('judges each image by its own boot test, names every problem on a line of its own, and every next step', async () => {
    await throughCopy();
    // aarch64 failed its boot test; x86_64 passed, and one of its copies is missing.
    await retagEverywhere(TAG.bootTest, 'failed', (name) => name.includes('aarch64'));
    const gone = await removeX86Copy('us-west-2');
    const error = (await runPublish(settings('publish'), quiet).catch((e: unknown) => e)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    // The hint has the last line of its own.
    const [first, ...problems] = error.message.split('\n').slice(0, -1);
    expect(error.message.endsWith(`\n${error.hint}`)).toBe(true);
    expect(first).toBe(
      'Nothing was made public: pre-flight failed in us-east-1, eu-west-1, ap-south-1, sa-east-1, us-west-2:',
    );
    // Two aarch64 flavours in five regions, and the missing copy; no x86_64 AMI is called untested.
    expect(problems).toHaveLength(11);
    expect(problems.filter((line) => /aarch64.*has failed the boot test\.$/.test(line))).toHaveLength(10);
    expect(problems).toContain(`${gone.name} does not exist in us-west-2.`);
    expect(problems.some((line) => /x86_64.*boot test/.test(line))).toBe(false);
    expect(error.hint).toBe(
      'Run the import and copy jobs for the regions named (finished work is reused), then re-run publish. ' +
        'Run the boot test (or fix the image and re-run it); an AMI that has not passed is never made public.',
    );
    expect(world.emulator.inventory().images.some((image) => image.public)).toBe(false);
  }, 120_000);

  it('re-publishes what is already public although block-public-access is on since and the quota is full', async () => {
    await throughCopy();
    await runPublish(settings('publish'), quiet);
    // Nothing new is made public, so neither setting stops the re-run: each region holds its four
    // public AMIs, exactly the quota.
    world.emulator.setRegion('us-west-2', { blockPublicAccess: true });
    const rerun = await runPublish(settings('publish', { 'public-ami-quota': '4' }), quiet);
    expect(rerun.skippedRegions).toEqual([]);
    expect(rerun.published).toHaveLength(20);
    // One more public AMI in a region whose quota is full is refused.
    const ec2 = new EC2Client({ region: 'eu-west-1' });
    const { ModifyImageAttributeCommand } = await import('@aws-sdk/client-ec2');
    const one = world.emulator.inventory().images.find((image) => image.region === 'eu-west-1')!;
    await ec2.send(
      new ModifyImageAttributeCommand({ ImageId: one.id, LaunchPermission: { Remove: [{ Group: 'all' }] } }),
    );
    ec2.destroy();
    await expect(runPublish(settings('publish', { 'public-ami-quota': '3' }), quiet)).rejects.toThrow(
      /eu-west-1 would hold 4 public AMIs, over the account's quota of 3/,
    );
  }, 120_000);

  it('shares with the listed accounts instead when public is false, and grants nothing to no one', async () => {
    await throughCopy();
    const account = '123456789012';
    const shared = await runPublish(
      settings('publish', { public: 'false', 'share-accounts': account }),
      quiet,
    );
    expect(shared.published).toHaveLength(20);
    expect(shared.published.every((entry) => !entry.public)).toBe(true);
    for (const image of world.emulator.state.images.values()) {
      expect(image.launchPermission.groups.has('all')).toBe(false);
      expect([...image.launchPermission.users]).toEqual([account]);
    }
    for (const snapshot of world.emulator.state.snapshots.values()) {
      expect([...snapshot.createVolumePermission.users]).toEqual([account]);
    }
    // Not public and no accounts: nothing is granted (nightlies are still deprecated).
    const before = world.emulator.requests().length;
    const alone = await runPublish(settings('publish', { public: 'false' }), quiet);
    expect(alone.published).toHaveLength(20);
    expect(
      world.emulator
        .requests()
        .slice(before)
        .filter((request) => /^Modify(Image|Snapshot)Attribute$/.test(request.operation)),
    ).toEqual([]);
  }, 120_000);

  it('makes the plain flavours public and keeps an encrypted flavour private, which can never be public', async () => {
    const kms = { 'kms-key-id': 'alias/fedimg', regions: 'eu-west-1' };
    await runImport(settings('import', kms), quiet);
    await runBootTest(settings('boot-test', kms), quiet);
    await runCopy(settings('copy', kms), quiet);
    const result = await runPublish(settings('publish', kms), quiet);
    // 2 arches × 3 flavours × 2 regions; the encrypted snapshots are not a reason to refuse.
    expect(result.published).toHaveLength(12);
    for (const entry of result.published)
      expect(entry.public, entry.ami.name).toBe(entry.ami.flavour.name !== 'gp3-encrypted');
    for (const image of world.emulator.inventory().images)
      expect(image.public, image.name).toBe(!image.name.endsWith('-gp3-encrypted'));
  }, 120_000);

  it('publishes a compose with no release number, and says why Fedora gets no message for it', async () => {
    const unnumbered = {
      'compose-location': world.location(world.composes[1]),
      regions: 'eu-west-1',
      'volume-types': 'gp3',
    };
    await runImport(settings('import', unnumbered), quiet);
    await runBootTest(settings('boot-test', unnumbered), quiet);
    await runCopy(settings('copy', unnumbered), quiet);
    const { lines, log } = capturedLog();
    const result = await runPublish(settings('publish', unnumbered), log);
    expect(result.published).toHaveLength(2);
    expect(lines).toContain(
      'notice: fedimg publish: No fedora_image_uploader.published.v1.aws message for Fedora-Cloud-Base-AmazonEC2.x86_64-Rawhide-20260404.0: fedora_image_uploader.published.v1.aws needs a release number and Rawhide has none.',
    );
    expect(lines.some((line) => line.startsWith('Announced'))).toBe(false);
  }, 120_000);

  it('verify catches a deleted copy and a private AMI', async () => {
    await throughCopy();
    await runPublish(settings('publish'), quiet);
    await removeX86Copy('us-west-2');
    const error = await runVerify(settings('verify'), quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerifyError);
    expect((error as VerifyError).hint).toMatch(/^Re-run import \(base region\) or copy/);
    expect((error as Error).message).toMatch(
      /Fedora-Cloud-Base-AmazonEC2.x86_64-Rawhide-20260403.0 is missing in us-west-2/,
    );
    await expect(runVerify(settings('verify', { public: 'false' }), quiet)).rejects.toThrow(
      /is public, expected private/,
    );
  }, 120_000);
});
