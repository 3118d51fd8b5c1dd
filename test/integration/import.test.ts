import { createHash } from 'node:crypto';
import { getEventListeners, once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeregisterImageCommand, EC2Client, type Image } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PendingResources, stagingKey } from '../../src/aws/pending.js';
import { uploadToken } from '../../src/upload/context.js';
import { threadsInUse, threadsStarted } from '../../src/util/threads.js';
import type { PlannedImage } from '../../src/compose/types.js';
import { ImageSourceError, InputError, RegisterError, UploadError } from '../../src/errors.js';
import { unwatched, type InputName } from '../../src/settings/index.js';
import { terminalLog, type Log } from '../../src/log.js';
import { capturedLog } from '../helpers/log.js';
import { fastSettings } from '../helpers/settings.js';
import { runImport } from '../../src/stages/import.js';
import type { Emulator } from '../../emulator/server.js';
import { generateCompose, matrixEntry, type GeneratedCompose } from '../fixtures/compose.js';
import { paddedSha256, writeCompressedImage } from '../fixtures/disk-image.js';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';
import {
  blocksUploaded,
  describeImage,
  emulatorStepEnv,
  leaks,
  makeAmi,
  snapshotSha256,
  startEmulator,
  untilAsked,
} from '../helpers/aws.js';
import { interruptibleImportArgs, runAction, spawnCli } from '../helpers/runner.js';
import { deniedOperations } from '../helpers/iam.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const MIB = 1024 * 1024;
const BLOCK = 524288;

let dir: string;
let emulator: Emulator;
let files: FileServer;
let big: GeneratedCompose;
let small: GeneratedCompose;
/** For what needs a longer upload: S3's multipart staging, a download broken off, a run interrupted mid-way. */
let staged: GeneratedCompose;
const bigRaw = 32 * MIB + 4321;
const smallRaw = 6 * MIB + 99;
const stagedRaw = 24 * MIB + 99;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-import-'));
  emulator = await startEmulator();
  [big, small, staged] = await Promise.all([
    generateCompose(join(dir, 'big'), { composeId: 'Fedora-43-20260301.0', rawSize: bigRaw }),
    generateCompose(join(dir, 'small'), { composeId: 'Fedora-Rawhide-20260302.n.0', rawSize: smallRaw }),
    generateCompose(join(dir, 'staged'), { composeId: 'Fedora-Rawhide-20260303.n.0', rawSize: stagedRaw }),
  ]);
  files = await startFileServer(dir);
}, 300_000);
afterAll(async () => {
  await files?.close();
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => emulator.reset());

function settings(compose: GeneratedCompose, parent: string, extra: Partial<Record<InputName, string>> = {}) {
  const values: Partial<Record<InputName, string>> = {
    stage: 'import',
    // A plan entry (image) stands for the compose: the two together are refused.
    ...(extra.image || extra.images
      ? {}
      : { 'compose-location': `${files.url}${parent}/${compose.composeId}/compose` }),
    'allowed-hosts': files.host,
    'allow-http': 'true',
    'events-file': join(dir, `events-${Math.random()}.ndjson`),
    ...extra,
  };
  return fastSettings(values);
}

/** The error an import ends with, or undefined when it succeeds. */
function importFailure(...args: Parameters<typeof runImport>): Promise<Error | undefined> {
  return runImport(...args).then(
    () => undefined,
    (error: unknown) => error as Error,
  );
}

function planned(compose: GeneratedCompose, parent: string, arch: string): PlannedImage {
  return matrixEntry(compose, arch, `${files.url}${parent}/${compose.composeId}/compose`);
}

function expectNoLeaks() {
  const found = leaks(emulator);
  expect(found.openSnapshots).toEqual([]);
  expect(found.orphanSnapshots).toEqual([]);
  expect(found.objects).toEqual([]);
  expect(found.multipartUploads).toEqual([]);
  expect(found.activeImports).toEqual([]);
}

describe.each(['ebs-direct', 'import-snapshot'] as const)('import with %s', (method) => {
  it('stores both arches byte for byte, registers every flavour from one snapshot, and re-runs as a no-op', async () => {
    const config = join(dir, `flavours-${method}.yaml`);
    await writeFile(
      config,
      [
        'flavours:',
        '  - name: gp3',
        '  - name: gp2',
        '    volume-type: gp2',
        '  - name: io2-tpm',
        '    volume-type: io2',
        '    iops: 3000',
        '    boot-mode: uefi',
        '    tpm: true',
        '    volume-size: 10',
      ].join('\n'),
    );
    const extra: Partial<Record<InputName, string>> = {
      'config-file': config,
      ...(method === 'import-snapshot' ? { 'upload-method': method, 's3-bucket': 'fedimg-staging' } : {}),
    };
    if (method === 'import-snapshot') {
      const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
      await new S3Client({ region: 'us-east-1', forcePathStyle: true }).send(
        new CreateBucketCommand({ Bucket: 'fedimg-staging' }),
      );
    }
    const pending = new PendingResources();
    const requestsBefore = emulator.requests().length;
    const first = await runImport(settings(big, 'big', extra), quiet, { pending });
    expect(pending.list()).toEqual([]);
    // docs/iam-policy.json allows every call the import made.
    expect(deniedOperations(emulator.requests().slice(requestsBefore))).toEqual([]);
    expect(first.imported).toHaveLength(2);

    for (const entry of first.imported) {
      const generated = big.images.find((image) => image.arch === entry.image.arch)!;
      // One snapshot per image; every flavour but the encrypted ones boots from it.
      expect(new Set(entry.amis.map((ami) => ami.snapshotId))).toEqual(new Set([entry.snapshotId]));
      expect(await snapshotSha256(entry.snapshotId, Math.ceil(bigRaw / BLOCK))).toBe(
        await paddedSha256(bigRaw, `${big.composeId}/${generated.arch}`),
      );
      const [gp3, gp2, tpm] = (await Promise.all(entry.amis.map((ami) => describeImage(ami.imageId)))) as [
        Image,
        Image,
        Image,
      ];
      const arm = entry.image.arch === 'aarch64';
      expect(gp3).toMatchObject({
        Name: `Fedora-Cloud-Base-AmazonEC2.${entry.image.arch}-43-1.6`,
        Architecture: arm ? 'arm64' : 'x86_64',
        BootMode: arm ? 'uefi' : 'uefi-preferred',
        EnaSupport: true,
        SriovNetSupport: 'simple',
        ImdsSupport: 'v2.0',
        RootDeviceName: '/dev/sda1',
        VirtualizationType: 'hvm',
        State: 'available',
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/sda1',
            Ebs: expect.objectContaining({
              SnapshotId: entry.snapshotId,
              VolumeType: 'gp3',
              VolumeSize: 1,
              DeleteOnTermination: true,
            }),
          },
        ],
      });
      expect(gp3.TpmSupport).toBeUndefined();
      expect(gp2).toMatchObject({
        Name: `Fedora-Cloud-Base-AmazonEC2.${entry.image.arch}-43-1.6-gp2`,
        BlockDeviceMappings: [{ Ebs: expect.objectContaining({ VolumeType: 'gp2' }) }],
      });
      expect(tpm).toMatchObject({
        TpmSupport: 'v2.0',
        BootMode: 'uefi',
        BlockDeviceMappings: [{ Ebs: expect.objectContaining({ VolumeType: 'io2', VolumeSize: 10 }) }],
      });
      const tags = Object.fromEntries(gp3.Tags!.map((tag) => [tag.Key, tag.Value]));
      expect(tags).toMatchObject({
        Name: gp3.Name,
        ManagedBy: 'fedimg',
        'fedimg:compose-id': big.composeId,
        'fedimg:image': generated.file,
        'fedimg:source-sha256': generated.sha256,
        'fedimg:arch': entry.image.arch,
        'fedimg:flavour': 'gp3',
        'fedimg:release': '43',
        'fedimg:compose-type': 'production',
      });
    }
    expectNoLeaks();
    expect(emulator.inventory().snapshots).toHaveLength(2);

    const before = emulator.requests().length;
    const again = await runImport(settings(big, 'big', extra), quiet);
    const mutations = emulator
      .requests()
      .slice(before)
      .filter((request) =>
        /^(StartSnapshot|PutSnapshotBlock|CompleteSnapshot|RegisterImage|ImportSnapshot|PutObject|CreateMultipartUpload|UploadPart)$/.test(
          request.operation,
        ),
      );
    expect(mutations).toEqual([]);
    expect(again.amis).toEqual(first.amis);
    expect(
      again.imported.every((entry) => entry.snapshotReused && entry.amis.every((ami) => ami.reused)),
    ).toBe(true);
    expect(emulator.inventory().images).toHaveLength(6);
  }, 240_000);
});

