/**
 * The publish role's policy (docs/iam-policy.json), enforced by the emulator: fedimg's whole
 * pipeline runs under it, and the same role can do nothing to what is not fedimg's.
 */
import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { terminalLog } from '../../src/log.js';
import { runBootTest } from '../../src/stages/boot-test.js';
import { runCleanup } from '../../src/stages/cleanup.js';
import { runCopy } from '../../src/stages/copy.js';
import { runImport } from '../../src/stages/import.js';
import { runPublish } from '../../src/stages/publish.js';
import { runVerify } from '../../src/stages/verify.js';
import { ADMIN_CREDENTIALS } from '../../emulator/server.js';
import { expectClean, makeAmi } from '../helpers/aws.js';
import { applyRolePolicy, STAGING_BUCKET } from '../helpers/iam.js';
import { useWorld } from '../helpers/world.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const world = useWorld('fedimg-iam-', [
  { composeId: 'Fedora-Rawhide-20261105.n.0', rawSize: 2 * 1024 * 1024 + 7 },
]);
afterEach(() => world.emulator.setIamPolicy(undefined));

const refused = () => world.emulator.requests().filter((request) => request.status === 403);

describe('the publish role (docs/iam-policy.json)', () => {
  it('runs the whole pipeline, import to cleanup, without one refused call', async () => {
    applyRolePolicy(world.emulator);
    const settings = (stage: string) =>
      world.settings(stage, {
        regions: 'eu-west-1,ap-south-1',
        'manifest-file': `${world.dir}/manifest.json`,
      });
    await runImport(settings('import'), quiet);
    await runBootTest(settings('boot-test'), quiet);
    await runCopy(settings('copy'), quiet);
    await runPublish(settings('publish'), quiet);
    expect((await runVerify(settings('verify'), quiet)).gaps).toEqual([]);
    // A day and a half later every nightly has expired: cleanup makes them private, under the policy too.
    const actions = await runCleanup(world.settings('cleanup', { 'deprecation-days': '1' }), quiet, {
      now: () => Date.now() + 400 * 24 * 3600 * 1000,
    });
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((action) => action.done)).toBe(true);
    expect(refused()).toEqual([]);
    expectClean(world.emulator, expect);
  }, 120_000);

  it('imports through S3 with the import-snapshot policy added, without one refused call', async () => {
    await new S3Client({ region: 'us-east-1', forcePathStyle: true, credentials: ADMIN_CREDENTIALS }).send(
      new CreateBucketCommand({ Bucket: STAGING_BUCKET }),
    );
    applyRolePolicy(world.emulator, { importSnapshot: true });
    const result = await runImport(
      world.settings('import', { 'upload-method': 'import-snapshot', 's3-bucket': STAGING_BUCKET }),
      quiet,
    );
    expect(result.imported).toHaveLength(2);
    expect(refused()).toEqual([]);
    expectClean(world.emulator, expect);
  }, 120_000);

  it('cannot delete, deregister, share, deprecate, tag or boot what is not fedimg’s', async () => {
    const theirs = await makeAmi({ tags: { Owner: 'someone-else' } });
    applyRolePolicy(world.emulator);
    const ec2 = new EC2Client({ region: 'us-east-1', maxAttempts: 1 });
    const attempts = {
      'delete its snapshot': new DeleteSnapshotCommand({ SnapshotId: theirs.snapshotId }),
      'deregister its AMI': new DeregisterImageCommand({ ImageId: theirs.imageId }),
      'make its AMI public': new ModifyImageAttributeCommand({
        ImageId: theirs.imageId,
        LaunchPermission: { Add: [{ Group: 'all' }] },
      }),
      'share its snapshot': new ModifySnapshotAttributeCommand({
        SnapshotId: theirs.snapshotId,
        CreateVolumePermission: { Add: [{ UserId: '210987654321' }] },
      }),
      'deprecate its AMI': new EnableImageDeprecationCommand({
        ImageId: theirs.imageId,
        DeprecateAt: new Date(Date.now() + 3600_000),
      }),
      'claim it by tagging it ManagedBy=fedimg': new CreateTagsCommand({
        Resources: [theirs.imageId, theirs.snapshotId],
        Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }],
      }),
      'boot it': new RunInstancesCommand({
        ImageId: theirs.imageId,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }] }],
      }),
    };
    for (const [what, command] of Object.entries(attempts)) {
      const error = await ec2.send(command as never).then(
        () => undefined,
        (failure: { name: string }) => failure,
      );
      expect(error?.name, what).toBe('UnauthorizedOperation');
    }
    // fedimg's own resources stay within reach: retagging the ManagedBy key itself is not.
    const ours = await makeAmi({ tags: { ManagedBy: 'fedimg' } });
    await ec2.send(
      new CreateTagsCommand({
        Resources: [ours.imageId],
        Tags: [{ Key: 'fedimg:boot-test', Value: 'passed' }],
      }),
    );
    const retag = await ec2
      .send(
        new CreateTagsCommand({ Resources: [ours.imageId], Tags: [{ Key: 'ManagedBy', Value: 'other' }] }),
      )
      .then(
        () => undefined,
        (failure: { name: string }) => failure,
      );
    expect(retag?.name).toBe('UnauthorizedOperation');
    await ec2.send(new DeregisterImageCommand({ ImageId: ours.imageId }));
    ec2.destroy();
    world.emulator.setIamPolicy(undefined);
    const inventory = world.emulator.inventory();
    expect(inventory.images.map((image) => image.id)).toEqual([theirs.imageId]);
    expect(inventory.images[0]!.public).toBe(false);
    expect(inventory.images[0]!.tags).toEqual({ Owner: 'someone-else' });
    expect(inventory.instances).toEqual([]);
  }, 60_000);
});
