/**
 * What Fedora's consumers and AWS read back: the published.v1.aws message in Fedora's schema, and a
 * verify that notices an AWS which dropped attributes of the registration.
 */
import {
  DeregisterImageCommand,
  DescribeImagesCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VerifyError } from '../../src/errors.js';
import { terminalLog } from '../../src/log.js';
import type { InputName } from '../../src/settings/index.js';
import { runBootTest } from '../../src/stages/boot-test.js';
import { runCopy } from '../../src/stages/copy.js';
import { runImport } from '../../src/stages/import.js';
import { runPublish } from '../../src/stages/publish.js';
import { runVerify } from '../../src/stages/verify.js';
import { useWorld } from '../helpers/world.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const world = useWorld('fedimg-fidelity-', [
  { composeId: 'Fedora-41-20241020.0', label: 'RC-1.4', rawSize: 1024 * 1024 + 5, arches: ['x86_64'] },
  {
    composeId: 'Fedora-Rawhide-20261120.n.0',
    rawSize: 1024 * 1024 + 5,
    arches: ['x86_64'],
    rawhideRelease: 45,
    subdir: 'rawhide',
  },
]);
const SCHEMA = 'fedora_image_uploader.published.v1.aws';

/**
 * fedora-image-uploader-messages 1.2.0, AwsPublishedV1, written down here from its JSON schema (not
 * imported from fedimg, so the test checks fedimg against Fedora's definition, not against itself).
 */
const fedoraSchema = z.strictObject({
  architecture: z.string(),
  compose_id: z.string(),
  image_name: z.string(),
  regions: z.record(z.string(), z.string()),
  release: z.number().int(),
  subvariant: z.string(),
});

function settings(stage: string, extra: Partial<Record<InputName, string>> = {}) {
  return world.settings(stage, {
    regions: 'eu-west-1,ap-south-1',
    'manifest-file': join(world.dir, 'manifest.json'),
    ...extra,
  });
}

async function throughCopy(extra: Partial<Record<InputName, string>> = {}): Promise<void> {
  await runImport(settings('import', extra), quiet);
  await runBootTest(settings('boot-test', extra), quiet);
  await runCopy(settings('copy', extra), quiet);
}