describe('encrypted flavours', () => {
  it('register from an encrypted copy of the snapshot, made once and reused', async () => {
    const image = JSON.stringify(planned(small, 'small', 'x86_64'));
    const first = await runImport(settings(small, 'small', { image, 'kms-key-id': 'alias/fedimg' }), quiet);
    const [plain, encrypted] = first.imported[0]!.amis;
    expect(encrypted).toMatchObject({
      flavour: 'gp3-encrypted',
      encrypted: true,
      name: `${plain!.name}-gp3-encrypted`,
    });
    expect(encrypted!.snapshotId).not.toBe(plain!.snapshotId);
    const described = await describeImage(encrypted!.imageId);
    expect(described.BlockDeviceMappings![0]!.Ebs).toMatchObject({
      SnapshotId: encrypted!.snapshotId,
      Encrypted: true,
    });
    const copy = emulator.inventory().snapshots.find((snapshot) => snapshot.id === encrypted!.snapshotId)!;
    expect(copy.tags).toMatchObject({
      'fedimg:source-snapshot': plain!.snapshotId,
      'fedimg:kms-key': 'alias/fedimg',
      ManagedBy: 'fedimg',
    });
    await runImport(settings(small, 'small', { image, 'kms-key-id': 'alias/fedimg' }), quiet);
    expect(emulator.inventory().snapshots).toHaveLength(2);
    expect(emulator.inventory().images).toHaveLength(2);
  }, 60_000);

  it('name the key given as another region’s ARN for the base region, where AWS requires it', async () => {
    const image = JSON.stringify(planned(small, 'small', 'x86_64'));
    const key = (region: string) =>
      `arn:aws:kms:${region}:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab`;
    const result = await runImport(
      settings(small, 'small', { image, 'kms-key-id': key('eu-west-1') }),
      quiet,
    );
    const [, encrypted] = result.imported[0]!.amis;
    const copy = emulator.inventory().snapshots.find((snapshot) => snapshot.id === encrypted!.snapshotId)!;
    expect(copy.tags).toMatchObject({ 'fedimg:kms-key': key('eu-west-1') });
    expect(copy.state).toBe('completed');
  }, 60_000);

  it('stop, naming the snapshot copy and the KMS key policy, when the encrypted copy fails', async () => {
    const image = JSON.stringify(planned(small, 'small', 'x86_64'));
    emulator.setRegion('us-east-1', { copyFault: 'fail' });
    const failure = await importFailure(
      settings(small, 'small', { image, 'kms-key-id': 'alias/fedimg' }),
      quiet,
    );
    expect(failure).toBeInstanceOf(RegisterError);
    expect(failure!.message).toMatch(
      /^The encrypted copy snap-\w+ of snap-\w+ in us-east-1 ended error\. Check the KMS key policy; re-run the job\.$/,
    );
  }, 60_000);

  it('never reuse an AMI of the encrypted flavour’s name that is not encrypted or is another flavour', async () => {
    const entry = planned(small, 'small', 'x86_64');
    const image = JSON.stringify(entry);
    const first = await runImport(settings(small, 'small', { image, 'kms-key-id': 'alias/fedimg' }), quiet);
    const [plain, encrypted] = first.imported[0]!.amis;
    const ec2 = new EC2Client({ region: 'us-east-1' });
    await ec2.send(new DeregisterImageCommand({ ImageId: encrypted!.imageId }));
    const { imageId } = await makeAmi({
      name: encrypted!.name,
      snapshotId: plain!.snapshotId,
      tags: { ManagedBy: 'fedimg', 'fedimg:source-sha256': entry.sha256, 'fedimg:flavour': 'gp2' },
    });
    const failure = await importFailure(
      settings(small, 'small', { image, 'kms-key-id': 'alias/fedimg' }),
      quiet,
    );
    expect(failure).toBeInstanceOf(RegisterError);
    expect(failure!.message).toContain(
      `${imageId} (${encrypted!.name}) in us-east-1 is registered with other settings`,
    );
    expect(failure!.message).toContain('it is not encrypted');
    expect(failure!.message).toContain('it is the gp2 flavour, not gp3-encrypted');
  }, 60_000);

  it('never reuse an encrypted AMI of the plain flavour’s name', async () => {
    const entry = planned(small, 'small', 'x86_64');
    const image = JSON.stringify(entry);
    const first = await runImport(settings(small, 'small', { image, 'kms-key-id': 'alias/fedimg' }), quiet);
    const [plain, encrypted] = first.imported[0]!.amis;
    const ec2 = new EC2Client({ region: 'us-east-1' });
    await ec2.send(new DeregisterImageCommand({ ImageId: plain!.imageId }));
    const { imageId } = await makeAmi({
      name: plain!.name,
      snapshotId: encrypted!.snapshotId,
      tags: { ManagedBy: 'fedimg', 'fedimg:source-sha256': entry.sha256 },
    });
    const failure = await importFailure(settings(small, 'small', { image }), quiet);
    expect(failure).toBeInstanceOf(RegisterError);
    expect(failure!.message).toContain(
      `${imageId} (${plain!.name}) in us-east-1 is registered with other settings`,
    );
    expect(failure!.message).toMatch(/; it is encrypted\./);
  }, 60_000);

  it('reuse the encrypted copy of their own snapshot with their own key, and say what they register', async () => {
    const { lines, log } = capturedLog();
    const withKey = (key: string) => settings(small, 'small', { 'kms-key-id': key });
    const copySnapshots = () => emulator.requests().filter((request) => request.operation === 'CopySnapshot');
    const dropEncrypted = async (result: Awaited<ReturnType<typeof runImport>>) => {
      const ec2 = new EC2Client({ region: 'us-east-1' });
      for (const entry of result.imported)
        await ec2.send(new DeregisterImageCommand({ ImageId: entry.amis[1]!.imageId }));
      ec2.destroy();
    };
    // Both arches at once: each encrypted AMI boots from a copy of its own image's snapshot.
    const first = await runImport(withKey('alias/a'), log);
    expect(first.imported).toHaveLength(2);
    for (const { image, amis } of first.imported) {
      const [plain, encrypted] = amis as [(typeof amis)[number], (typeof amis)[number]];
      const copy = emulator.state.snapshots.get(encrypted.snapshotId)!;
      expect(copy.tags.get('fedimg:source-snapshot')).toBe(plain.snapshotId);
      expect(copy.tags.get('Name')).toBe(`${image.name} (encrypted)`);
      expect(copy.description).toBe(`${image.file} encrypted with alias/a by fedimg`);
      expect(lines).toContain(
        `${image.arch}: encrypting snapshot ${plain.snapshotId} as ${encrypted.snapshotId} with alias/a.`,
      );
      expect(lines).toContain(
        `${image.arch}/gp3: registered ${plain.name} as ${plain.imageId} (gp3, ${plain.bootMode}).`,
      );
    }
    expect(copySnapshots()).toHaveLength(2);
    // The AMIs gone, their copies stay: a re-run with the same key registers from them again.
    await dropEncrypted(first);
    lines.length = 0;
    const again = await runImport(withKey('alias/a'), log);
    expect(copySnapshots()).toHaveLength(2);
    expect(again.imported.map((entry) => entry.amis[1]!.snapshotId)).toEqual(
      first.imported.map((entry) => entry.amis[1]!.snapshotId),
    );
    const plain = again.imported[0]!.amis[0]!;
    expect(lines).toContain(
      `${again.imported[0]!.image.arch}/gp3: ${plain.name} is already registered as ${plain.imageId}.`,
    );
    // Another key: new copies, never the ones made with alias/a.
    await dropEncrypted(again);
    const other = await runImport(withKey('alias/b'), quiet);
    expect(copySnapshots()).toHaveLength(4);
    for (const entry of other.imported) {
      const copy = emulator.state.snapshots.get(entry.amis[1]!.snapshotId)!;
      expect(copy.tags.get('fedimg:kms-key')).toBe('alias/b');
      expect(copy.kmsKeyId).toBe('alias/b');
    }
  }, 120_000);

  it('make a new encrypted copy when the earlier one ended in error', async () => {
    const image = JSON.stringify(planned(small, 'small', 'x86_64'));
    const first = await runImport(settings(small, 'small', { image, 'kms-key-id': 'alias/fedimg' }), quiet);
    const encrypted = first.imported[0]!.amis[1]!;
    // A snapshot copy can end in the error state (DescribeSnapshots' State); the emulator has no
    // fault for it, so the test sets it, after taking away the AMI that used the copy.
    await new EC2Client({ region: 'us-east-1' }).send(
      new DeregisterImageCommand({ ImageId: encrypted.imageId }),
    );
    emulator.state.snapshots.get(encrypted.snapshotId)!.state = 'error';
    const again = await runImport(settings(small, 'small', { image, 'kms-key-id': 'alias/fedimg' }), quiet);
    const replaced = again.imported[0]!.amis[1]!;
    expect(replaced.snapshotId).not.toBe(encrypted.snapshotId);
    expect(emulator.inventory().snapshots.find((each) => each.id === replaced.snapshotId)).toMatchObject({
      state: 'completed',
      tags: expect.objectContaining({ 'fedimg:kms-key': 'alias/fedimg' }),
    });
  }, 60_000);
});

