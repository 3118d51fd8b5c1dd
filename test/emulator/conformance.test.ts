import { createHash, randomBytes } from 'node:crypto';
import {
  type _InstanceType,
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
  type DescribeImagesCommandInput,
  DescribeImportSnapshotTasksCommand,
  DescribeInstanceStatusCommand,
  DescribeRegionsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DisableImageDeprecationCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  GetConsoleOutputCommand,
  GetEbsEncryptionByDefaultCommand,
  GetImageBlockPublicAccessStateCommand,
  ImportSnapshotCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  RegisterImageCommand,
  type RegisterImageCommandInput,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilImageAvailable,
  waitUntilInstanceRunning,
  waitUntilInstanceStatusOk,
  paginateDescribeImages,
  paginateDescribeSnapshots,
  waitUntilInstanceTerminated,
  waitUntilSnapshotCompleted,
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
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bootTestExitCode, bootTestUserData } from '../../src/aws/boot-contract.js';
import { startEmulator } from '../helpers/aws.js';
import type { Emulator } from '../../emulator/server.js';

const BLOCK = 524288;
let emulator: Emulator;
const wait = { minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 10 } as const;

beforeAll(async () => {
  // The clients below get a region at most: the endpoint comes from the SDK's standard variable, and
  // every conformance request is also a signature check (the SDK signs as AWS expects).
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset());

const ec2 = (region = 'us-east-1') => new EC2Client({ region, maxAttempts: 1 });
const ebs = (region = 'us-east-1') => new EBSClient({ region, maxAttempts: 1 });
const s3 = (region = 'us-east-1') => new S3Client({ region, forcePathStyle: true, maxAttempts: 1 });

async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected the call to fail').toBeInstanceOf(Error);
  return error as Error;
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('base64');

/** Upload `blocks` through EBS direct and wait until the snapshot is completed. */
async function directSnapshot(
  blocks: Map<number, Buffer>,
  region = 'us-east-1',
  sizeGiB = 1,
): Promise<string> {
  const client = ebs(region);
  const { SnapshotId } = await client.send(
    new StartSnapshotCommand({
      VolumeSize: sizeGiB,
      ClientToken: randomBytes(8).toString('hex'),
      Timeout: 60,
    }),
  );
  const linear = createHash('sha256');
  for (const [index, data] of [...blocks].sort((a, b) => a[0] - b[0])) {
    await client.send(
      new PutSnapshotBlockCommand({
        SnapshotId,
        BlockIndex: index,
        BlockData: data,
        DataLength: BLOCK,
        Checksum: sha(data),
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    linear.update(createHash('sha256').update(data).digest());
  }
  await client.send(
    new CompleteSnapshotCommand({
      SnapshotId,
      ChangedBlocksCount: blocks.size,
      Checksum: linear.digest('base64'),
      ChecksumAlgorithm: 'SHA256',
      ChecksumAggregationMethod: 'LINEAR',
    }),
  );
  await waitUntilSnapshotCompleted({ client: ec2(region), ...wait }, { SnapshotIds: [SnapshotId!] });
  return SnapshotId!;
}

function registerInput(
  snapshotId: string,
  overrides: Partial<RegisterImageCommandInput> = {},
): RegisterImageCommandInput {
  return {
    Name: `Fedora-Cloud-Base-AmazonEC2.x86_64-43-1.6-${randomBytes(3).toString('hex')}`,
    Architecture: 'x86_64',
    BootMode: 'uefi-preferred',
    EnaSupport: true,
    SriovNetSupport: 'simple',
    ImdsSupport: 'v2.0',
    RootDeviceName: '/dev/sda1',
    VirtualizationType: 'hvm',
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/sda1',
        Ebs: { SnapshotId: snapshotId, VolumeType: 'gp3', DeleteOnTermination: true },
      },
    ],
    TagSpecifications: [
      {
        ResourceType: 'image',
        Tags: [
          { Key: 'ManagedBy', Value: 'fedimg' },
          { Key: 'ComposeId', Value: 'Fedora-43-20260301.0' },
        ],
      },
    ],
    ...overrides,
  };
}

async function availableImage(
  region = 'us-east-1',
  overrides: Partial<RegisterImageCommandInput> = {},
): Promise<{ imageId: string; snapshotId: string }> {
  const snapshotId = await directSnapshot(new Map([[0, Buffer.alloc(BLOCK, 7)]]), region);
  const { ImageId } = await ec2(region).send(new RegisterImageCommand(registerInput(snapshotId, overrides)));
  await waitUntilImageAvailable({ client: ec2(region), ...wait }, { ImageIds: [ImageId!] });
  return { imageId: ImageId!, snapshotId };
}

describe('STS and regions', () => {
  it('answers GetCallerIdentity with the emulated account', async () => {
    const identity = await new STSClient({ region: 'us-east-1' }).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('123456789012');
  });

  it('lists the commercial regions with their opt-in status; disabled ones answer AuthFailure', async () => {
    const all = await ec2().send(new DescribeRegionsCommand({ AllRegions: true }));
    const enabled = await ec2().send(new DescribeRegionsCommand({}));
    expect(all.Regions!.length).toBeGreaterThanOrEqual(30);
    expect(all.Regions!.find((r) => r.RegionName === 'us-east-1')?.OptInStatus).toBe('opt-in-not-required');
    const notOptedIn = all.Regions!.filter((r) => r.OptInStatus === 'not-opted-in').map((r) => r.RegionName!);
    expect(notOptedIn).toContain('il-central-1');
    expect(enabled.Regions!.map((r) => r.RegionName)).not.toContain('il-central-1');
    const error = await failure(ec2('il-central-1').send(new DescribeImagesCommand({ Owners: ['self'] })));
    expect(error.name).toBe('AuthFailure');
    emulator.setRegion('il-central-1', { optedIn: true });
    await expect(
      ec2('il-central-1').send(new DescribeImagesCommand({ Owners: ['self'] })),
    ).resolves.toBeTruthy();
    const filtered = await ec2().send(
      new DescribeRegionsCommand({
        AllRegions: true,
        Filters: [{ Name: 'opt-in-status', Values: ['opted-in'] }],
      }),
    );
    expect(filtered.Regions!.every((r) => r.OptInStatus === 'opted-in')).toBe(true);
    const zones = await ec2('eu-west-1').send(new DescribeAvailabilityZonesCommand({}));
    expect(zones.AvailabilityZones!.map((z) => z.ZoneName)).toEqual([
      'eu-west-1a',
      'eu-west-1b',
      'eu-west-1c',
    ]);
  });
});

describe('IAM roles', () => {
  // IAM API Reference, CreateRole: MaxSessionDuration is one hour unless set, from 1 to 12 hours.
  it('gives a role’s MaxSessionDuration: one hour by default, or what the role was made with', async () => {
    const iam = new IAMClient({ region: 'us-east-1' });
    emulator.putRole({ name: 'fedimg-short' });
    emulator.putRole({ name: 'fedimg-long', maxSessionDuration: 10_800 });
    expect((await iam.send(new GetRoleCommand({ RoleName: 'fedimg-short' }))).Role?.MaxSessionDuration).toBe(
      3600,
    );
    expect((await iam.send(new GetRoleCommand({ RoleName: 'fedimg-long' }))).Role?.MaxSessionDuration).toBe(
      10_800,
    );
    for (const seconds of [3599, 43_201])
      expect(() => emulator.putRole({ name: 'fedimg-odd', maxSessionDuration: seconds })).toThrow(
        /1 to 12 hours/,
      );
  });
});

describe('signatures (SigV4)', () => {
  const wrongSecret = { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'not-the-secret' };

  it('refuses a request signed with the wrong secret, with each protocol’s code', async () => {
    const ebsError = await failure(
      new EBSClient({ region: 'us-east-1', maxAttempts: 1, credentials: wrongSecret }).send(
        new StartSnapshotCommand({ VolumeSize: 1 }),
      ),
    );
    expect(ebsError.name).toBe('InvalidSignatureException');
    expect(ebsError.$metadata?.httpStatusCode).toBe(403);
    const ec2Error = await failure(
      new EC2Client({ region: 'us-east-1', maxAttempts: 1, credentials: wrongSecret }).send(
        new DescribeRegionsCommand({}),
      ),
    );
    expect(ec2Error.name).toBe('SignatureDoesNotMatch');
    const s3Error = await failure(
      new S3Client({
        region: 'us-east-1',
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: wrongSecret,
      }).send(new CreateBucketCommand({ Bucket: 'signed-wrong' })),
    );
    expect(s3Error.name).toBe('SignatureDoesNotMatch');
    expect(emulator.inventory().snapshots).toEqual([]);
  });

  it('refuses a block whose body was changed after signing, and writes nothing', async () => {
    const client = ebs();
    const { SnapshotId } = await client.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    const data = randomBytes(BLOCK);
    // Every bit of the first byte flipped, so the body differs whatever random bytes were drawn (setting
    // it to a fixed value left it unchanged one run in 256).
    const tampered = Buffer.from(data);
    tampered[0] = tampered[0]! ^ 0xff;
    // All-zero bodies, whose hash the emulator does not compute, either way round.
    const zeros = Buffer.alloc(BLOCK);
    const oneByte = Buffer.alloc(BLOCK);
    oneByte[BLOCK - 1] = 1;
    for (const [signed, sent] of [
      [data, tampered],
      [zeros, oneByte],
      [oneByte, zeros],
    ] as const) {
      const tampering = new EBSClient({ region: 'us-east-1', maxAttempts: 1 });
      // After the signer (finalizeRequest, lowest priority): the body on the wire is not the one signed.
      tampering.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { body?: unknown };
          request.body = sent;
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'tamper' },
      );
      const error = await failure(
        tampering.send(
          new PutSnapshotBlockCommand({
            SnapshotId,
            BlockIndex: 0,
            BlockData: signed,
            DataLength: BLOCK,
            Checksum: sha(signed),
            ChecksumAlgorithm: 'SHA256',
          }),
        ),
      );
      expect(error.name).toBe('InvalidSignatureException');
    }
    expect(emulator.state.snapshots.get(SnapshotId!)!.blocks.size).toBe(0);
  });

  it('accepts any access key it was not given (a stand-in for any account’s keys)', async () => {
    const other = { accessKeyId: 'AKIDSOMEONEELSE', secretAccessKey: 'whatever' };
    await expect(
      new EC2Client({ region: 'us-east-1', maxAttempts: 1, credentials: other }).send(
        new DescribeRegionsCommand({}),
      ),
    ).resolves.toBeTruthy();
  });
});

