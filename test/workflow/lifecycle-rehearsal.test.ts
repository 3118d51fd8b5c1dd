import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EC2Client, ModifyImageAttributeCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_CREDENTIALS, type Emulator } from '../../emulator/server.js';
import { makeAmi, startEmulator } from '../helpers/aws.js';
import { rehearse } from '../helpers/rehearsal.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
  emulator.setDurations({ consistency: 0, imageAvailable: 0 });
  emulator.addCredentials('AKIDREHEARSAL', 'secret');
});
afterAll(() => emulator.stop());

describe('lifecycle.yml, rehearsed', () => {
  it('sweeps, regenerates the index from AWS and deploys it to Pages from its own job', async () => {
    const { imageId } = await makeAmi({
      name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
      tags: {
        ManagedBy: 'fedimg',
        'fedimg:compose-id': 'Fedora-41-20241027.0',
        'fedimg:release': '41',
        'fedimg:arch': 'x86_64',
        'fedimg:flavour': 'gp3',
        'fedimg:compose-kind': 'ga',
      },
    });
    const ec2 = new EC2Client({ region: 'us-east-1', credentials: ADMIN_CREDENTIALS });
    await ec2.send(
      new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: [{ Group: 'all' }] } }),
    );
    ec2.destroy();

    const rehearsal = await rehearse('.github/workflows/lifecycle.yml', {
      event: { name: 'schedule' },
      vars: { FEDIMG_AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/fedimg-publish', FEDIMG_PAGES: 'true' },
      aws: {
        AWS_ENDPOINT_URL: emulator.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDREHEARSAL',
        AWS_SECRET_ACCESS_KEY: 'secret',
      },
    });
    const results = Object.fromEntries([...rehearsal.jobs].map(([id, job]) => [id, job.result]));
    expect(results, rehearsal.trace.join('\n')).toEqual({ sweep: 'success', pages: 'success' });
    expect(rehearsal.pages.map((deployment) => deployment.job)).toEqual(['pages']);
    const index = JSON.parse(await readFile(join(rehearsal.pages[0]!.site, 'index.json'), 'utf8'));
    expect(index.images.map((entry: { ami_id: string }) => entry.ami_id)).toEqual([imageId]);
    expect(await readFile(join(rehearsal.pages[0]!.site, 'index.html'), 'utf8')).toContain(imageId);
  }, 120_000);
});
