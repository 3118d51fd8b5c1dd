/**
 * The emulator's IAM model against AWS's documents, row by row: every action the emulator serves is
 * authorized, through the real SDK, on the resource types its SAR row requires, and every condition
 * key in each authorization's context is one the SAR lists for that resource type (or for the whole
 * action). The rows where AWS shows less than the emulator could (the sources of copies) are checked
 * for exactly that.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  CancelImportTaskCommand,
  CopyImageCommand,
  CopySnapshotCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeImportSnapshotTasksCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DisableImageDeprecationCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  GetConsoleOutputCommand,
  GetEbsEncryptionByDefaultCommand,
  GetImageBlockPublicAccessStateCommand,
  GetSnapshotBlockPublicAccessStateCommand,
  ImportSnapshotCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilImageAvailable,
} from '@aws-sdk/client-ec2';
import {
  CompleteSnapshotCommand,
  EBSClient,
  GetSnapshotBlockCommand,
  ListSnapshotBlocksCommand,
  PutSnapshotBlockCommand,
  StartSnapshotCommand,
} from '@aws-sdk/client-ebs';
import {
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CancelChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeEntityCommand,
  ListChangeSetsCommand,
  MarketplaceCatalogClient,
  StartChangeSetCommand,
} from '@aws-sdk/client-marketplace-catalog';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorizationRequest } from '../../emulator/iam/evaluate.js';
import { DOCUMENTED_BEHAVIOUR, IAM_MODEL } from '../../emulator/iam/model/index.js';
import type { Emulator } from '../../emulator/server.js';
import { ACCOUNT_ID } from '../../emulator/state.js';
import { makeAmi, startEmulator } from '../helpers/aws.js';

const BLOCK = 524288;
const everything = { Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] };

/** A key the SAR lists for a resource type (or the whole action) covers a context key of that shape. */
function listed(keys: readonly string[], key: string): boolean {
  return keys.some((pattern) => {
    const variable = pattern.search(/\$\{|<key>/);
    return variable < 0
      ? pattern.toLowerCase() === key.toLowerCase()
      : key.toLowerCase().startsWith(pattern.slice(0, variable).toLowerCase());
  });
}

describe('the IAM model, as data', () => {
  it('gives every row its source: the SAR page, its address and the copy read', () => {
    for (const [action, row] of Object.entries(IAM_MODEL)) {
      expect(row.source.url, action).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/service-authorization\//);
      expect(row.source.read, action).toMatch(/\d{4}-\d{2}-\d{2}/);
    }
    for (const rule of DOCUMENTED_BEHAVIOUR) {
      expect(IAM_MODEL[rule.action], rule.action).toBeDefined();
      expect(rule.source.url, rule.action).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
  });

  it('holds the rows the routes turn on, as the SAR prints them', () => {
    const keysOf = (action: string, type: string) =>
      IAM_MODEL[action]!.resources.find((resource) => resource.type === type)!.keys;
    // Copies: the source is authorized without its tags.
    expect(keysOf('ec2:CopySnapshot', 'snapshot')).not.toContain('aws:ResourceTag/${TagKey}');
    expect(keysOf('ec2:CopyImage', 'image')).not.toContain('aws:ResourceTag/${TagKey}');
    // EBS direct: a parent snapshot is a key of the whole request.
    expect(IAM_MODEL['ebs:StartSnapshot']!.actionKeys).toContain('ebs:ParentSnapshot');
    // ImportSnapshot needs the snapshot as well as the task.
    expect(
      IAM_MODEL['ec2:ImportSnapshot']!.resources.filter((resource) => resource.required).map((r) => r.type),
    ).toEqual(['import-snapshot-task', 'snapshot']);
    expect(IAM_MODEL['ec2:RunInstances']!.dependentActions).toContain('iam:PassRole');
    expect(IAM_MODEL['aws-marketplace:StartChangeSet']!.actionKeys).toContain('catalog:ChangeType');
    expect(IAM_MODEL['iam:PassRole']!.actionKeys).toContain('iam:PassedToService');
  });
});

describe('each action the emulator serves, as its SAR row authorizes it', () => {
  let emulator: Emulator;
  const seen: AuthorizationRequest[] = [];
  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.setIamPolicy(everything);
  });
  afterAll(() => emulator.stop());

  const ec2 = new EC2Client({ region: 'us-east-1', maxAttempts: 1 });
  const ebs = new EBSClient({ region: 'us-east-1', maxAttempts: 1 });
  const s3 = new S3Client({ region: 'us-east-1', forcePathStyle: true, maxAttempts: 1 });
  const iam = new IAMClient({ region: 'us-east-1', maxAttempts: 1 });
  const catalog = new MarketplaceCatalogClient({ region: 'us-east-1', maxAttempts: 1 });

  const available = (imageId: string) =>
    waitUntilImageAvailable(
      { client: ec2, minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 10 },
      { ImageIds: [imageId] },
    );

  /** Sends a call and returns the authorizations the emulator made for it. */
  async function authorized(send: () => Promise<unknown>): Promise<AuthorizationRequest[]> {
    const before = emulator.requests().length;
    await send();
    const made = emulator
      .requests()
      .slice(before)
      .flatMap((request) => request.authorizations ?? []);
    seen.push(...made);
    return made;
  }

  /** Every authorization matches the SAR row: known action, listed resource type, listed keys only. */
  function conforms(authorizations: AuthorizationRequest[]): void {
    for (const { action, resourceType, context } of authorizations) {
      const row = IAM_MODEL[action];
      expect(row, action).toBeDefined();
      const resource = row!.resources.find((candidate) => candidate.type === resourceType);
      if (resourceType !== undefined) expect(resource, `${action} on ${resourceType}`).toBeDefined();
      for (const key of Object.keys(context))
        expect(
          listed([...(resource?.keys ?? []), ...row!.actionKeys], key),
          `${action} on ${resourceType}: ${key}`,
        ).toBe(true);
    }
  }

  /** The resource types an action was authorized on. */
  const typesOf = (authorizations: AuthorizationRequest[], action: string) =>
    authorizations.filter((entry) => entry.action === action).map((entry) => entry.resourceType);

  it('EBS direct: StartSnapshot (with ebs:ParentSnapshot when a parent is named), the block calls on the snapshot', async () => {
    const tags = [{ Key: 'ManagedBy', Value: 'fedimg' }];
    let snapshotId = '';
    const start = await authorized(async () => {
      snapshotId = (await ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Tags: tags, Description: 'd' })))
        .SnapshotId!;
    });
    conforms(start);
    expect(start.find((entry) => entry.action === 'ebs:StartSnapshot')!.context).toMatchObject({
      'aws:RequestTag/ManagedBy': 'fedimg',
      'ebs:VolumeSize': '1',
    });
    expect(start.find((entry) => entry.action === 'ec2:CreateTags')!.context['ec2:CreateAction']).toBe(
      'StartSnapshot',
    );
    const data = Buffer.alloc(BLOCK, 1);
    const checksum = createHash('sha256').update(data).digest('base64');
    const blocks = await authorized(async () => {
      await ebs.send(
        new PutSnapshotBlockCommand({
          SnapshotId: snapshotId,
          BlockIndex: 0,
          BlockData: data,
          DataLength: BLOCK,
          Checksum: checksum,
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      await ebs.send(new CompleteSnapshotCommand({ SnapshotId: snapshotId, ChangedBlocksCount: 1 }));
    });
    conforms(blocks);
    expect(blocks.map((entry) => entry.context['aws:ResourceTag/ManagedBy'])).toEqual(['fedimg', 'fedimg']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const child = await authorized(() =>
      ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: snapshotId })),
    );
    conforms(child);
    expect(child[0]!.context['ebs:ParentSnapshot']).toBe(`arn:aws:ec2:us-east-1::snapshot/${snapshotId}`);
    const reads = await authorized(async () => {
      const { Blocks } = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId }));
      await ebs.send(
        new GetSnapshotBlockCommand({
          SnapshotId: snapshotId,
          BlockIndex: 0,
          BlockToken: Blocks![0]!.BlockToken!,
        }),
      );
    });
    conforms(reads);
  });

  it('EC2 images and snapshots: every required resource, the sources of copies without their tags', async () => {
    const { imageId, snapshotId } = await makeAmi({ tags: { ManagedBy: 'fedimg', Owner: 'them' } });
    await available(imageId);
    const tagged = (type: 'image' | 'snapshot') => ({
      ResourceType: type,
      Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }],
    });
    const register = await authorized(() =>
      ec2.send(
        new RegisterImageCommand({
          Name: `conformance-${randomBytes(3).toString('hex')}`,
          RootDeviceName: '/dev/sda1',
          BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: snapshotId } }],
          TagSpecifications: [tagged('image')],
        }),
      ),
    );
    conforms(register);
    expect(typesOf(register, 'ec2:RegisterImage')).toEqual(['image', 'snapshot']);
    const copySnapshot = await authorized(() =>
      ec2.send(
        new CopySnapshotCommand({
          SourceRegion: 'us-east-1',
          SourceSnapshotId: snapshotId,
          TagSpecifications: [tagged('snapshot')],
        }),
      ),
    );
    conforms(copySnapshot);
    const [copy, source] = copySnapshot.filter((entry) => entry.action === 'ec2:CopySnapshot');
    expect(copy!.resource).toBe('arn:aws:ec2:us-east-1::snapshot/*');
    expect(source!.resource).toBe(`arn:aws:ec2:us-east-1::snapshot/${snapshotId}`);
    // AWS shows the request's tags on the source, never the source's own.
    expect(source!.context).toMatchObject({
      'aws:RequestTag/ManagedBy': 'fedimg',
      'ec2:SnapshotID': snapshotId,
    });
    expect(Object.keys(source!.context).some((key) => /ResourceTag/i.test(key))).toBe(false);
    const copyImage = await authorized(() =>
      ec2.send(
        new CopyImageCommand({
          Name: 'copy',
          SourceRegion: 'us-east-1',
          SourceImageId: imageId,
          TagSpecifications: [tagged('image'), tagged('snapshot')],
        }),
      ),
    );
    conforms(copyImage);
    expect(typesOf(copyImage, 'ec2:CopyImage')).toEqual(['image', 'image', 'snapshot']);
    const sourceImage = copyImage.find((entry) => entry.resource.endsWith(imageId))!;
    expect(Object.keys(sourceImage.context).some((key) => /ResourceTag/i.test(key))).toBe(false);
    expect(sourceImage.context['ec2:ImageID']).toBe(imageId);
    const onExisting = await authorized(async () => {
      await ec2.send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }));
      await ec2.send(
        new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }),
      );
      await ec2.send(
        new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: [{ Group: 'all' }] } }),
      );
      await ec2.send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: snapshotId,
          CreateVolumePermission: { Add: [{ UserId: '210987654321' }] },
        }),
      );
      await ec2.send(
        new EnableImageDeprecationCommand({
          ImageId: imageId,
          DeprecateAt: new Date(Date.now() + 86_400_000),
        }),
      );
      // A public AMI's deprecation is cancelled only once it is private (EC2 User Guide).
      await ec2.send(
        new ModifyImageAttributeCommand({
          ImageId: imageId,
          LaunchPermission: { Remove: [{ Group: 'all' }] },
        }),
      );
      await ec2.send(new DisableImageDeprecationCommand({ ImageId: imageId }));
      await ec2.send(
        new CreateTagsCommand({ Resources: [imageId, snapshotId], Tags: [{ Key: 'fedimg:x', Value: 'y' }] }),
      );
      await ec2.send(new DeleteTagsCommand({ Resources: [imageId], Tags: [{ Key: 'fedimg:x' }] }));
    });
    conforms(onExisting);
    const share = onExisting.find((entry) => entry.action === 'ec2:ModifySnapshotAttribute')!;
    expect(share.context).toMatchObject({
      'ec2:Attribute': 'createVolumePermission',
      'ec2:Add/userId': ['210987654321'],
    });
    const publish = onExisting.find((entry) => entry.action === 'ec2:ModifyImageAttribute')!;
    // The SAR lists ec2:Add/group for snapshots only: nothing says whom an AMI is shared with.
    expect(publish.context).toMatchObject({
      'aws:ResourceTag/ManagedBy': 'fedimg',
      'ec2:Attribute': 'launchPermission',
    });
    expect(publish.context['ec2:Add/group']).toBeUndefined();
    const removal = await authorized(async () => {
      await ec2.send(new DeregisterImageCommand({ ImageId: imageId }));
      const { Images } = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
      for (const image of Images ?? [])
        await ec2.send(new DeregisterImageCommand({ ImageId: image.ImageId! }));
      await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    });
    conforms(removal);
  });

  it('EC2 instances: RunInstances on the AMI, instance, interface, groups, subnet when named, volume; IAM for a profile', async () => {
    const { imageId } = await makeAmi({ tags: { ManagedBy: 'fedimg' } });
    await available(imageId);
    const [subnet] = (
      await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))
    ).Subnets!;
    let instanceId = '';
    const withoutSubnet = await authorized(async () => {
      const run = await ec2.send(
        new RunInstancesCommand({
          ImageId: imageId,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          MetadataOptions: { HttpTokens: 'required' },
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }] }],
        }),
      );
      instanceId = run.Instances![0]!.InstanceId!;
    });
    conforms(withoutSubnet);
    expect(typesOf(withoutSubnet, 'ec2:RunInstances').sort()).toEqual([
      'image',
      'instance',
      'network-interface',
      'security-group',
      'volume',
    ]);
    expect(withoutSubnet.find((entry) => entry.resourceType === 'instance')!.context).toMatchObject({
      'ec2:InstanceType': 't3.micro',
      'ec2:MetadataHttpTokens': 'required',
      'aws:RequestTag/ManagedBy': 'fedimg',
    });
    const withSubnet = await authorized(() =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: imageId,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnet!.SubnetId,
          IamInstanceProfile: { Name: 'some-role' },
        }),
      ),
    );
    conforms(withSubnet);
    expect(typesOf(withSubnet, 'ec2:RunInstances')).toContain('subnet');
    expect(withSubnet.find((entry) => entry.action === 'iam:PassRole')).toMatchObject({
      resource: `arn:aws:iam::${ACCOUNT_ID}:role/some-role`,
      context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    });
    const rest = await authorized(async () => {
      await ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId }));
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    });
    conforms(rest);
    expect(rest.map((entry) => entry.resourceType)).toEqual(['instance', 'instance']);
  });

  it('EC2 reads without resource-level permissions, and ImportSnapshot on the task and the snapshot', async () => {
    const reads = await authorized(async () => {
      for (const command of [
        new DescribeRegionsCommand({}),
        new DescribeAvailabilityZonesCommand({}),
        new DescribeImagesCommand({ Owners: ['self'] }),
        new DescribeSnapshotsCommand({ OwnerIds: ['self'] }),
        new DescribeInstancesCommand({}),
        new DescribeInstanceStatusCommand({}),
        new DescribeImportSnapshotTasksCommand({}),
        new DescribeVpcsCommand({}),
        new DescribeSubnetsCommand({}),
        new DescribeSecurityGroupsCommand({}),
        new GetEbsEncryptionByDefaultCommand({}),
        new GetImageBlockPublicAccessStateCommand({}),
        new GetSnapshotBlockPublicAccessStateCommand({}),
      ])
        await ec2.send(command as never);
    });
    conforms(reads);
    expect(reads.every((entry) => entry.resource === '*' && entry.resourceType === undefined)).toBe(true);
    const bucket = await authorized(async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'staging' }));
      await s3.send(new PutObjectCommand({ Bucket: 'staging', Key: 'disk.raw', Body: Buffer.alloc(512) }));
    });
    conforms(bucket);
    expect(bucket.map((entry) => entry.resourceType)).toEqual(['bucket', 'object']);
    const task = await authorized(async () => {
      const { ImportTaskId } = await ec2.send(
        new ImportSnapshotCommand({
          DiskContainer: { Format: 'RAW', UserBucket: { S3Bucket: 'staging', S3Key: 'disk.raw' } },
          TagSpecifications: [
            { ResourceType: 'import-snapshot-task', Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }] },
          ],
        }),
      );
      await ec2.send(new CancelImportTaskCommand({ ImportTaskId }));
    });
    conforms(task);
    expect(typesOf(task, 'ec2:ImportSnapshot')).toEqual(['import-snapshot-task', 'snapshot']);
    expect(task.find((entry) => entry.action === 'ec2:CreateTags')!.context['ec2:CreateAction']).toBe(
      'ImportSnapshot',
    );
  });

  it('S3 objects and buckets, IAM roles and the simulator, STS without any permission', async () => {
    const storage = await authorized(async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'staging', Key: 'a', Body: 'x' }));
      await s3
        .send(new GetObjectCommand({ Bucket: 'staging', Key: 'a' }))
        .then((answer) => answer.Body?.transformToString());
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'staging', Key: 'b' }));
      await s3.send(new AbortMultipartUploadCommand({ Bucket: 'staging', Key: 'b', UploadId }));
      await s3.send(new DeleteObjectCommand({ Bucket: 'staging', Key: 'a' }));
    });
    conforms(storage);
    const roles = await authorized(async () => {
      await iam.send(new GetRoleCommand({ RoleName: 'fedimg' }));
      await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'fedimg' }));
      await iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${ACCOUNT_ID}:role/fedimg`,
          ActionNames: ['ec2:DescribeImages'],
        }),
      );
    });
    conforms(roles);
    expect(roles.map((entry) => entry.resource)).toEqual(
      Array(3).fill(`arn:aws:iam::${ACCOUNT_ID}:role/fedimg`),
    );
    expect(
      await authorized(() => new STSClient({ region: 'us-east-1' }).send(new GetCallerIdentityCommand({}))),
    ).toEqual([]);
  });

  it('the Catalog API: each change on its entity with catalog:ChangeType, and iam:PassRole of the access role', async () => {
    const role = `arn:aws:iam::${ACCOUNT_ID}:role/fedimg-marketplace`;
    emulator.setMarketplace({ preparingMs: 10_000 });
    // A document AWS's AddDeliveryOptions shape takes (the emulator refuses any other at the start).
    const details = {
      Version: { VersionTitle: 'v', ReleaseNotes: 'n' },
      DeliveryOptions: [
        {
          Details: {
            AmiDeliveryOptionDetails: {
              AmiSource: {
                AmiId: 'ami-0123456789abcdef0',
                AccessRoleArn: role,
                UserName: 'fedora',
                OperatingSystemName: 'FEDORA',
                OperatingSystemVersion: '41',
              },
              UsageInstructions: 'u',
              RecommendedInstanceType: 't3.medium',
              SecurityGroups: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: ['0.0.0.0/0'] }],
            },
          },
        },
      ],
    };
    let changeSetId = '';
    const start = await authorized(async () => {
      changeSetId = (
        await catalog.send(
          new StartChangeSetCommand({
            Catalog: 'AWSMarketplace',
            ChangeSet: [
              {
                ChangeType: 'AddDeliveryOptions',
                Entity: { Type: 'AmiProduct@1.0', Identifier: 'prod-abc' },
                DetailsDocument: details,
              },
            ],
          }),
        )
      ).ChangeSetId!;
    });
    conforms(start);
    expect(start).toEqual([
      expect.objectContaining({
        action: 'aws-marketplace:StartChangeSet',
        resource: `arn:aws:aws-marketplace:us-east-1:${ACCOUNT_ID}:AWSMarketplace/AmiProduct/prod-abc`,
        context: { 'aws-marketplace:Intent': 'APPLY', 'catalog:ChangeType': 'AddDeliveryOptions' },
      }),
      expect.objectContaining({
        action: 'iam:PassRole',
        resource: role,
        context: { 'iam:PassedToService': 'assets.marketplace.amazonaws.com' },
      }),
    ]);
    const rest = await authorized(async () => {
      await catalog.send(
        new DescribeChangeSetCommand({ Catalog: 'AWSMarketplace', ChangeSetId: changeSetId }),
      );
      await catalog.send(new DescribeEntityCommand({ Catalog: 'AWSMarketplace', EntityId: 'prod-abc' }));
      await catalog.send(new ListChangeSetsCommand({ Catalog: 'AWSMarketplace' }));
      await catalog.send(new CancelChangeSetCommand({ Catalog: 'AWSMarketplace', ChangeSetId: changeSetId }));
    });
    conforms(rest);
    expect(rest.map((entry) => entry.resourceType)).toEqual(['ChangeSet', 'Entity', undefined, 'ChangeSet']);
  });

  it('has exercised every row of the model the emulator serves', () => {
    const exercised = new Set(seen.map((entry) => entry.action));
    // GetCallerIdentity needs no permission; fedimg never lists, makes or deletes buckets.
    const notAuthorized = [
      'sts:GetCallerIdentity',
      's3:DeleteBucket',
      's3:ListBucket',
      's3:ListBucketMultipartUploads',
    ];
    const missing = Object.keys(IAM_MODEL).filter(
      (action) => !exercised.has(action) && !notAuthorized.includes(action),
    );
    expect(missing).toEqual([]);
  });
});