describe('EBS direct APIs', () => {
  it('stores what was uploaded and gives it back through ListSnapshotBlocks and GetSnapshotBlock', async () => {
    const blocks = new Map([
      [0, randomBytes(BLOCK)],
      [1, Buffer.alloc(BLOCK)],
      [5, randomBytes(BLOCK)],
    ]);
    const snapshotId = await directSnapshot(blocks);
    const listed = await ebs().send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId }));
    expect(listed.Blocks!.map((b) => b.BlockIndex)).toEqual([0, 1, 5]);
    expect(listed.BlockSize).toBe(BLOCK);
    for (const block of listed.Blocks!) {
      const got = await ebs().send(
        new GetSnapshotBlockCommand({
          SnapshotId: snapshotId,
          BlockIndex: block.BlockIndex,
          BlockToken: block.BlockToken,
        }),
      );
      const data = Buffer.from(await got.BlockData!.transformToByteArray());
      expect(data.equals(blocks.get(block.BlockIndex!)!)).toBe(true);
      expect(got.Checksum).toBe(sha(data));
    }
  });

  it('shows the snapshot in EC2 as pending, then completed; a ClientToken re-run gets the same snapshot', async () => {
    emulator.setDurations({ snapshotCompletion: 300 });
    const start = { VolumeSize: 2, ClientToken: 'token-1', Tags: [{ Key: 'Name', Value: 'x' }] };
    const first = await ebs().send(new StartSnapshotCommand(start));
    const again = await ebs().send(new StartSnapshotCommand(start));
    expect(again.SnapshotId).toBe(first.SnapshotId);
    expect(first).toMatchObject({ Status: 'pending', VolumeSize: 2, BlockSize: BLOCK });
    await ebs().send(new CompleteSnapshotCommand({ SnapshotId: first.SnapshotId, ChangedBlocksCount: 0 }));
    const pending = await ec2().send(new DescribeSnapshotsCommand({ SnapshotIds: [first.SnapshotId!] }));
    expect(pending.Snapshots![0]).toMatchObject({
      State: 'pending',
      VolumeSize: 2,
      Tags: [{ Key: 'Name', Value: 'x' }],
    });
    await waitUntilSnapshotCompleted({ client: ec2(), ...wait }, { SnapshotIds: [first.SnapshotId!] });
  });

  // EBS direct API Reference, StartSnapshot and Tag: Description at most 255 characters, a tag key
  // at most 127 and a tag value at most 255 (EC2's own tag limits are 128 and 256).
  it('refuses a Description over 255 characters and a tag key over 127 or value over 255, starting nothing', async () => {
    const before = emulator.inventory().snapshots.length;
    const start = (input: Partial<ConstructorParameters<typeof StartSnapshotCommand>[0]>) =>
      failure(ebs().send(new StartSnapshotCommand({ VolumeSize: 1, ...input })));
    for (const refused of [
      await start({ Description: 'd'.repeat(256) }),
      await start({ Tags: [{ Key: 'k'.repeat(128), Value: 'v' }] }),
      await start({ Tags: [{ Key: 'k', Value: 'v'.repeat(256) }] }),
    ]) {
      expect(refused.name).toBe('ValidationException');
      expect(refused.message).toMatch(/length less than or equal to (255|127)/);
    }
    expect(emulator.inventory().snapshots).toHaveLength(before);
    const longest = await ebs().send(
      new StartSnapshotCommand({
        VolumeSize: 1,
        Description: 'd'.repeat(255),
        Tags: [{ Key: 'k'.repeat(127), Value: 'v'.repeat(255) }],
      }),
    );
    expect(longest.Description).toHaveLength(255);
  });

  it('rejects a wrong length, a wrong checksum, an index beyond the volume and writes after completion', async () => {
    const { SnapshotId } = await ebs().send(new StartSnapshotCommand({ VolumeSize: 1 }));
    const data = randomBytes(BLOCK);
    const put = (overrides: object) =>
      ebs().send(
        new PutSnapshotBlockCommand({
          SnapshotId,
          BlockIndex: 0,
          BlockData: data,
          DataLength: BLOCK,
          Checksum: sha(data),
          ChecksumAlgorithm: 'SHA256',
          ...overrides,
        }),
      );
    const short = Buffer.alloc(1000);
    expect((await failure(put({ BlockData: short, DataLength: 1000, Checksum: sha(short) }))).name).toBe(
      'ValidationException',
    );
    expect((await failure(put({ Checksum: sha(Buffer.alloc(BLOCK)) }))).message).toMatch(/checksum/);
    expect((await failure(put({ BlockIndex: 2048 }))).message).toMatch(/beyond/);
    await put({});
    expect(
      (await failure(ebs().send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: 2 })))).message,
    ).toMatch(/ChangedBlocksCount/);
    const badAggregate = await failure(
      ebs().send(
        new CompleteSnapshotCommand({
          SnapshotId,
          ChangedBlocksCount: 1,
          Checksum: sha(Buffer.from('x')),
          ChecksumAlgorithm: 'SHA256',
          ChecksumAggregationMethod: 'LINEAR',
        }),
      ),
    );
    expect(badAggregate.message).toMatch(/aggregate checksum/);
    await ebs().send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: 1 }));
    expect((await failure(put({ BlockIndex: 1 }))).message).toMatch(/no longer accepts blocks/);
  });

  it('answers ResourceNotFound for a while after StartSnapshot when that window is set, and for unknown snapshots', async () => {
    emulator.setDurations({ snapshotNotFoundWindow: 200 });
    const { SnapshotId } = await ebs().send(new StartSnapshotCommand({ VolumeSize: 1 }));
    const data = randomBytes(BLOCK);
    const put = () =>
      ebs().send(
        new PutSnapshotBlockCommand({
          SnapshotId,
          BlockIndex: 0,
          BlockData: data,
          DataLength: BLOCK,
          Checksum: sha(data),
          ChecksumAlgorithm: 'SHA256',
        }),
      );
    const error = await failure(put());
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.$metadata?.httpStatusCode).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await expect(put()).resolves.toBeTruthy();
    expect(
      (await failure(ebs().send(new ListSnapshotBlocksCommand({ SnapshotId: 'snap-0000000000000000a' }))))
        .name,
    ).toBe('ResourceNotFoundException');
  });

  it('reads only completed snapshots, as AWS does', async () => {
    const { SnapshotId } = await ebs().send(new StartSnapshotCommand({ VolumeSize: 1 }));
    expect((await failure(ebs().send(new ListSnapshotBlocksCommand({ SnapshotId })))).name).toBe(
      'ValidationException',
    );
  });
});