describe('a re-import with other settings', () => {
  it('reuses an AMI only when its registration is what is asked; otherwise stops, naming each difference and the way out', async () => {
    const image = JSON.stringify(planned(small, 'small', 'x86_64'));
    const first = await runImport(settings(small, 'small', { image }), quiet);
    const { imageId, name } = first.imported[0]!.amis[0]!;
    for (const [extra, difference] of [
      [{ 'boot-mode': 'legacy-bios' }, 'bootMode is "uefi-preferred", expected "legacy-bios"'],
      [{ 'volume-types': 'gp2' }, 'volumeType is "gp3", expected "gp2"'],
      [{ 'imds-v2': 'false' }, 'imdsSupport is "v2.0", expected ""'],
    ] as const) {
      const failure = await importFailure(settings(small, 'small', { image, ...extra }), quiet);
      expect(failure, JSON.stringify(extra)).toBeInstanceOf(RegisterError);
      expect(failure!.message).toContain(`${imageId} (${name})`);
      expect(failure!.message).toContain(difference);
      expect(failure!.message).toMatch(/deregister-image --image-id ami-\w+ --region us-east-1/);
      expect(failure!.message).toMatch(/a flavour of its own name/);
    }
    // Nothing new was registered, and the same settings still reuse it.
    expect(emulator.inventory().images.map((entry) => entry.id)).toEqual([imageId]);
    const again = await runImport(settings(small, 'small', { image }), quiet);
    expect(again.imported[0]!.amis[0]).toMatchObject({ imageId, reused: true });
  }, 60_000);
});

describe('registration that AWS refuses or that fails', () => {
  it('names the AMI, the snapshot kept for the re-run, and AWS’s answer when RegisterImage fails', async () => {
    emulator.addFault({ operation: 'RegisterImage', kind: 'server-error', count: 1000 });
    const entry = planned(small, 'small', 'x86_64');
    const failure = await importFailure(settings(small, 'small', { image: JSON.stringify(entry) }), quiet);
    expect(failure).toBeInstanceOf(RegisterError);
    expect(failure!.message).toMatch(
      /^Registering Fedora-Cloud-Base-AmazonEC2\.x86_64-Rawhide-20260302\.0 \(gp3\) from snap-\w+ in us-east-1 failed: .*InternalError.*\. The snapshot is kept and reused when the job is re-run\.$/,
    );
  }, 60_000);

  // RegisterImage takes no token: a retried call, or a concurrent run for the same compose, meets
  // the name taken. The AMI that holds it is fedimg's from this image, so it is the one.
  it('registers one AMI when RegisterImage was carried out but its answer lost, and the SDK retried', async () => {
    emulator.addFault({ operation: 'RegisterImage', kind: 'lost-answer', count: 1 });
    const entry = planned(small, 'small', 'x86_64');
    const result = await runImport(settings(small, 'small', { image: JSON.stringify(entry) }), quiet);
    const registers = emulator.requests().filter((request) => request.operation === 'RegisterImage');
    expect(registers).toHaveLength(2);
    const images = emulator.inventory().images;
    expect(images).toHaveLength(1);
    expect(result.imported[0]!.amis[0]).toMatchObject({ imageId: images[0]!.id, reused: false });
  }, 60_000);

  it('does not take a name AWS calls taken when no AMI holds it, and says what AWS answered', async () => {
    emulator.addFault({
      operation: 'RegisterImage',
      kind: 'server-error',
      code: 'InvalidAMIName.Duplicate',
      count: 1000,
    });
    const entry = planned(small, 'small', 'x86_64');
    const failure = await importFailure(settings(small, 'small', { image: JSON.stringify(entry) }), quiet);
    expect(failure).toBeInstanceOf(RegisterError);
    expect(failure!.message).toMatch(
      /^Registering \S+ \(gp3\) from snap-\w+ in us-east-1 failed: .*InvalidAMIName\.Duplicate/,
    );
    expect(emulator.inventory().images).toEqual([]);
  }, 60_000);

  it('names an AMI that became failed instead of available, and what to do', async () => {
    emulator.setDurations({ imageAvailable: 60_000 });
    const entry = planned(small, 'small', 'x86_64');
    const importing = importFailure(settings(small, 'small', { image: JSON.stringify(entry) }), quiet);
    // AWS can fail a registration after accepting it (DescribeImages: State failed, StateReason).
    let registered:
      { id: string; state: string; stateReason?: { Code: string; Message: string } } | undefined;
    while (!(registered = [...emulator.state.images.values()][0]))
      await new Promise((resolve) => setTimeout(resolve, 20));
    registered.state = 'failed';
    registered.stateReason = { Code: 'Client.InvalidSnapshot', Message: 'The snapshot could not be read' };
    const failure = (await importing)!;
    expect(failure).toBeInstanceOf(RegisterError);
    expect(failure!.message).toMatch(
      /^AMI ami-\w+ \(Fedora-Cloud-Base-AmazonEC2\.x86_64-Rawhide-20260302\.0\) in us-east-1 became failed: The snapshot could not be read\. Deregister it and re-run the job\.$/,
    );
    // StateReason is optional: without it the message ends at the state.
    await new EC2Client({ region: 'us-east-1' }).send(new DeregisterImageCommand({ ImageId: registered.id }));
    const again = importFailure(settings(small, 'small', { image: JSON.stringify(entry) }), quiet);
    let second: typeof registered | undefined;
    while (!(second = [...emulator.state.images.values()][0]))
      await new Promise((resolve) => setTimeout(resolve, 20));
    second.state = 'failed';
    expect((await again)!.message).toMatch(
      / in us-east-1 became failed\. Deregister it and re-run the job\.$/,
    );
  }, 60_000);
});

describe('an AMI name that is taken', () => {
  it('never takes over an AMI of that name that is not fedimg’s, or not from this image', async () => {
    const entry = planned(small, 'small', 'x86_64');
    const image = JSON.stringify(entry);
    const first = await runImport(settings(small, 'small', { image }), quiet);
    const { name, snapshotId } = first.imported[0]!.amis[0]!;
    const ec2 = new EC2Client({ region: 'us-east-1' });
    for (const tags of [
      { 'fedimg:source-sha256': entry.sha256 } as Record<string, string>,
      { ManagedBy: 'fedimg', 'fedimg:source-sha256': 'b'.repeat(64) },
    ]) {
      await ec2.send(new DeregisterImageCommand({ ImageId: emulator.inventory().images[0]!.id }));
      const other = await makeAmi({ name, snapshotId, tags });
      const failure = await importFailure(settings(small, 'small', { image }), quiet);
      expect(failure, JSON.stringify(tags)).toBeInstanceOf(RegisterError);
      expect(failure!.message).toBe(
        `The AMI name ${name} is already used in us-east-1 by ${other.imageId}, which fedimg did not register from ${entry.file}. Deregister that AMI if it is stale, or change name-template.`,
      );
      expect(emulator.inventory().images.map((each) => each.id)).toEqual([other.imageId]);
    }
  }, 60_000);
});

/**
 * Calls `added` with each value put into `map` under a new key (a resource the emulator creates),
 * until the function returned is called.
 */
function watchAdditions<K, V>(map: Map<K, V>, added: (value: V) => void): () => void {
  const set = map.set.bind(map);
  map.set = (key, value) => {
    if (!map.has(key)) added(value);
    return set(key, value);
  };
  return () => {
    map.set = set;
  };
}

/** The operations the emulator was asked for since its first `before` requests. */
const operationsSince = (before: number) =>
  emulator
    .requests()
    .slice(before)
    .map((request) => request.operation);

/**
 * A few hundred KB whose xz index claims `streams` × 64 MiB of zeros (concatenated xz streams),
 * served under a Fedora name; the import's inputs for it.
 */