describe("Fedora's published message", () => {
  it('is sent once per image when it is public everywhere, in the schema Fedora consumers validate', async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end('ok');
      });
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    const notify = {
      'notify-url': `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      'allowed-hosts': `${world.files.host},127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    };
    try {
      await throughCopy();
      const events = join(world.dir, 'message-events.ndjson');
      await runPublish(settings('publish', { ...notify, 'events-file': events }), quiet);

      const lines = (await readFile(events, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { topic: string; schema?: string; body?: unknown });
      const messages = lines.filter((line) => line.schema === SCHEMA);
      expect(messages).toHaveLength(1);
      // The routing key Fedora's consumers bind (…published.v1.aws.<stream>.<subvariant>.<arch>);
      // the broker's org.fedoraproject.<env>. prefix is the bridge's to add.
      expect(messages[0]!.topic).toBe(`${SCHEMA}.41.Cloud_Base.x86_64`);
      const body = fedoraSchema.parse(messages[0]!.body);
      expect(body).toMatchObject({
        architecture: 'x86_64',
        compose_id: 'Fedora-41-20241020.0',
        image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
        release: 41,
        subvariant: 'Cloud_Base',
      });
      expect(Object.keys(body.regions)).toEqual(['ap-south-1', 'eu-west-1', 'us-east-1']);
      // The real message Fedora sent for F41 Beta has the same fields (it predates release/subvariant).
      const example = JSON.parse(
        await readFile('test/fixtures/fedora_image_uploader.published.v1.aws.example.json', 'utf8'),
      ) as { body: Record<string, unknown> };
      for (const key of Object.keys(example.body))
        expect(typeof body[key as keyof typeof body]).toBe(typeof example.body[key]);

      const posted = received.filter((entry) => entry.headers['x-fedimg-schema'] === SCHEMA);
      expect(posted).toHaveLength(1);
      expect(posted[0]!.headers['x-fedimg-event']).toBe(`${SCHEMA}.41.Cloud_Base.x86_64`);
      expect(fedoraSchema.parse(JSON.parse(posted[0]!.body))).toEqual(body);
    } finally {
      await new Promise((done) => receiver.close(done));
    }
  }, 120_000);

  it("is sent for Rawhide with its release number from the compose's rpms.json, on the rawhide topic", async () => {
    const rawhide = { 'compose-location': world.location(world.composes[1]) };
    await throughCopy(rawhide);
    const events = join(world.dir, 'rawhide-events.ndjson');
    await runPublish(settings('publish', { ...rawhide, 'events-file': events }), quiet);
    const messages = (await readFile(events, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { topic: string; schema?: string; body?: unknown })
      .filter((line) => line.schema === SCHEMA);
    expect(messages.map((message) => message.topic)).toEqual([`${SCHEMA}.rawhide.Cloud_Base.x86_64`]);
    expect(fedoraSchema.parse(messages[0]!.body)).toMatchObject({
      compose_id: 'Fedora-Rawhide-20261120.n.0',
      image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-Rawhide-20261120.0',
      release: 45,
    });
  }, 120_000);

  it('follows the fedora-message-topic template', async () => {
    await throughCopy();
    const events = join(world.dir, 'template-events.ndjson');
    await runPublish(
      settings('publish', { 'events-file': events, 'fedora-message-topic': '{subvariant}.{release}.{arch}' }),
      quiet,
    );
    expect(await readFile(events, 'utf8')).toContain(`"topic":"${SCHEMA}.Cloud_Base.41.x86_64"`);
  }, 120_000);

  it('is not sent for AMIs that are only shared with accounts', async () => {
    const shared = { public: 'false', 'share-accounts': '123456789012' };
    await throughCopy(shared);
    const events = join(world.dir, 'shared-events.ndjson');
    await runPublish(settings('publish', { ...shared, 'events-file': events }), quiet);
    expect(await readFile(events, 'utf8')).not.toContain(SCHEMA);
    // verify reads the sharing back: the AMI and its snapshot are shared with that account.
    await expect(runVerify(settings('verify', shared), quiet)).resolves.toMatchObject({ gaps: [] });
    await expect(
      runVerify(settings('verify', { public: 'false', 'share-accounts': '210987654321' }), quiet),
    ).rejects.toThrow(/not shared with 210987654321/);
  }, 120_000);
});

describe('verify reads the registration back', () => {
  it('fails when AWS holds an AMI without the attributes the flavour asked for', async () => {
    await throughCopy();
    await runPublish(settings('publish'), quiet);
    await expect(runVerify(settings('verify'), quiet)).resolves.toMatchObject({ gaps: [] });

    // A lookalike in eu-west-1: same name, tags and snapshot, registered without ENA, IMDSv2 or gp3.
    const ec2 = new EC2Client({ region: 'eu-west-1' });
    const { Images } = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
    const original = Images!.find((image) => image.Name === 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4')!;
    await ec2.send(new DeregisterImageCommand({ ImageId: original.ImageId }));
    const { ImageId } = await ec2.send(
      new RegisterImageCommand({
        Name: original.Name,
        Architecture: 'x86_64',
        BootMode: 'uefi-preferred',
        RootDeviceName: original.RootDeviceName,
        VirtualizationType: 'hvm',
        BlockDeviceMappings: [
          {
            DeviceName: original.RootDeviceName,
            Ebs: { SnapshotId: original.BlockDeviceMappings![0]!.Ebs!.SnapshotId, VolumeType: 'gp2' },
          },
        ],
        TagSpecifications: [{ ResourceType: 'image', Tags: original.Tags }],
      }),
    );
    await ec2.send(
      new ModifyImageAttributeCommand({ ImageId, LaunchPermission: { Add: [{ Group: 'all' }] } }),
    );

    const error = await runVerify(settings('verify'), quiet).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(VerifyError);
    expect((error as VerifyError).area).toBe('verify');
    const message = (error as Error).message;
    // What to do leads out of the loop: a re-run alone would reuse the same AMI.
    expect((error as VerifyError).hint).toMatch(/deregister it \(aws ec2 deregister-image/);
    expect(message).toMatch(/enaSupport is false, expected true/);
    expect(message).toMatch(/imdsSupport is "", expected "v2.0"/);
    expect(message).toMatch(/volumeType is "gp2", expected "gp3"/);
    expect(message).toContain('eu-west-1');
  }, 120_000);
});