describe('snapshots in EC2', () => {
  it('refuses to delete a snapshot an AMI uses, then deletes it with the AMI', async () => {
    const { imageId, snapshotId } = await availableImage();
    expect((await failure(ec2().send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })))).name).toBe(
      'InvalidSnapshot.InUse',
    );
    const result = await ec2().send(
      new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }),
    );
    expect(result.DeleteSnapshotResults).toEqual([{ SnapshotId: snapshotId, ReturnCode: 'success' }]);
    expect(
      (await failure(ec2().send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })))).name,
    ).toBe('InvalidSnapshot.NotFound');
  });

  it('makes a snapshot public through createVolumePermission, but never an encrypted one', async () => {
    const snapshotId = await directSnapshot(new Map([[0, Buffer.alloc(BLOCK, 1)]]));
    await ec2().send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        GroupNames: ['all'],
      }),
    );
    const attribute = await ec2().send(
      new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: 'createVolumePermission' }),
    );
    expect(attribute.CreateVolumePermissions).toEqual([{ Group: 'all' }]);
    const publicOnes = await ec2().send(new DescribeSnapshotsCommand({ RestorableByUserIds: ['all'] }));
    expect(publicOnes.Snapshots!.map((s) => s.SnapshotId)).toEqual([snapshotId]);

    emulator.setRegion('us-east-1', { encryptionByDefault: true });
    expect((await ec2().send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(true);
    const encrypted = await directSnapshot(new Map([[0, Buffer.alloc(BLOCK, 1)]]));
    expect(
      (await ec2().send(new DescribeSnapshotsCommand({ SnapshotIds: [encrypted] }))).Snapshots![0]!.Encrypted,
    ).toBe(true);
    const error = await failure(
      ec2().send(
        new ModifySnapshotAttributeCommand({
          SnapshotId: encrypted,
          CreateVolumePermission: { Add: [{ Group: 'all' }] },
        }),
      ),
    );
    expect(error.name).toBe('OperationNotPermitted');
  });
});