async function claimingImage(streams: number, inputs: Partial<Record<InputName, string>>) {
  const stream = await writeCompressedImage(join(dir, 'zeros.xz'), 64 * MIB, 'zeros', {
    zeros: 1,
    random: 0,
  });
  const one = await readFile(stream.path);
  const claiming = Buffer.concat(Array.from({ length: streams }, () => one));
  const name = `Fedora-Cloud-Base-AmazonEC2-43-${streams}.1.x86_64.raw.xz`;
  await writeFile(join(dir, 'small', name), claiming);
  return fastSettings({
    stage: 'import',
    'image-url': `${files.url}small/${name}`,
    'image-sha256': createHash('sha256').update(claiming).digest('hex'),
    'allowed-hosts': files.host,
    'allow-http': 'true',
    'events-file': join(dir, `claiming-${streams}.ndjson`),
    ...inputs,
  });
}

/** The small compose's x86_64 image imported as a direct image (image-url, no compose). */
async function importByUrl(inputs: Partial<Record<InputName, string>>) {
  const image = planned(small, 'small', 'x86_64');
  const result = await runImport(
    fastSettings({
      stage: 'import',
      'image-url': image.url,
      'image-sha256': image.sha256,
      'allowed-hosts': files.host,
      'allow-http': 'true',
      'events-file': join(dir, 'direct.ndjson'),
      ...inputs,
    }),
    quiet,
  );
  return { image, result };
}

describe('import failures leave nothing behind', () => {
  it('refuses a checksum mismatch: the snapshot is deleted and no AMI registered', async () => {
    const image = { ...planned(small, 'small', 'x86_64'), sha256: 'a'.repeat(64) };
    const events = join(dir, 'mismatch.ndjson');
    const error = await runImport(
      settings(small, 'small', { image: JSON.stringify(image), 'events-file': events }),
      quiet,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageSourceError);
    expect((error as ImageSourceError).kind).toBe('checksum-mismatch');
    expect(emulator.inventory().snapshots).toEqual([]);
    expect(emulator.inventory().images).toEqual([]);
    const lines = (await readFile(events, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((event) => `${event.topic} ${event.status}`)).toEqual([
      'image.upload started',
      'image.upload failed',
    ]);
    expect(lines[1]).toMatchObject({
      image_name: image.name,
      image_url: image.url,
      destination: 'us-east-1',
      service: 'EC2',
      compose: small.composeId,
      architecture: 'x86_64',
      extra: { virt_type: 'hvm' },
    });
  });

  it('refuses a download that keeps breaking off and a corrupt xz file', async () => {
    const image = planned(staged, 'staged', 'aarch64');
    // Past the 256 KiB the xz index is read from, so only the stream itself keeps breaking.
    files.faults = { resetAfter: { path: new URL(image.url).pathname, bytes: 400_000, times: 100 } };
    const truncated = await runImport(
      settings(staged, 'staged', { image: JSON.stringify(image) }),
      quiet,
    ).catch((e: unknown) => e);
    files.faults = {};
    expect((truncated as ImageSourceError).kind).toBe('truncated');

    const bytes = Buffer.from(await readFile(staged.images[1]!.path));
    for (let i = 4000; i < 4100; i++) bytes[i] = bytes[i]! ^ 0x55;
    await writeFile(join(dir, 'staged', 'corrupt.raw.xz'), bytes);
    const { createHash } = await import('node:crypto');
    const corruptImage = {
      ...image,
      url: `${files.url}staged/corrupt.raw.xz`,
      file: 'corrupt.raw.xz',
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    const corrupt = await runImport(
      settings(staged, 'staged', { image: JSON.stringify(corruptImage) }),
      quiet,
    ).catch((e: unknown) => e);
    expect((corrupt as ImageSourceError).kind).toMatch(/corrupt|truncated/);
    expect(emulator.inventory()).toMatchObject({ snapshots: [], images: [] });
  });

  it('stops on an invalid name template or config before any AWS call', async () => {
    const before = emulator.requests().length;
    expect(() => settings(small, 'small', { 'name-template': '{product}-{nonsense}' })).toThrow(InputError);
    await expect(
      runImport(settings(small, 'small', { 'name-template': '{product}!{arch}' }), quiet),
    ).rejects.toThrow(/not a valid AMI name/);
    await expect(
      runImport(settings(small, 'small', { 'name-template': 'x{flavour}' }), quiet),
    ).rejects.toThrow(/two AMIs the same name/);
    const config = join(dir, 'bad.yaml');
    await writeFile(config, 'flavours:\n  - name: gp3\n    volume_type: gp3\n');
    expect(() => settings(small, 'small', { 'config-file': config })).toThrow(
      /Unrecognized key|unrecognized/i,
    );
    await writeFile(config, 'flavours:\n  - name: pv\n    virtualization: paravirtual\n');
    expect(() => settings(small, 'small', { 'config-file': config })).toThrow(/AWS retired it/);
    expect(emulator.requests().length).toBe(before);
  });

  it('refuses a small file whose xz index declares more than max-volume-size-gib, before creating anything', async () => {
    // 17 streams: 1088 MiB claimed.
    const claiming = await claimingImage(17, { 'max-volume-size-gib': '1' });
    const before = emulator.requests().length;
    const error = await importFailure(claiming, quiet);
    expect(error).toBeInstanceOf(ImageSourceError);
    expect(error!.message).toMatch(/declares 1\.06 GiB .* more than max-volume-size-gib \(1 GiB\)/);
    expect((error as ImageSourceError).hint).toBe(
      'Fedora cloud images are about 5 GiB. Raise max-volume-size-gib only if this image really is that large.',
    );
    expect(operationsSince(before)).not.toContain('StartSnapshot');
    expect(emulator.inventory().snapshots).toEqual([]);
  });

  it('refuses a volume-size smaller than the raw image before creating anything, saying what would fit', async () => {
    const claiming = await claimingImage(17, { 'max-volume-size-gib': '2', 'volume-size': '1' });
    const before = emulator.requests().length;
    const error = await importFailure(claiming, quiet);
    expect(error).toBeInstanceOf(InputError);
    expect(error!.message).toBe(
      'volume-size 1 GiB is smaller than Fedora-Cloud-Base-AmazonEC2-43-17.1.x86_64.raw.xz (1.06 GiB raw). Use at least 2 GiB or leave volume-size empty.',
    );
    expect((error as InputError).hint).toBe('Use at least 2 GiB or leave volume-size empty.');
    expect(operationsSince(before)).not.toContain('StartSnapshot');
  });

  it('takes an image of exactly max-volume-size-gib into a volume of exactly its size', async () => {
    // 16 streams: exactly 1 GiB. Both checks pass, so StartSnapshot is asked for (refused for a
    // while, then the run is cancelled: sending 2,048 blocks would prove nothing more).
    const claiming = await claimingImage(16, { 'max-volume-size-gib': '1' });
    emulator.addFault({ operation: 'StartSnapshot', kind: 'server-error', count: 100 });
    const before = emulator.requests().length;
    const controller = new AbortController();
    const watching = setInterval(() => {
      if (operationsSince(before).includes('StartSnapshot'))
        controller.abort(new Error('seen StartSnapshot'));
    }, 20);
    try {
      const error = await importFailure(claiming, quiet, { signal: controller.signal });
      // Stopped by the cancel (its reason, or the SDK's "Request aborted"), not by a size check.
      expect(error).toBeDefined();
      expect(error).not.toBeInstanceOf(ImageSourceError);
      expect(error).not.toBeInstanceOf(InputError);
      expect(operationsSince(before)).toContain('StartSnapshot');
    } finally {
      clearInterval(watching);
      emulator.clearFaults();
    }
  });
});

describe('the EBS direct route', () => {
  const x86 = () => JSON.stringify(planned(small, 'small', 'x86_64'));

  /** Deregisters an imported image's AMIs: its snapshot stays. */
  async function deregisterAmis(entry: { amis: Array<{ imageId: string }> }) {
    const ec2 = new EC2Client({ region: 'us-east-1' });
    for (const ami of entry.amis) await ec2.send(new DeregisterImageCommand({ ImageId: ami.imageId }));
    ec2.destroy();
  }

  /** The x86_64 image imported, then its AMIs deregistered. */
  async function importedWithoutAmis() {
    const entry = (await runImport(settings(small, 'small', { image: x86() }), quiet)).imported[0]!;
    await deregisterAmis(entry);
    return entry;
  }

  /** Imports the x86_64 image again, expecting it to reuse `snapshotId`; the calls it made. */
  async function reimportReusing(snapshotId: string) {
    const before = emulator.requests().length;
    const again = await runImport(settings(small, 'small', { image: x86() }), quiet);
    expect(again.imported[0]).toMatchObject({ snapshotId, snapshotReused: true });
    return operationsSince(before);
  }

  it('makes the snapshot the size volume-size asks for, and needs it when the xz index cannot be read', async () => {
    const sized = await runImport(settings(small, 'small', { image: x86(), 'volume-size': '3' }), quiet);
    expect(emulator.state.snapshots.get(sized.imported[0]!.snapshotId)!.volumeSize).toBe(3);
    // A mirror without Range requests: the size cannot be read from the index before downloading.
    files.faults = { noRange: true };
    try {
      emulator.reset();
      const unknown = await importFailure(settings(small, 'small', { image: x86() }), quiet);
      expect(unknown?.message).toMatch(/volume-size/);
      expect(emulator.inventory().snapshots).toEqual([]);
      const given = await runImport(settings(small, 'small', { image: x86(), 'volume-size': '2' }), quiet);
      expect(given.imported[0]!.amis[0]).toBeDefined();
      expect([...emulator.state.snapshots.values()].map((each) => each.volumeSize)).toEqual([2]);
    } finally {
      files.faults = {};
    }
  }, 60_000);

  it('reuses its completed snapshot without sending a block, and says what it sent', async () => {
    const { lines, log } = capturedLog();
    const first = await runImport(settings(small, 'small', { image: x86() }), log);
    const entry = first.imported[0]!;
    expect(entry.snapshotReused).toBe(false);
    // 6 MiB and 99 bytes: 13 blocks, every one sent (zero blocks are not skipped unless told).
    const summary = lines
      .map((line) =>
        /^x86_64: read [\d.]+ MiB compressed, 6\.0 MiB raw; sent 13 blocks \(0 zero blocks skipped, 0 retries\) in ([\d.]+) s, (\d+) MB\/s \(decoder \w+\)\.$/.exec(
          line,
        ),
      )
      .find(Boolean);
    expect(summary).toBeDefined();
    // The rate is the raw bytes over the time shown (rounded there to a tenth of a second).
    const [seconds, rate] = [Number(summary![1]), Number(summary![2])];
    const raw = smallRaw / 1e6;
    expect(rate).toBeGreaterThanOrEqual(Math.floor(raw / (seconds + 0.05)));
    expect(rate).toBeLessThanOrEqual(Math.ceil(raw / Math.max(seconds - 0.05, 0.001)));
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^x86_64 → ${entry.snapshotId}: 100% \\(13/13 blocks\\) \\d+ MB/s, ETA [\\d.]+ s$`),
      ),
    );
    const image = planned(small, 'small', 'x86_64');
    expect(emulator.state.snapshots.get(entry.snapshotId)!.description).toBe(
      `${image.file} (${small.composeId}) uploaded by fedimg`,
    );
    // The AMIs gone, the snapshot stays: a re-run registers from it and uploads nothing.
    await deregisterAmis(entry);
    const calls = await reimportReusing(entry.snapshotId);
    expect(calls.filter((operation) => /SnapshotBlock|CompleteSnapshot/.test(operation))).toEqual([]);
  }, 60_000);

  it('describes the snapshot of an image given by URL as a direct image', async () => {
    const { image, result } = await importByUrl({});
    const { snapshotId } = result.imported[0]!;
    expect(emulator.state.snapshots.get(snapshotId)!.description).toBe(
      `${image.file} (direct image) uploaded by fedimg`,
    );
  }, 60_000);

  it('stops a StartSnapshot AWS never answers as soon as the run is cancelled', async () => {
    emulator.addFault({ operation: 'StartSnapshot', kind: 'hang' });
    const controller = new AbortController();
    try {
      const importing = importFailure(settings(small, 'small', { image: x86() }), quiet, {
        signal: controller.signal,
      });
      // The size is read from the xz index first; StartSnapshot follows at once.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const cancelled = Date.now();
      controller.abort(new Error('cancelled by the test'));
      expect(await importing).toBeDefined();
      expect(Date.now() - cancelled).toBeLessThan(5000);
    } finally {
      emulator.clearFaults();
    }
  }, 30_000);

  it('takes the threads of an earlier import again, after a cancelled one too, and stores every byte', async () => {
    /** Each import hands its threads back; the sending threads once their writer has closed. */
    const settled = () => vi.waitFor(() => expect(threadsInUse()).toBe(0), { timeout: 5000 });
    await runImport(settings(small, 'small', { image: x86() }), quiet);
    await settled();
    const started = threadsStarted();
    // Cancelled with blocks on the wire: the feed is aborted and the writer closed mid-request.
    emulator.reset();
    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'latency', ms: 400 });
    const controller = new AbortController();
    try {
      const importing = importFailure(settings(small, 'small', { image: x86() }), quiet, {
        signal: controller.signal,
      });
      await untilAsked(emulator, 'PutSnapshotBlock');
      controller.abort(new Error('cancelled by the test'));
      expect(await importing).toBeDefined();
    } finally {
      emulator.clearFaults();
    }
    await settled();
    emulator.reset();
    const { imported } = await runImport(settings(small, 'small'), quiet);
    for (const entry of imported) {
      const generated = small.images.find((image) => image.arch === entry.image.arch)!;
      expect(await snapshotSha256(entry.snapshotId, Math.ceil(smallRaw / BLOCK))).toBe(
        await paddedSha256(smallRaw, `${small.composeId}/${generated.arch}`),
      );
    }
    expect(imported).toHaveLength(2);
    // Three imports, four images: the threads of the first did all the work.
    expect(threadsStarted() - started).toBe(0);
    await settled();
  }, 60_000);

  it('says in its debug lines which block is retried and why', async () => {
    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'server-error', count: 1 });
    const { lines, log } = capturedLog({ verbose: true });
    try {
      await runImport(settings(small, 'small', { image: x86() }), log);
    } finally {
      emulator.clearFaults();
    }
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^debug: block \d+: ebs:PutSnapshotBlock in us-east-1 failed: InternalServerException: .*; retrying$/,
      ),
    );
  }, 60_000);

  it('resumes the unfinished snapshot an earlier run left, sending every block again', async () => {
    // The first run fails mid-upload and cannot delete its snapshot.
    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'server-error', count: 100_000 });
    emulator.addFault({ operation: 'DeleteSnapshot', kind: 'server-error', count: 100_000 });
    const first = await importFailure(settings(small, 'small', { image: x86() }), quiet);
    expect(first).toBeDefined();
    const [left] = emulator.inventory().snapshots;
    expect(left!.state).toMatch(/^pending/);
    emulator.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { lines, log } = capturedLog();
    const rerun = await runImport(settings(small, 'small', { image: x86() }), log);
    expect(rerun.imported[0]!.snapshotId).toBe(left!.id);
    expect(lines).toContain(
      `x86_64: resuming unfinished snapshot ${left!.id} from an earlier run (every block is sent again).`,
    );
    expectNoLeaks();
  }, 60_000);

  it('replaces a snapshot of its token that ended in error, under the token’s next generation', async () => {
    const old = await importedWithoutAmis();
    emulator.state.snapshots.get(old.snapshotId)!.state = 'error';
    const { lines, log } = capturedLog();
    const rerun = await runImport(settings(small, 'small', { image: x86() }), log);
    expect(rerun.imported[0]!.snapshotId).not.toBe(old.snapshotId);
    expect(emulator.state.snapshots.has(old.snapshotId)).toBe(false);
    expect(lines.some((line) => line.includes('resuming'))).toBe(false);
    expectNoLeaks();
  }, 60_000);

  it.each([
    ['internal error', ': internal error.'],
    [undefined, '.'],
  ])(
    'names a snapshot that ended in error after CompleteSnapshot (message %s), and deletes it',
    async (stateMessage, ending) => {
      emulator.setDurations({ snapshotCompletion: 60_000 });
      const importing = importFailure(settings(small, 'small', { image: x86() }), quiet);
      await untilAsked(emulator, 'CompleteSnapshot');
      const [snapshot] = [...emulator.state.snapshots.values()];
      snapshot!.state = 'error';
      snapshot!.stateMessage = stateMessage;
      const failure = (await importing)!;
      expect(failure).toBeInstanceOf(UploadError);
      expect(failure.message).toContain(
        `Snapshot ${snapshot!.id} of ${planned(small, 'small', 'x86_64').file} in us-east-1 ended in state error${ending}`,
      );
      expect((failure as UploadError).hint).toBe('It was deleted; re-run the job.');
      expect(emulator.state.snapshots.has(snapshot!.id)).toBe(false);
      expect(emulator.inventory().images).toEqual([]);
    },
    60_000,
  );

  it('gives up naming the image and region when StartSnapshot keeps answering with failed snapshots, a new token each time', async () => {
    // AWS answers every StartSnapshot with a snapshot in the error state.
    const tokens: Array<string | undefined> = [];
    const restore = watchAdditions(emulator.state.snapshots, (snapshot) => {
      if (snapshot.source !== 'ebs-direct') return;
      snapshot.state = 'error';
      tokens.push(snapshot.clientToken);
    });
    try {
      const failure = await importFailure(settings(small, 'small', { image: x86() }), quiet);
      expect(failure).toBeInstanceOf(UploadError);
      expect(failure!.message).toBe(
        `StartSnapshot keeps returning failed snapshots for ${planned(small, 'small', 'x86_64').file} in us-east-1.`,
      );
    } finally {
      restore();
    }
    // The token and three generations after it, each snapshot deleted.
    expect(tokens).toHaveLength(4);
    expect(new Set(tokens).size).toBe(4);
    expect(emulator.inventory().snapshots).toEqual([]);
    expect(emulator.inventory().images).toEqual([]);
  }, 60_000);

  /**
   * An import whose shared snapshot (same ClientToken) another run closes in `state` while this one
   * is still sending (its blocks are slow); what the import gave, and the snapshot.
   */
  async function closedByAnotherRun(state: 'completed' | 'error', log: Log) {
    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'latency', ms: 200 });
    const importing = runImport(settings(small, 'small', { image: x86() }), log).then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error: error as Error }),
    );
    await untilAsked(emulator, 'PutSnapshotBlock');
    const [shared] = [...emulator.state.snapshots.values()];
    shared!.open = false;
    shared!.state = state;
    const outcome = await importing;
    emulator.clearFaults();
    return { ...outcome, shared: shared! };
  }

  it('uses the snapshot when another run for the same image completed it first', async () => {
    const { lines, log } = capturedLog();
    const { result, shared } = await closedByAnotherRun('completed', log);
    const entry = result!.imported[0]!;
    expect(entry.snapshotId).toBe(shared.id);
    expect(entry.snapshotReused).toBe(true);
    expect(entry.amis.length).toBeGreaterThan(0);
    expect(lines).toContain(
      `x86_64: snapshot ${shared.id} was completed by another run for the same image; using it.`,
    );
    expect(emulator.state.snapshots.has(shared.id)).toBe(true);
    expectNoLeaks();
  }, 60_000);

  it('registers nothing from a shared snapshot that another run closed but that ended in error', async () => {
    const { error, shared } = await closedByAnotherRun('error', quiet);
    expect(error).toBeInstanceOf(UploadError);
    expect(emulator.inventory().images).toEqual([]);
    expect(emulator.state.snapshots.has(shared.id)).toBe(false);
  }, 60_000);

  it('fits the descriptions of an image with the longest name a plan allows into the 255 characters AWS takes', async () => {
    // The longest file name and a long compose ID a plan entry may carry: "<file> (<compose>) uploaded
    // by fedimg" would be 320 characters, and StartSnapshot takes at most 255.
    const entry = {
      ...planned(small, 'small', 'x86_64'),
      file: `${'Fedora-Cloud-Base-AmazonEC2-'.padEnd(193, 'x')}.x86_64.raw.xz`,
      compose_id: `Fedora-${'Cloud-'.repeat(12)}Rawhide-20260302.n.0`,
    };
    expect(entry.file).toHaveLength(207);
    const result = await runImport(settings(small, 'small', { image: JSON.stringify(entry) }), quiet);
    const snapshot = emulator.state.snapshots.get(result.imported[0]!.snapshotId)!;
    expect(snapshot.description.length).toBeLessThanOrEqual(255);
    expect(snapshot.description.startsWith(`${entry.file} (${entry.compose_id.slice(0, 20)}`)).toBe(true);
    for (const image of emulator.state.images.values())
      expect(image.description!.length).toBeLessThanOrEqual(255);
  }, 60_000);

  it('takes the completed snapshot StartSnapshot answers with when its tags are gone, sending no block', async () => {
    const entry = await importedWithoutAmis();
    // Without its tags the import stage does not find it; its ClientToken still names it.
    emulator.state.snapshots.get(entry.snapshotId)!.tags.clear();
    const calls = await reimportReusing(entry.snapshotId);
    expect(calls).toContain('StartSnapshot');
    expect(calls.filter((operation) => /SnapshotBlock|CompleteSnapshot/.test(operation))).toEqual([]);
  }, 60_000);
});

describe('the S3 route (import-snapshot)', () => {
  const BUCKET = 'fedimg-staging';
  const s3Route = { 'upload-method': 'import-snapshot', 's3-bucket': BUCKET } as const;
  beforeEach(async () => {
    const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ region: 'us-east-1', forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    s3.destroy();
  });
  const imports = () => emulator.requests().filter((request) => request.operation === 'ImportSnapshot');

  it('names a failed import task with AWS’s reason; the re-run imports under the token’s next generation', async () => {
    const entry = planned(small, 'small', 'x86_64');
    const image = JSON.stringify(entry);
    emulator.failNextImports(1);
    const failure = await importFailure(settings(small, 'small', { image, ...s3Route }), quiet);
    expect(failure).toBeInstanceOf(UploadError);
    expect(failure!.message).toMatch(
      new RegExp(
        `Import task import-snap-\\w+ for ${entry.file.replace(/\./g, '\\.')} in us-east-1 ended (deleting|deleted): ClientError: Disk validation failed \\[Unsupported disk image format\\]\\.`,
      ),
    );
    expect(failure!.message).toContain(
      'Check the vmimport service role and that the bucket is in the same region',
    );
    expectNoLeaks();
    expect(emulator.inventory().images).toEqual([]);
    expect(imports()).toHaveLength(1);
    // The task had ended: there was nothing to cancel.
    expect(emulator.requests().filter((request) => request.operation === 'CancelImportTask')).toEqual([]);
    // The token's task is dead for good (AWS answers it again): the next generation imports.
    const rerun = await runImport(settings(small, 'small', { image, ...s3Route }), quiet);
    expect(imports()).toHaveLength(3);
    const snapshot = emulator
      .inventory()
      .snapshots.find((each) => each.id === rerun.imported[0]!.snapshotId)!;
    // AWS tags only the import task; fedimg tags the snapshot it made.
    expect(snapshot.tags).toMatchObject({
      ManagedBy: 'fedimg',
      Name: entry.name,
      'fedimg:source-sha256': entry.sha256,
    });
    expectNoLeaks();
  }, 60_000);

  it('describes and tags the import task, reports each change of its progress once, and calls the snapshot new', async () => {
    const entry = planned(small, 'small', 'x86_64');
    const { lines, log } = capturedLog();
    const controller = new AbortController();
    const result = await runImport(
      settings(small, 'small', { image: JSON.stringify(entry), ...s3Route }),
      log,
      {
        signal: controller.signal,
      },
    );
    expect(result.imported[0]!.snapshotReused).toBe(false);
    // Nothing of the import still listens for a cancel (a long run imports many images).
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    const [task] = [...emulator.state.importTasks.values()];
    expect(task!.description).toBe(`${entry.file} (${small.composeId}) imported by fedimg`);
    expect(task!.tags.get('Name')).toBe(entry.name);
    expect(task!.tags.get('ManagedBy')).toBe('fedimg');
    const progress = lines.filter((line) => line.startsWith(`x86_64: import task ${task!.id}: `));
    expect(progress[0]).toBe(`x86_64: import task ${task!.id}: 0% pending`);
    expect(progress).toContain(`x86_64: import task ${task!.id}: 50% converting`);
    expect(progress.filter((line, at) => line === progress[at - 1])).toEqual([]);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^x86_64: staged 6\\.0 MiB raw in s3://${BUCKET}/fedimg-staging/[0-9a-f]{16}/${entry.name.replace(/\./g, '\\.')}\\.raw in [\\d.]+ s; importing\\.$`,
        ),
      ),
    );
  }, 60_000);

  it('shows a task AWS gives no status message for by its percentage, and its failure as having no message', async () => {
    // AWS's DescribeImportSnapshotTasks may leave StatusMessage out.
    const tasks = emulator.state.importTasks;
    const restore = watchAdditions(tasks, (task) =>
      Object.defineProperty(task, 'statusMessage', { get: () => undefined, set: () => undefined }),
    );
    emulator.failNextImports(1);
    const { lines, log } = capturedLog();
    try {
      const failure = await importFailure(
        settings(small, 'small', { image: JSON.stringify(planned(small, 'small', 'x86_64')), ...s3Route }),
        log,
      );
      const [task] = [...tasks.values()];
      expect(lines).toContain(`x86_64: import task ${task!.id}: 0%`);
      expect(failure!.message).toMatch(
        new RegExp(`^Import task ${task!.id} for .* ended (deleting|deleted): no message\\.`),
      );
    } finally {
      restore();
    }
  }, 60_000);

  it('describes the import task of an image given by URL as a direct image', async () => {
    const { image } = await importByUrl(s3Route);
    const [task] = [...emulator.state.importTasks.values()];
    expect(task!.description).toBe(`${image.file} (direct image) imported by fedimg`);
  }, 60_000);

  it('replaces a task of its token that is being deleted, under the token’s next generation', async () => {
    const image = JSON.stringify(planned(small, 'small', 'x86_64'));
    emulator.failNextImports(1);
    await importFailure(settings(small, 'small', { image, ...s3Route }), quiet);
    // Held at 'deleting' (the emulator would move it on to 'deleted' while the re-run stages).
    for (const task of emulator.state.importTasks.values())
      Object.defineProperty(task, 'status', { get: () => 'deleting', set: () => undefined });
    await runImport(settings(small, 'small', { image, ...s3Route }), quiet);
    expect(imports()).toHaveLength(3);
  }, 60_000);

  it('gives up when the token and three generations after it all name dead tasks, asking for each once', async () => {
    const entry = planned(small, 'small', 'x86_64');
    const values = settings(small, 'small', { image: JSON.stringify(entry), ...s3Route });
    const token = uploadToken(entry, values.upload);
    // Earlier runs' tasks, failed and deleted, one per generation of the token.
    for (const [generation, clientToken] of [token, `${token}-1`, `${token}-2`, `${token}-3`].entries())
      emulator.state.importTasks.set(`import-snap-dead${generation}`, {
        id: `import-snap-dead${generation}`,
        region: 'us-east-1',
        bucket: BUCKET,
        key: stagingKey(entry),
        format: 'RAW',
        description: undefined,
        clientToken,
        encrypted: false,
        kmsKeyId: undefined,
        tags: new Map(),
        createdAt: Date.now(),
        status: 'deleted',
        statusMessage: 'ClientError: Disk validation failed',
        progress: 0,
        snapshotId: undefined,
      });
    const failure = await importFailure(values, quiet);
    expect(failure!.message).toMatch(
      /^Import task import-snap-dead3 for .* ended deleted: ClientError: Disk validation failed\./,
    );
    expect(imports()).toHaveLength(4);
    expect(emulator.state.importTasks.size).toBe(4);
    expectNoLeaks();
  }, 60_000);

  /** An S3 import cancelled while its staging upload hangs on a part; what it failed with and how fast. */
  async function cancelledStaging(log: Log, beforeCancel: () => void = () => undefined) {
    const entry = planned(staged, 'staged', 'x86_64');
    emulator.addFault({ operation: 'UploadPart', kind: 'hang' });
    const controller = new AbortController();
    try {
      const importing = importFailure(
        settings(staged, 'staged', { image: JSON.stringify(entry), ...s3Route }),
        log,
        {
          signal: controller.signal,
        },
      );
      await untilAsked(emulator, 'CreateMultipartUpload');
      await new Promise((resolve) => setTimeout(resolve, 300));
      beforeCancel();
      const cancelled = Date.now();
      controller.abort(new Error('cancelled by the test'));
      const failure = await importing;
      return { entry, failure, stoppedAfterMs: Date.now() - cancelled };
    } finally {
      emulator.clearFaults();
    }
  }

  it('stops staging when cancelled, aborting the multipart upload and saying what was removed', async () => {
    const { lines, log } = capturedLog();
    const { entry, failure, stoppedAfterMs } = await cancelledStaging(log);
    expect(stoppedAfterMs).toBeLessThan(5000);
    expect(failure!.message).toBe(
      `The upload of ${entry.file} to us-east-1 was cancelled. The staging object s3://${BUCKET}/${stagingKey(entry)} was removed.`,
    );
    expectNoLeaks();
    // Whichever of lib-storage and fedimg aborted it first, the other's NoSuchUpload is no problem.
    expect(lines.filter((line) => line.includes('Could not abort'))).toEqual([]);
  }, 60_000);

  it('takes a multipart upload already aborted (NoSuchUpload) as done, without a warning', async () => {
    const { lines, log } = capturedLog();
    // lib-storage's own abort got there first.
    await cancelledStaging(log, () => emulator.state.buckets.get(BUCKET)!.uploads.clear());
    expect(lines.filter((line) => line.includes('Could not abort'))).toEqual([]);
    expectNoLeaks();
  }, 60_000);

  it('warns, naming the multipart upload, when a cancelled staging cannot be aborted', async () => {
    emulator.addFault({ operation: 'AbortMultipartUpload', kind: 'server-error', count: 1000 });
    const { lines, log } = capturedLog();
    const { entry, failure } = await cancelledStaging(log);
    expect(failure).toBeDefined();
    const [upload] = leaks(emulator).multipartUploads;
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^warning: fedimg upload: Could not abort the multipart upload ${upload!.uploadId} of s3://${BUCKET}/${stagingKey(entry).replace(/\./g, '\\.')}: .*; S3 keeps its parts until it is aborted`,
        ),
      ),
    );
  }, 60_000);

  it('aborts nothing and warns of nothing when staging fails before a multipart upload exists', async () => {
    // CreateMultipartUpload refused: lib-storage's done() rejects with no upload id to abort.
    emulator.addFault({ operation: 'CreateMultipartUpload', kind: 'server-error', count: 1000 });
    const { lines, log } = capturedLog();
    const before = emulator.requests().length;
    const failure = await importFailure(
      settings(staged, 'staged', { image: JSON.stringify(planned(staged, 'staged', 'x86_64')), ...s3Route }),
      log,
    );
    emulator.clearFaults();
    expect(failure).toBeDefined();
    const asked = operationsSince(before);
    expect(asked).toContain('CreateMultipartUpload');
    expect(asked).not.toContain('AbortMultipartUpload');
    expect(asked).not.toContain('ImportSnapshot');
    // The staging key is deleted once, by the cleanup that runs whatever happens. An
    // AbortMultipartUpload without an UploadId would go out as `DELETE /<key>`: a second DeleteObject
    // (in a versioned bucket, a second delete marker).
    expect(asked.filter((operation) => operation === 'DeleteObject')).toHaveLength(1);
    expect(lines.filter((line) => line.includes('Could not abort'))).toEqual([]);
    expectNoLeaks();
  }, 60_000);

  it('reports the staging upload’s progress every 256 MiB', async () => {
    // Five streams of 64 MiB of zeros: 320 MiB raw, one progress line. Each 16 MiB part takes half
    // a second, four at a time: the first 256 MiB take at least two seconds.
    emulator.addFault({ operation: 'UploadPart', kind: 'latency', ms: 500 });
    // Only the progress is looked at: the emulator keeps none of the 320 MiB (as with --no-data).
    emulator.storeBlockData(false);
    const { lines, log } = capturedLog();
    const result = await runImport(
      await claimingImage(5, { ...s3Route, 'max-volume-size-gib': '1' }),
      log,
    ).finally(() => emulator.storeBlockData(true));
    emulator.clearFaults();
    expect(result.imported[0]!.snapshotId).toMatch(/^snap-/);
    const progress = lines.filter((line) => line.startsWith('x86_64 → s3://'));
    expect(progress).toHaveLength(1);
    const shown = new RegExp(
      `^x86_64 → s3://${BUCKET}/fedimg-staging/[0-9a-f]{16}/\\S+\\.raw: 256\\.0 MiB \\((\\d+) MB/s\\)$`,
    ).exec(progress[0]!);
    expect(shown).not.toBeNull();
    // 256 MiB over at most the whole staging's time (the "staged … in S s" line), and over at
    // least the two seconds the parts took.
    const staged = lines
      .map((line) => /^x86_64: staged .* in ([\d.]+) s; importing\.$/.exec(line))
      .find(Boolean);
    const rate = Number(shown![1]);
    expect(rate).toBeGreaterThanOrEqual(Math.floor((256 * MIB) / 1e6 / (Number(staged![1]) + 0.05)));
    expect(rate).toBeLessThanOrEqual(Math.ceil((256 * MIB) / 1e6 / 2));
  }, 60_000);

  /** An S3 import whose task runs ten minutes against an import-timeout of 1.5 s. */
  async function outlastingImport(log: Log) {
    emulator.setDurations({ import: 600_000 });
    const values = settings(small, 'small', {
      image: JSON.stringify(planned(small, 'small', 'x86_64')),
      ...s3Route,
    });
    unwatched(values).upload.importTimeoutMs = 1500;
    const pending = new PendingResources();
    return { failure: await importFailure(values, log, { pending }), pending };
  }

  it('warns, naming the task, when a task past import-timeout-minutes cannot be cancelled', async () => {
    emulator.addFault({ operation: 'CancelImportTask', kind: 'server-error', count: 1000 });
    const { lines, log } = capturedLog();
    const { failure, pending } = await outlastingImport(log);
    expect(failure).toBeDefined();
    emulator.clearFaults();
    const [task] = [...emulator.state.importTasks.values()];
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^warning: fedimg upload: Could not cancel import task ${task!.id}: `),
      ),
    );
    // Still listed for the post step, which tries again.
    expect(pending.list()).toContainEqual(expect.objectContaining({ kind: 'import-task', id: task!.id }));
  }, 60_000);

  it('cancels an import task that outlasts import-timeout-minutes, and removes the staging object', async () => {
    const { lines, log } = capturedLog();
    const { failure, pending } = await outlastingImport(log);
    expect(failure).toBeDefined();
    expect(failure!.message).toMatch(/import task import-snap-\w+/);
    const cancels = emulator.requests().filter((request) => request.operation === 'CancelImportTask');
    expect(cancels).toHaveLength(1);
    expect([...emulator.state.importTasks.values()].map((task) => task.status)).not.toContain('active');
    expect(pending.list()).toEqual([]);
    expectNoLeaks();
    // Progress was reported while it ran.
    expect(lines.some((line) => /^x86_64: import task import-snap-\w+: 0% pending$/.test(line))).toBe(true);
  }, 60_000);

  it('warns, naming the object for the post step, when the staging object cannot be deleted', async () => {
    emulator.addFault({ operation: 'DeleteObject', kind: 'server-error', count: 1000 });
    const { lines, log } = capturedLog();
    const pending = new PendingResources();
    await runImport(
      settings(small, 'small', { image: JSON.stringify(planned(small, 'small', 'x86_64')), ...s3Route }),
      log,
      { pending },
    );
    const [object] = pending.list();
    expect(object).toMatchObject({ kind: 's3-object', region: 'us-east-1', bucket: BUCKET });
    const { key } = object as { key: string };
    expect(
      lines.some((line) =>
        line.startsWith(`warning: fedimg upload: Could not delete s3://${BUCKET}/${key}: `),
      ),
    ).toBe(true);
    expect(lines.some((line) => line.endsWith('; the post step will try again.'))).toBe(true);
  }, 60_000);
});