describe('images', () => {
  it('keeps every RegisterImage parameter and returns it from DescribeImages and DescribeImageAttribute', async () => {
    // Pending long enough to be seen on a loaded machine (30 ms was not, in a full run).
    emulator.setDurations({ imageAvailable: 500 });
    const snapshotId = await directSnapshot(new Map([[0, Buffer.alloc(BLOCK, 3)]]));
    const input = registerInput(snapshotId, {
      TpmSupport: 'v2.0',
      BootMode: 'uefi',
      Description: 'Fedora Cloud Base 43',
    });
    const { ImageId } = await ec2().send(new RegisterImageCommand(input));
    const pending = (await ec2().send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images![0]!;
    expect(pending.State).toBe('pending');
    await waitUntilImageAvailable({ client: ec2(), ...wait }, { ImageIds: [ImageId!] });
    const image = (await ec2().send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images![0]!;
    expect(image).toMatchObject({
      Name: input.Name,
      Description: 'Fedora Cloud Base 43',
      Architecture: 'x86_64',
      BootMode: 'uefi',
      EnaSupport: true,
      SriovNetSupport: 'simple',
      ImdsSupport: 'v2.0',
      TpmSupport: 'v2.0',
      RootDeviceName: '/dev/sda1',
      RootDeviceType: 'ebs',
      VirtualizationType: 'hvm',
      State: 'available',
      Public: false,
      OwnerId: '123456789012',
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/sda1',
          Ebs: {
            SnapshotId: snapshotId,
            VolumeType: 'gp3',
            VolumeSize: 1,
            DeleteOnTermination: true,
            Encrypted: false,
          },
        },
      ],
    });
    expect(image.Tags).toEqual(expect.arrayContaining([{ Key: 'ManagedBy', Value: 'fedimg' }]));
    const bootMode = await ec2().send(new DescribeImageAttributeCommand({ ImageId, Attribute: 'bootMode' }));
    expect(bootMode.BootMode?.Value).toBe('uefi');
  });

  it('enforces name rules and per-region uniqueness, known completed snapshots and HVM without kernels', async () => {
    const { snapshotId } = await availableImage('us-east-1', { Name: 'Fedora-unique-name' });
    const duplicate = await failure(
      ec2().send(new RegisterImageCommand(registerInput(snapshotId, { Name: 'Fedora-unique-name' }))),
    );
    expect(duplicate.name).toBe('InvalidAMIName.Duplicate');
    expect(
      (await failure(ec2().send(new RegisterImageCommand(registerInput(snapshotId, { Name: 'no' }))))).name,
    ).toBe('InvalidAMIName.Malformed');
    expect(
      (await failure(ec2().send(new RegisterImageCommand(registerInput(snapshotId, { Name: 'bad:name!' })))))
        .name,
    ).toBe('InvalidAMIName.Malformed');
    expect(
      (await failure(ec2().send(new RegisterImageCommand(registerInput('snap-00000000000000000'))))).name,
    ).toBe('InvalidSnapshot.NotFound');
    const paravirtual = await failure(
      ec2().send(new RegisterImageCommand(registerInput(snapshotId, { VirtualizationType: 'paravirtual' }))),
    );
    expect(paravirtual.name).toBe('InvalidParameterCombination');
    const { SnapshotId: open } = await ebs().send(new StartSnapshotCommand({ VolumeSize: 1 }));
    expect((await failure(ec2().send(new RegisterImageCommand(registerInput(open!))))).name).toBe(
      'IncorrectState',
    );
    // another region may reuse the name
    await expect(availableImage('eu-west-1', { Name: 'Fedora-unique-name' })).resolves.toBeTruthy();
  });

  // EC2 API Reference: RegisterImage's and CopyImage's Description take at most 255 characters,
  // CopyImage's ClientToken at most 128.
  it('refuses a Description over 255 characters on RegisterImage and CopyImage, and a copy token over 128', async () => {
    const { imageId, snapshotId } = await availableImage();
    const before = emulator.inventory().images.length;
    const register = await failure(
      ec2().send(new RegisterImageCommand(registerInput(snapshotId, { Description: 'd'.repeat(256) }))),
    );
    const copy = (input: Partial<ConstructorParameters<typeof CopyImageCommand>[0]>) =>
      failure(
        ec2('eu-west-1').send(
          new CopyImageCommand({
            SourceRegion: 'us-east-1',
            SourceImageId: imageId,
            Name: 'Fedora-copy',
            ...input,
          }),
        ),
      );
    for (const refused of [
      register,
      await copy({ Description: 'd'.repeat(256) }),
      await copy({ ClientToken: 't'.repeat(129) }),
    ])
      expect(refused.name).toBe('InvalidParameterValue');
    expect(emulator.inventory().images).toHaveLength(before);
    await ec2().send(new RegisterImageCommand(registerInput(snapshotId, { Description: 'd'.repeat(255) })));
    await ec2('eu-west-1').send(
      new CopyImageCommand({
        SourceRegion: 'us-east-1',
        SourceImageId: imageId,
        Name: 'Fedora-copy',
        Description: 'd'.repeat(255),
        ClientToken: 't'.repeat(128),
      }),
    );
    expect(emulator.inventory().images).toHaveLength(before + 2);
  });

  it('filters DescribeImages by name, tags, state and architecture, and by owner and executable users', async () => {
    const a = await availableImage('us-east-1', { Name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-43-1.6' });
    await availableImage('us-east-1', {
      Name: 'Fedora-Cloud-Base-AmazonEC2.aarch64-43-1.6',
      Architecture: 'arm64',
      BootMode: 'uefi',
      TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'Arch', Value: 'aarch64' }] }],
    });
    const names = async (input: DescribeImagesCommandInput) =>
      ((await ec2().send(new DescribeImagesCommand(input))).Images ?? []).map((image) => image.Name).sort();
    expect(
      await names({ Filters: [{ Name: 'name', Values: ['Fedora-Cloud-Base-AmazonEC2.*-43-1.6'] }] }),
    ).toHaveLength(2);
    expect(await names({ Filters: [{ Name: 'architecture', Values: ['arm64'] }] })).toEqual([
      'Fedora-Cloud-Base-AmazonEC2.aarch64-43-1.6',
    ]);
    expect(await names({ Filters: [{ Name: 'tag:Arch', Values: ['aarch64'] }] })).toEqual([
      'Fedora-Cloud-Base-AmazonEC2.aarch64-43-1.6',
    ]);
    expect(
      await names({
        Filters: [
          { Name: 'tag-key', Values: ['ManagedBy'] },
          { Name: 'state', Values: ['available'] },
        ],
      }),
    ).toHaveLength(1);
    expect(await names({ Owners: ['self'] })).toHaveLength(2);
    expect(await names({ ExecutableUsers: ['all'] })).toEqual([]);
    await ec2().send(
      new ModifyImageAttributeCommand({ ImageId: a.imageId, LaunchPermission: { Add: [{ Group: 'all' }] } }),
    );
    expect(await names({ ExecutableUsers: ['all'] })).toEqual(['Fedora-Cloud-Base-AmazonEC2.x86_64-43-1.6']);
    expect(
      (await failure(ec2().send(new DescribeImagesCommand({ ImageIds: ['ami-00000000000000000'] })))).name,
    ).toBe('InvalidAMIID.NotFound');
  });

  it('adds and removes launch permissions; refuses public sharing past the quota or under block-public-access', async () => {
    emulator.setRegion('us-east-1', { publicAmiQuota: 1 });
    const first = await availableImage();
    const second = await availableImage();
    await ec2().send(
      new ModifyImageAttributeCommand({
        ImageId: first.imageId,
        Attribute: 'launchPermission',
        OperationType: 'add',
        UserGroups: ['all'],
      }),
    );
    await ec2().send(
      new ModifyImageAttributeCommand({
        ImageId: first.imageId,
        LaunchPermission: { Add: [{ UserId: '210987654321' }] },
      }),
    );
    const permissions = await ec2().send(
      new DescribeImageAttributeCommand({ ImageId: first.imageId, Attribute: 'launchPermission' }),
    );
    expect(permissions.LaunchPermissions).toEqual([{ Group: 'all' }, { UserId: '210987654321' }]);
    const quota = await failure(
      ec2().send(
        new ModifyImageAttributeCommand({
          ImageId: second.imageId,
          LaunchPermission: { Add: [{ Group: 'all' }] },
        }),
      ),
    );
    expect(quota.name).toBe('ResourceLimitExceeded');
    await ec2().send(
      new ModifyImageAttributeCommand({
        ImageId: first.imageId,
        LaunchPermission: { Remove: [{ Group: 'all' }] },
      }),
    );

    emulator.setRegion('us-east-1', { blockPublicAccess: true });
    expect(
      (await ec2().send(new GetImageBlockPublicAccessStateCommand({}))).ImageBlockPublicAccessState,
    ).toBe('block-new-sharing');
    const blocked = await failure(
      ec2().send(
        new ModifyImageAttributeCommand({
          ImageId: second.imageId,
          LaunchPermission: { Add: [{ Group: 'all' }] },
        }),
      ),
    );
    expect(blocked.name).toBe('OperationNotPermitted');
    expect(
      (await ec2('eu-west-1').send(new GetImageBlockPublicAccessStateCommand({})))
        .ImageBlockPublicAccessState,
    ).toBe('unblocked');
  });

  it('copies into the destination region idempotently, with tags, pending then available', async () => {
    emulator.setDurations({ copy: 200 });
    const { imageId } = await availableImage();
    const copy = {
      SourceRegion: 'us-east-1',
      SourceImageId: imageId,
      Name: 'Fedora-copy',
      ClientToken: 'copy-1',
      CopyImageTags: true,
    };
    const first = await ec2('eu-west-1').send(new CopyImageCommand(copy));
    const again = await ec2('eu-west-1').send(new CopyImageCommand(copy));
    expect(again.ImageId).toBe(first.ImageId);
    const pending = (await ec2('eu-west-1').send(new DescribeImagesCommand({ ImageIds: [first.ImageId!] })))
      .Images![0]!;
    expect(pending).toMatchObject({
      State: 'pending',
      Name: 'Fedora-copy',
      SourceImageId: imageId,
      SourceImageRegion: 'us-east-1',
    });
    expect(pending.Tags).toEqual(expect.arrayContaining([{ Key: 'ManagedBy', Value: 'fedimg' }]));
    await waitUntilImageAvailable({ client: ec2('eu-west-1'), ...wait }, { ImageIds: [first.ImageId!] });
    const snapshots = await ec2('eu-west-1').send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(snapshots.Snapshots!.map((s) => s.State)).toEqual(['completed']);
    // CopyImage does not enforce unique names: a second token makes a second copy
    const duplicate = await ec2('eu-west-1').send(new CopyImageCommand({ ...copy, ClientToken: 'copy-2' }));
    expect(duplicate.ImageId).not.toBe(first.ImageId);
  });

  // EC2 API Reference, CopyImage and CopySnapshot, KmsKeyId: a KMS key only with Encrypted true.
  it('takes a KMS key for a copy only when the copy is to be encrypted', async () => {
    const { imageId, snapshotId } = await availableImage();
    const withKey = { KmsKeyId: 'alias/fedimg' };
    await expect(
      ec2('eu-west-1').send(
        new CopyImageCommand({
          SourceRegion: 'us-east-1',
          SourceImageId: imageId,
          Name: 'keyed',
          ...withKey,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterDependency' });
    await expect(
      ec2().send(
        new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: snapshotId, ...withKey }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterDependency' });
    const { ImageId } = await ec2('eu-west-1').send(
      new CopyImageCommand({
        SourceRegion: 'us-east-1',
        SourceImageId: imageId,
        Name: 'keyed',
        Encrypted: true,
        ...withKey,
      }),
    );
    const { SnapshotId } = await ec2().send(
      new CopySnapshotCommand({
        SourceRegion: 'us-east-1',
        SourceSnapshotId: snapshotId,
        Encrypted: true,
        ...withKey,
      }),
    );
    const copied = await ec2().send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId!] }));
    expect(copied.Snapshots![0]).toMatchObject({ Encrypted: true, KmsKeyId: 'alias/fedimg' });
    expect(ImageId).toMatch(/^ami-/);
  });

  // EC2 API Reference, CopyImage and CopySnapshot, KmsKeyId: the key must exist in the destination
  // Region, and is checked asynchronously: a copy with a key that is not there fails later.
  it('fails, later, a copy encrypted with a KMS key ARN of another region', async () => {
    const { imageId, snapshotId } = await availableImage();
    const key = (region: string) =>
      `arn:aws:kms:${region}:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab`;
    const copyInto = async (KmsKeyId: string) => {
      const { ImageId } = await ec2('eu-west-1').send(
        new CopyImageCommand({
          SourceRegion: 'us-east-1',
          SourceImageId: imageId,
          Name: `Fedora-encrypted-${randomBytes(3).toString('hex')}`,
          Encrypted: true,
          KmsKeyId,
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      return (await ec2('eu-west-1').send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images![0]!;
    };
    const elsewhere = await copyInto(key('us-east-1'));
    expect(elsewhere.State).toBe('failed');
    expect(elsewhere.StateReason?.Message).toMatch(/does not exist in eu-west-1/);
    expect((await copyInto(key('eu-west-1'))).State).toBe('available');
    expect((await copyInto('alias/fedimg')).State).toBe('available');
    const { SnapshotId } = await ec2().send(
      new CopySnapshotCommand({
        SourceRegion: 'us-east-1',
        SourceSnapshotId: snapshotId,
        Encrypted: true,
        KmsKeyId: key('eu-west-1'),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const copied = (await ec2().send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId!] })))
      .Snapshots![0]!;
    expect([copied.State, copied.StateMessage]).toEqual([
      'error',
      expect.stringMatching(/does not exist in us-east-1/),
    ]);
  });

  it('tags the new AMI and its new snapshots from TagSpecifications (image and snapshot types)', async () => {
    const { imageId } = await availableImage();
    const { ImageId } = await ec2('eu-west-1').send(
      new CopyImageCommand({
        SourceRegion: 'us-east-1',
        SourceImageId: imageId,
        Name: 'Fedora-tagged-copy',
        TagSpecifications: [
          { ResourceType: 'image', Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }] },
          { ResourceType: 'snapshot', Tags: [{ Key: 'role', Value: 'copy' }] },
        ],
      }),
    );
    const copy = (await ec2('eu-west-1').send(new DescribeImagesCommand({ ImageIds: [ImageId!] })))
      .Images![0]!;
    expect(copy.Tags).toEqual([{ Key: 'ManagedBy', Value: 'fedimg' }]);
    const { Snapshots } = await ec2('eu-west-1').send(
      new DescribeSnapshotsCommand({ SnapshotIds: [copy.BlockDeviceMappings![0]!.Ebs!.SnapshotId!] }),
    );
    expect(Snapshots![0]!.Tags).toEqual([{ Key: 'role', Value: 'copy' }]);
  });

  it('limits concurrent copies into a region to 20, and fails or stalls copies where injected', async () => {
    emulator.setDurations({ copy: 5000 });
    const { imageId } = await availableImage();
    for (let i = 0; i < 20; i++)
      await ec2('us-west-2').send(
        new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: imageId, Name: `copy-${i}` }),
      );
    const limit = await failure(
      ec2('us-west-2').send(
        new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: imageId, Name: 'copy-21' }),
      ),
    );
    expect(limit.name).toBe('ResourceLimitExceeded');

    emulator.setDurations({ copy: 20 });
    emulator.setRegion('ap-south-1', { copyFault: 'fail' });
    const failed = await ec2('ap-south-1').send(
      new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: imageId, Name: 'doomed' }),
    );
    const waiter = await failure(
      waitUntilImageAvailable({ client: ec2('ap-south-1'), ...wait }, { ImageIds: [failed.ImageId!] }),
    );
    expect(waiter.message).toMatch(/failed|FAILURE/i);
    // A snapshot copy there ends in the error state, with what went wrong in StateMessage.
    const { SnapshotId } = await ec2('ap-south-1').send(
      new CopySnapshotCommand({
        SourceRegion: 'us-east-1',
        SourceSnapshotId: (await ec2().send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!
          .BlockDeviceMappings![0]!.Ebs!.SnapshotId!,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [copied] = (
      await ec2('ap-south-1').send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId!] }))
    ).Snapshots!;
    expect([copied!.State, copied!.StateMessage]).toEqual(['error', expect.stringMatching(/failed/)]);
    emulator.setRegion('sa-east-1', { copyFault: 'stall' });
    const stalled = await ec2('sa-east-1').send(
      new CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: imageId, Name: 'stuck' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(
      (await ec2('sa-east-1').send(new DescribeImagesCommand({ ImageIds: [stalled.ImageId!] }))).Images![0]!
        .State,
    ).toBe('pending');
  });

  // EC2 Developer Guide, "Eventual consistency in the Amazon EC2 API": a change to a resource may
  // not show at once in the calls that follow.
  it('shows a change to who may launch an AMI or use its snapshot only once it has propagated', async () => {
    const { imageId, snapshotId } = await availableImage();
    // Long enough for the reads below to come well inside it on a busy machine.
    emulator.setDurations({ consistency: 1500 });
    const all = [{ Group: 'all' as const }];
    await ec2().send(
      new ModifySnapshotAttributeCommand({ SnapshotId: snapshotId, CreateVolumePermission: { Add: all } }),
    );
    await ec2().send(new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: all } }));
    const shown = async () => ({
      public: (await ec2().send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!.Public,
      launch: (
        await ec2().send(
          new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
        )
      ).LaunchPermissions,
      volume: (
        await ec2().send(
          new DescribeSnapshotAttributeCommand({
            SnapshotId: snapshotId,
            Attribute: 'createVolumePermission',
          }),
        )
      ).CreateVolumePermissions,
      listed: (await ec2().send(new DescribeImagesCommand({ Owners: ['self'], ExecutableUsers: ['all'] })))
        .Images!.length,
    });
    expect(await shown()).toEqual({ public: false, launch: [], volume: [], listed: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await shown()).toEqual({ public: true, launch: all, volume: all, listed: 1 });
  });

  it('shows tags added to an AMI or a snapshot only once they have propagated', async () => {
    const { imageId, snapshotId } = await availableImage();
    emulator.setDurations({ consistency: 1500 });
    await ec2().send(
      new CreateTagsCommand({
        Resources: [imageId, snapshotId],
        Tags: [{ Key: 'fedimg:boot-test', Value: 'passed' }],
      }),
    );
    const shown = async () => ({
      image: (await ec2().send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!.Tags!.some(
        (tag) => tag.Key === 'fedimg:boot-test',
      ),
      filtered: (
        await ec2().send(
          new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:fedimg:boot-test', Values: ['passed'] }] }),
        )
      ).Snapshots!.length,
    });
    expect(await shown()).toEqual({ image: false, filtered: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await shown()).toEqual({ image: true, filtered: 1 });
  });

  // EC2 API Reference, DescribeImages and DescribeSnapshots (MaxResults, NextToken); EC2 Developer
  // Guide, "Pagination in the Amazon EC2 API".
  it('gives AMIs and snapshots in pages when asked, every one once, and all at once when not', async () => {
    const snapshotId = await directSnapshot(new Map([[0, Buffer.alloc(BLOCK, 7)]]));
    for (let i = 0; i < 11; i++) await ec2().send(new RegisterImageCommand(registerInput(snapshotId)));
    for (let i = 0; i < 11; i++)
      await ebs().send(
        new StartSnapshotCommand({ VolumeSize: 1, ClientToken: randomBytes(8).toString('hex') }),
      );
    const paged = async <Page>(pages: AsyncIterable<Page>, ids: (page: Page) => string[]) => {
      const sizes: number[] = [];
      const all: string[] = [];
      for await (const each of pages) {
        sizes.push(ids(each).length);
        all.push(...ids(each));
      }
      return { sizes, all };
    };
    const images = await paged(
      paginateDescribeImages({ client: ec2(), pageSize: 5 }, { Owners: ['self'] }),
      (each) => each.Images!.map((image) => image.ImageId!),
    );
    const { Images } = await ec2().send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(images.sizes).toEqual([5, 5, 1]);
    expect(images.all.sort()).toEqual(Images!.map((image) => image.ImageId!).sort());
    const snapshots = await paged(
      paginateDescribeSnapshots({ client: ec2(), pageSize: 5 }, { OwnerIds: ['self'] }),
      (each) => each.Snapshots!.map((snapshot) => snapshot.SnapshotId!),
    );
    const { Snapshots } = await ec2().send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(snapshots.sizes).toEqual([5, 5, 2]);
    expect(snapshots.all.sort()).toEqual(Snapshots!.map((snapshot) => snapshot.SnapshotId!).sort());
    for (const MaxResults of [4, 1001])
      expect(
        (await failure(ec2().send(new DescribeImagesCommand({ Owners: ['self'], MaxResults })))).name,
      ).toBe('InvalidParameterValue');
    expect(
      (await failure(ec2().send(new DescribeSnapshotsCommand({ MaxResults: 5, NextToken: 'not-a-token' }))))
        .name,
    ).toBe('InvalidPaginationToken');
  });

  // EC2 API Reference, EnableImageDeprecation (DeprecateAt), and EC2 User Guide, "Deprecate an AMI".
  describe('AMI deprecation', () => {
    const DAY = 24 * 3600 * 1000;
    const deprecate = (imageId: string, at: Date) =>
      ec2().send(new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: at }));
    const deprecation = async (imageId: string) => {
      const image = (await ec2().send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!;
      return { at: image.DeprecationTime, created: new Date(image.CreationDate!) };
    };
    const refusal = async (call: Promise<unknown>) => (await failure(call)).name;
    const launch = (imageId: string, change: 'Add' | 'Remove') =>
      ec2().send(
        new ModifyImageAttributeCommand({
          ImageId: imageId,
          LaunchPermission: { [change]: [{ Group: 'all' }] },
        }),
      );
    const twoYearsAfter = (time: Date) => {
      const at = new Date(time);
      at.setUTCFullYear(at.getUTCFullYear() + 2);
      return at.toISOString();
    };

    it('rounds to the nearest minute, from now up to 10 years, for a private AMI, and undoes it', async () => {
      const { imageId } = await availableImage();
      const at = new Date(Math.floor((Date.now() + 30 * DAY) / 60_000) * 60_000 + 40_000);
      await deprecate(imageId, at);
      expect((await deprecation(imageId)).at).toBe(new Date(at.getTime() + 20_000).toISOString());
      expect(await refusal(deprecate(imageId, new Date(Date.now() - 1000)))).toBe('InvalidParameterValue');
      expect(await refusal(deprecate(imageId, new Date(Date.now() + 11 * 365 * DAY)))).toBe(
        'InvalidParameterValue',
      );
      await deprecate(imageId, new Date(Date.now() + 9 * 365 * DAY));
      await ec2().send(new DisableImageDeprecationCommand({ ImageId: imageId }));
      expect((await deprecation(imageId)).at).toBeUndefined();
    });

    it('gives a public AMI 2 years from its creation, which only moves earlier until it is private', async () => {
      const { imageId } = await availableImage();
      await launch(imageId, 'Add');
      const { at: byDefault, created } = await deprecation(imageId);
      expect(byDefault).toBe(twoYearsAfter(created));
      const earlier = new Date(Math.floor((Date.now() + 30 * DAY) / 60_000) * 60_000);
      await deprecate(imageId, earlier);
      expect((await deprecation(imageId)).at).toBe(earlier.toISOString());
      // Later, or cancelled: only once the AMI is private.
      expect(await refusal(deprecate(imageId, new Date(earlier.getTime() + DAY)))).toBe(
        'InvalidParameterValue',
      );
      expect(await refusal(ec2().send(new DisableImageDeprecationCommand({ ImageId: imageId })))).toBe(
        'InvalidParameterValue',
      );
      await launch(imageId, 'Remove');
      await deprecate(imageId, new Date(Date.now() + 3 * 365 * DAY));
      // Public again, it keeps a date past the default (the documents do not say otherwise), but
      // can no longer be set beyond 2 years from its creation.
      await launch(imageId, 'Add');
      expect(await refusal(deprecate(imageId, new Date(created.getTime() + 2 * 365 * DAY + 2 * DAY)))).toBe(
        'InvalidParameterValue',
      );
      await deprecate(imageId, earlier);
      expect((await deprecation(imageId)).at).toBe(earlier.toISOString());
    });
  });

  // EC2 User Guide, tag restrictions: the aws: prefix (any case) is reserved for AWS.
  it('refuses tag keys with the reserved aws: prefix, on create and in TagSpecifications, changing nothing', async () => {
    const { imageId } = await availableImage();
    await expect(
      ec2().send(
        new CreateTagsCommand({
          Resources: [imageId],
          Tags: [
            { Key: 'Team', Value: 'cloud' },
            { Key: 'AWS:cloudformation:stack-name', Value: 'x' },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const image = (await ec2().send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!;
    expect(image.Tags!.map((tag) => tag.Key)).not.toContain('Team');
    await expect(
      ec2('eu-west-1').send(
        new CopyImageCommand({
          SourceRegion: 'us-east-1',
          SourceImageId: imageId,
          Name: 'reserved',
          TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'aws:x', Value: 'y' }] }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('creates and deletes tags on images and snapshots', async () => {
    const { imageId, snapshotId } = await availableImage();
    await ec2().send(
      new CreateTagsCommand({
        Resources: [imageId, snapshotId],
        Tags: [{ Key: 'Deprecated', Value: 'yes' }],
      }),
    );
    const tagged = await ec2().send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:Deprecated', Values: ['yes'] }] }),
    );
    expect(tagged.Snapshots!.map((s) => s.SnapshotId)).toEqual([snapshotId]);
    await ec2().send(new DeleteTagsCommand({ Resources: [imageId], Tags: [{ Key: 'Deprecated' }] }));
    const image = (await ec2().send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!;
    expect(image.Tags!.map((t) => t.Key)).not.toContain('Deprecated');
  });

  it('keeps a new ID unknown to Describe calls during the eventual-consistency window', async () => {
    const snapshotId = await directSnapshot(new Map([[0, Buffer.alloc(BLOCK, 9)]]));
    emulator.setDurations({ consistency: 200 });
    const { ImageId } = await ec2().send(new RegisterImageCommand(registerInput(snapshotId)));
    expect((await failure(ec2().send(new DescribeImagesCommand({ ImageIds: [ImageId!] })))).name).toBe(
      'InvalidAMIID.NotFound',
    );
    await waitUntilImageAvailable({ client: ec2(), ...wait }, { ImageIds: [ImageId!] });
  });
});

describe('instances and the boot-test console contract', () => {
  async function launch(imageId: string, instanceType = 't3.micro', token = 'tok-12345678') {
    const run = await ec2().send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: instanceType as _InstanceType,
        MinCount: 1,
        MaxCount: 1,
        UserData: Buffer.from(bootTestUserData('/bin/true', token)).toString('base64'),
        ClientToken: `run-${token}`,
        TagSpecifications: [
          { ResourceType: 'instance', Tags: [{ Key: 'fedimg:boot-test', Value: imageId }] },
        ],
      }),
    );
    return run.Instances![0]!.InstanceId!;
  }
  const consoleOf = async (id: string) => {
    const output = await ec2().send(new GetConsoleOutputCommand({ InstanceId: id }));
    return Buffer.from(output.Output ?? '', 'base64').toString('utf8');
  };

  it('boots, passes status checks, writes the verdict marker and terminates', async () => {
    const { imageId } = await availableImage();
    const id = await launch(imageId);
    expect(await launch(imageId)).toBe(id); // ClientToken
    await waitUntilInstanceRunning({ client: ec2(), ...wait }, { InstanceIds: [id] });
    await waitUntilInstanceStatusOk({ client: ec2(), ...wait }, { InstanceIds: [id] });
    expect(bootTestExitCode(await consoleOf(id), 'tok-12345678')).toBe(0);
    expect(bootTestExitCode(await consoleOf(id), 'another-token')).toBeUndefined();
    await ec2().send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceTerminated({ client: ec2(), ...wait }, { InstanceIds: [id] });
  });

  it('reports an injected failure, a hang and a failure to boot', async () => {
    const { imageId } = await availableImage();
    emulator.setBoot(imageId, 'fail');
    const failing = await launch(imageId, 't3.small', 'tok-fail-0001');
    await waitUntilInstanceStatusOk({ client: ec2(), ...wait }, { InstanceIds: [failing] });
    expect(bootTestExitCode(await consoleOf(failing), 'tok-fail-0001')).toBe(1);

    emulator.setBoot(imageId, 'hang');
    const hanging = await launch(imageId, 't3.small', 'tok-hang-0001');
    await waitUntilInstanceStatusOk({ client: ec2(), ...wait }, { InstanceIds: [hanging] });
    expect(bootTestExitCode(await consoleOf(hanging), 'tok-hang-0001')).toBeUndefined();

    emulator.setBoot(imageId, 'no-boot');
    const dead = await launch(imageId, 't3.small', 'tok-dead-0001');
    await waitUntilInstanceRunning({ client: ec2(), ...wait }, { InstanceIds: [dead] });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const status = await ec2().send(new DescribeInstanceStatusCommand({ InstanceIds: [dead] }));
    expect(status.InstanceStatuses![0]!.InstanceStatus!.Status).toBe('impaired');
    expect(await consoleOf(dead)).not.toContain('fedimg-boot-test');
  });

  it('refuses an instance type of another architecture, and an image that is not available', async () => {
    const { imageId } = await availableImage();
    const error = await failure(launch(imageId, 't4g.small'));
    expect(error.message).toMatch(/architecture 'arm64'.*'x86_64'/);
    const arm = await availableImage('us-east-1', { Architecture: 'arm64', BootMode: 'uefi' });
    await expect(launch(arm.imageId, 'c7g.medium', 'tok-arm-00001')).resolves.toMatch(/^i-/);
  });
});

describe('S3 and ImportSnapshot', () => {
  const bucket = 'fedimg-staging';

  it('stores objects (streamed, multipart with -N ETags), lists, reads and deletes them', async () => {
    const client = s3();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    const body = randomBytes(3 * 1024 * 1024);
    // A stream of unknown length makes the SDK use aws-chunked framing; the object must not keep it.
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'small.raw',
        Body: Readable.from([body.subarray(0, 100), body.subarray(100)]),
        ContentLength: body.length,
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'small.raw' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);

    const big = randomBytes(12 * 1024 * 1024);
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: 'big.raw', Body: Readable.from([big]) },
      partSize: 5 * 1024 * 1024,
    });
    const result = await upload.done();
    expect(result.ETag).toMatch(/-3"$/);
    expect((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.raw' }))).ContentLength).toBe(
      big.length,
    );
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents!.map((c) => [c.Key, c.Size])).toEqual([
      ['big.raw', big.length],
      ['small.raw', body.length],
    ]);
    const multipart = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'abandoned' }),
    );
    expect(emulator.inventory().multipartUploads).toHaveLength(1);
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'abandoned', UploadId: multipart.UploadId }),
    );
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'small.raw' }));
    expect(emulator.inventory()).toMatchObject({ objects: [{ key: 'big.raw' }], multipartUploads: [] });
    expect((await failure(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'nope' })))).name).toBe(
      'NoSuchKey',
    );
  });

  it('checks every part of a multipart upload when started with --no-data: ETags, size', async () => {
    emulator.storeBlockData(false);
    try {
      const client = s3();
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'parts' }),
      );
      const parts = [1, 2, 3, 4, 5].map(() => randomBytes(2 * 1024 * 1024));
      const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
      // Two rounds of parts at once: the emulator reuses the buffers of bodies it does not keep.
      const upload = (numbers: number[]) =>
        Promise.all(
          numbers.map((number) =>
            client.send(
              new UploadPartCommand({
                Bucket: bucket,
                Key: 'parts',
                UploadId,
                PartNumber: number,
                Body: parts[number - 1],
              }),
            ),
          ),
        );
      const etags = [...(await upload([1, 2, 3])), ...(await upload([4, 5]))].map((part) => part.ETag);
      expect(etags).toEqual(parts.map((part) => `"${md5(part)}"`));
      const done = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'parts',
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
        }),
      );
      const whole = createHash('md5');
      for (const part of parts) whole.update(createHash('md5').update(part).digest());
      expect(done.ETag).toBe(`"${whole.digest('hex')}-5"`);
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'parts' }));
      expect(head.ContentLength).toBe(5 * 2 * 1024 * 1024);
    } finally {
      emulator.storeBlockData(true);
    }
  });

  it('keeps user metadata (x-amz-meta-*) on simple and multipart uploads and returns it lower-cased', async () => {
    const client = s3();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'one', Body: 'x', Metadata: { 'Managed-By': 'fedimg' } }),
    );
    const upload = new Upload({
      client,
      params: {
        Bucket: bucket,
        Key: 'two',
        Body: Readable.from([randomBytes(6 * 1024 * 1024)]),
        Metadata: { 'run-url': 'https://example.org/runs/1' },
      },
      partSize: 5 * 1024 * 1024,
    });
    await upload.done();
    const head = (key: string) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect((await head('one')).Metadata).toEqual({ 'managed-by': 'fedimg' });
    expect((await head('two')).Metadata).toEqual({ 'run-url': 'https://example.org/runs/1' });
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'one' }));
    expect(got.Metadata).toEqual({ 'managed-by': 'fedimg' });
  });

  it('imports a RAW object into a snapshot whose blocks are the object, with progress', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: bucket }));
    const disk = Buffer.concat([randomBytes(BLOCK), Buffer.alloc(BLOCK), randomBytes(1024)]);
    await s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'disk.raw', Body: disk }));
    const started = await ec2().send(
      new ImportSnapshotCommand({
        DiskContainer: { Format: 'RAW', UserBucket: { S3Bucket: bucket, S3Key: 'disk.raw' } },
        ClientToken: 'imp-1',
      }),
    );
    expect(started.SnapshotTaskDetail!.Status).toBe('active');
    let task;
    do {
      await new Promise((resolve) => setTimeout(resolve, 30));
      task = (
        await ec2().send(new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [started.ImportTaskId!] }))
      ).ImportSnapshotTasks![0]!;
    } while (task.SnapshotTaskDetail!.Status === 'active');
    expect(task.SnapshotTaskDetail).toMatchObject({
      Status: 'completed',
      SnapshotId: expect.stringMatching(/^snap-/),
    });
    const listed = await ebs().send(
      new ListSnapshotBlocksCommand({ SnapshotId: task.SnapshotTaskDetail!.SnapshotId }),
    );
    expect(listed.Blocks!.map((b) => b.BlockIndex)).toEqual([0, 2]);
    const last = await ebs().send(
      new GetSnapshotBlockCommand({
        SnapshotId: task.SnapshotTaskDetail!.SnapshotId,
        BlockIndex: 2,
        BlockToken: listed.Blocks![1]!.BlockToken,
      }),
    );
    const data = Buffer.from(await last.BlockData!.transformToByteArray());
    expect(data.subarray(0, 1024).equals(disk.subarray(2 * BLOCK))).toBe(true);
  });

  it('fails an import of a missing object or an injected failure, and cancels an active one', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: bucket }));
    const missing = await ec2().send(
      new ImportSnapshotCommand({
        DiskContainer: { Format: 'RAW', UserBucket: { S3Bucket: bucket, S3Key: 'missing.raw' } },
      }),
    );
    emulator.setDurations({ import: 2000 });
    const cancelled = await ec2().send(
      new ImportSnapshotCommand({
        DiskContainer: { Format: 'RAW', UserBucket: { S3Bucket: bucket, S3Key: 'missing.raw' } },
      }),
    );
    const cancel = await ec2().send(new CancelImportTaskCommand({ ImportTaskId: cancelled.ImportTaskId }));
    expect(cancel).toMatchObject({ PreviousState: 'active', State: 'deleting' });
    emulator.setDurations({ import: 40 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const tasks = await ec2().send(
      new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [missing.ImportTaskId!] }),
    );
    expect(tasks.ImportSnapshotTasks![0]!.SnapshotTaskDetail).toMatchObject({
      Status: 'deleted',
      StatusMessage: expect.stringMatching(/Unable to access/),
    });

    await s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'ok.raw', Body: randomBytes(BLOCK) }));
    emulator.failNextImports(1);
    const injected = await ec2().send(
      new ImportSnapshotCommand({
        DiskContainer: { Format: 'RAW', UserBucket: { S3Bucket: bucket, S3Key: 'ok.raw' } },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 120));
    const detail = (
      await ec2().send(new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [injected.ImportTaskId!] }))
    ).ImportSnapshotTasks![0]!.SnapshotTaskDetail!;
    expect(['deleting', 'deleted']).toContain(detail.Status);
    expect(detail.StatusMessage).toMatch(/validation failed/);
  });
});