describe('import under faults', () => {
  it('finishes through 20% throttling, 5xx bursts, slow responses and the snapshot-not-found window', async () => {
    for (const operation of [
      'PutSnapshotBlock',
      'StartSnapshot',
      'CompleteSnapshot',
      'RegisterImage',
      'DescribeImages',
      'DescribeSnapshots',
    ]) {
      emulator.addFault({ operation, kind: 'throttle', rate: 0.2 });
    }
    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'server-error', count: 5 });
    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'latency', ms: 30, rate: 0.3 });
    emulator.setDurations({ snapshotNotFoundWindow: 150, consistency: 100 });
    const result = await runImport(
      settings(small, 'small', { image: JSON.stringify(planned(small, 'small', 'x86_64')) }),
      quiet,
    );
    const [entry] = result.imported;
    expect(await snapshotSha256(entry!.snapshotId, Math.ceil(smallRaw / BLOCK))).toBe(
      await paddedSha256(smallRaw, `${small.composeId}/x86_64`),
    );
    expect(emulator.requests().filter((request) => request.status >= 400).length).toBeGreaterThan(5);
    expectNoLeaks();
  }, 120_000);

  it('times out a hung PutSnapshotBlock and retries it', async () => {
    emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'hang', count: 2, ms: 10_000 });
    const s = settings(small, 'small', {
      image: JSON.stringify(planned(small, 'small', 'x86_64')),
      'block-timeout-seconds': '1',
    });
    const result = await runImport(s, quiet);
    expect(result.imported[0]!.amis).toHaveLength(1);
    expectNoLeaks();
  }, 120_000);
});

describe('the bundled action', () => {
  it('imports one matrix entry as the runner runs it: amis output, summary, events, clean post step', async () => {
    const image = planned(small, 'small', 'aarch64');
    const events = join(dir, 'action-events.ndjson');
    const env = { ...emulatorStepEnv(), AWS_REGION: 'eu-west-1' };
    const inputs = {
      stage: 'import',
      image: JSON.stringify(image),
      'allowed-hosts': files.host,
      'allow-http': 'true',
      'events-file': events,
    };
    const main = await runAction('dist/action/index.js', { inputs, env });
    expect(main.stderr).not.toMatch(/error/i);
    expect(main.exitCode).toBe(0);
    const amis = JSON.parse(main.outputs.amis!);
    const entry = amis[image.name].gp3;
    expect(entry).toMatchObject({
      ami: expect.stringMatching(/^ami-/),
      snapshot: expect.stringMatching(/^snap-/),
      region: 'eu-west-1',
      name: 'Fedora-Cloud-Base-AmazonEC2.aarch64-Rawhide-20260302.0',
    });
    expect(main.summary).toContain(entry.ami);
    expect(main.outputs['events-file']).toBe(events);
    const lines = (await readFile(events, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((event) => `${event.topic} ${event.status} ${event.extra.id ?? ''}`)).toEqual([
      'image.upload started ',
      `image.upload completed ${entry.ami}`,
    ]);
    expect(JSON.parse(main.state.pending!)).toEqual([]);
    const post = await runAction('dist/action/index.js', { inputs, env, state: main.state });
    expect(post.stdout).toContain('nothing was left unfinished');
  }, 60_000);
});

describe('interrupted imports', () => {
  const waitForBlocks = (count: number) => blocksUploaded(emulator, count);

  it('completes after the process is killed mid-upload, without a duplicate snapshot', async () => {
    emulator.setLatency({ PutSnapshotBlock: 40 });
    const image = JSON.stringify(planned(staged, 'staged', 'x86_64'));
    const child = spawnCli(interruptibleImportArgs(image, files.host, join(dir, 'kill.ndjson')));
    await waitForBlocks(6);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(emulator.inventory().snapshots.map((snapshot) => snapshot.state)).toEqual(['pending (open)']);

    emulator.setLatency({ PutSnapshotBlock: 0 });
    const result = await runImport(settings(staged, 'staged', { image }), quiet);
    const inventory = emulator.inventory();
    expect(inventory.snapshots).toHaveLength(1);
    expect(inventory.snapshots[0]!.id).toBe(result.imported[0]!.snapshotId);
    expect(await snapshotSha256(result.imported[0]!.snapshotId, Math.ceil(stagedRaw / BLOCK))).toBe(
      await paddedSha256(stagedRaw, `${staged.composeId}/x86_64`),
    );
    expectNoLeaks();
  }, 120_000);

  it('deletes its own snapshot when cancelled (SIGINT)', async () => {
    emulator.setLatency({ PutSnapshotBlock: 40 });
    const image = JSON.stringify(planned(staged, 'staged', 'aarch64'));
    const child = spawnCli(interruptibleImportArgs(image, files.host, join(dir, 'int.ndjson')));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitForBlocks(4);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toMatch(/cancelled/);
    expect(emulator.inventory().snapshots).toEqual([]);
  }, 60_000);

  it('leaves the unfinished snapshot to the action’s post step when the main step dies', async () => {
    emulator.setLatency({ PutSnapshotBlock: 40 });
    const image = JSON.stringify(planned(staged, 'staged', 'x86_64'));
    const inputs = {
      stage: 'import',
      image,
      'allowed-hosts': files.host,
      'allow-http': 'true',
      concurrency: '2',
      'events-file': join(dir, 'post.ndjson'),
    };
    const env = emulatorStepEnv();
    const main = runAction('dist/action/index.js', { inputs, env, killAfter: async () => waitForBlocks(4) });
    const killed = await main;
    expect(killed.exitCode).not.toBe(0);
    const pending = JSON.parse(killed.state.pending!);
    expect(pending).toEqual([
      { kind: 'snapshot', region: 'us-east-1', id: emulator.inventory().snapshots[0]!.id },
    ]);

    const post = await runAction('dist/action/index.js', { inputs, env, state: killed.state });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toMatch(/Removed unfinished snapshot:us-east-1:snap-/);
    expect(emulator.inventory().snapshots).toEqual([]);
  }, 60_000);
});