describe('faults and the control interface', () => {
  it('throttles a share of an operation with the service’s own code; the SDK retries through it', async () => {
    emulator.addFault({ operation: 'DescribeRegions', kind: 'throttle', count: 2 });
    const retrying = new EC2Client({ region: 'us-east-1', maxAttempts: 4, retryStrategy: undefined });
    const result = await retrying.send(new DescribeRegionsCommand({}));
    expect(result.$metadata.attempts).toBe(3);
    emulator.addFault({ operation: 'DescribeRegions', kind: 'throttle', count: 1 });
    expect((await failure(ec2().send(new DescribeRegionsCommand({})))).name).toBe('RequestLimitExceeded');
    emulator.addFault({ operation: 'PutObject', kind: 'throttle', count: 1 });
    await s3().send(new CreateBucketCommand({ Bucket: 'b-throttle' }));
    expect(
      (await failure(s3().send(new PutObjectCommand({ Bucket: 'b-throttle', Key: 'k', Body: 'x' })))).name,
    ).toBe('SlowDown');
    emulator.addFault({ operation: 'StartSnapshot', kind: 'throttle', count: 1 });
    expect((await failure(ebs().send(new StartSnapshotCommand({ VolumeSize: 1 })))).name).toBe(
      'RequestThrottledException',
    );
  });

  it('answers 5xx, resets connections and hangs requests past the client timeout', async () => {
    emulator.addFault({ operation: 'DescribeImages', kind: 'server-error', count: 1 });
    const error = await failure(ec2().send(new DescribeImagesCommand({ Owners: ['self'] })));
    expect(error.$metadata?.httpStatusCode).toBe(500);
    emulator.addFault({ operation: 'DescribeImages', kind: 'reset', count: 1 });
    expect((await failure(ec2().send(new DescribeImagesCommand({ Owners: ['self'] })))).message).toMatch(
      /socket hang up|ECONNRESET|reset/i,
    );
    emulator.addFault({ operation: 'StartSnapshot', kind: 'hang', count: 1, ms: 5000 });
    const { NodeHttpHandler } = await import('@smithy/node-http-handler');
    const impatient = new EBSClient({
      region: 'us-east-1',
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ requestTimeout: 200, throwOnRequestTimeout: true }),
    });
    const started = Date.now();
    expect((await failure(impatient.send(new StartSnapshotCommand({ VolumeSize: 1 })))).name).toMatch(
      /TimeoutError/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('is controlled and inspected over HTTP under /__emulator/', async () => {
    const control = (path: string, body?: unknown) =>
      fetch(`${emulator.endpoint}/__emulator/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await control('region', { region: 'eu-central-1', blockPublicAccess: true })).status).toBe(200);
    expect(
      (await ec2('eu-central-1').send(new GetImageBlockPublicAccessStateCommand({})))
        .ImageBlockPublicAccessState,
    ).toBe('block-new-sharing');
    await control('faults', { operation: 'DescribeRegions', kind: 'throttle', count: 1 });
    expect((await failure(ec2().send(new DescribeRegionsCommand({})))).name).toBe('RequestLimitExceeded');
    const { imageId } = await availableImage();
    const inventory = (await (await control('inventory')).json()) as {
      images: Array<{ id: string }>;
      snapshots: unknown[];
    };
    expect(inventory.images.map((image) => image.id)).toEqual([imageId]);
    expect(inventory.snapshots).toHaveLength(1);
    expect((await control('bogus', {})).status).toBe(404);
  });

  it('adds latency per operation', async () => {
    emulator.setLatency({ DescribeRegions: 120 });
    const started = Date.now();
    await ec2().send(new DescribeRegionsCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('holds back the answer, not the request: the work is done while the answer waits', async () => {
    const { SnapshotId } = await ebs().send(new StartSnapshotCommand({ VolumeSize: 1 }));
    emulator.setLatency({ CompleteSnapshot: 400 });
    const started = Date.now();
    const answered = ebs().send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: 0 }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(emulator.state.snapshots.get(SnapshotId!)!.open).toBe(false);
    await answered;
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });
});
