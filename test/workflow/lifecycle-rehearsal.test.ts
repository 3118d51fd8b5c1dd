import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import { makeAmi, startEmulator } from '../helpers/aws.js';
import { rehearse, type Rehearsal } from '../helpers/rehearsal.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
  emulator.setDurations({ consistency: 0, imageAvailable: 0 });
  emulator.addCredentials('AKIDREHEARSAL', 'secret');
});
afterAll(() => emulator.stop());

/** A public AMI as fedimg makes them (provenance tags), with the boot-test verdict given, or none. */
async function publicAmi(
  release: string,
  sha: string,
  flavour: string,
  verdict: string | undefined,
): Promise<string> {
  const file = `Fedora-Cloud-Base-AmazonEC2-${release}-1.4.x86_64.raw.xz`;
  const { imageId } = await makeAmi({
    name: `Fedora-Cloud-Base-AmazonEC2.x86_64-${release}-1.4${flavour === 'gp3' ? '' : `-${flavour}`}`,
    tags: {
      ManagedBy: 'fedimg',
      'fedimg:compose-id': `Fedora-${release}-20241027.0`,
      'fedimg:release': release,
      'fedimg:arch': 'x86_64',
      'fedimg:flavour': flavour,
      'fedimg:compose-kind': 'ga',
      'fedimg:source-sha256': sha.repeat(32),
      'fedimg:image': file,
      ...(verdict ? { 'fedimg:boot-test': verdict } : {}),
    },
    public: true,
  });
  return imageId;
}

describe('lifecycle.yml, rehearsed', () => {
  it('sweeps and regenerates the index from AWS, listing only boot-tested images; pages.yml, started by the completed run, deploys it', async () => {
    // Public fedimg AMIs the index must list only when their image passed its boot test: 41 passed;
    // 42 passed on one flavour and failed on another; 43 was never boot-tested.
    const imageId = await publicAmi('41', 'ab', 'gp3', 'passed');
    await publicAmi('42', 'cd', 'gp3', 'passed');
    await publicAmi('42', 'cd', 'gp2', 'failed');
    await publicAmi('43', 'ef', 'gp3', undefined);

    const rehearsal = await rehearse('.github/workflows/lifecycle.yml', {
      event: { name: 'schedule' },
      vars: {
        FEDIMG_AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/fedimg-publish',
        FEDIMG_PAGES: 'true',
        // The Marketplace step observes fedimg's change sets: none here, so it reports nothing.
        FEDIMG_MARKETPLACE_PRODUCTS: 'x86_64=prod-fedorax86',
        FEDIMG_MARKETPLACE_ACCESS_ROLE_ARN: 'arn:aws:iam::123456789012:role/fedimg-marketplace',
      },
      aws: {
        AWS_ENDPOINT_URL: emulator.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDREHEARSAL',
        AWS_SECRET_ACCESS_KEY: 'secret',
      },
    });
    const results = (run: Rehearsal) =>
      Object.fromEntries([...run.jobs].map(([id, job]) => [id, job.result]));
    expect(results(rehearsal), rehearsal.trace.join('\n')).toEqual({ sweep: 'success' });
    expect(rehearsal.jobs.get('sweep')!.legs[0]!.summary).toContain('fedimg marketplace');
    const pages = await rehearse('.github/workflows/pages.yml', {
      event: {
        name: 'workflow_run',
        payload: { workflow_run: { id: Number(rehearsal.runId), conclusion: 'success', name: 'Lifecycle' } },
      },
      runId: '5151',
      runs: [rehearsal],
      vars: { FEDIMG_PAGES: 'true' },
      aws: {},
    });
    expect(results(pages), pages.trace.join('\n')).toEqual({ deploy: 'success' });
    expect(pages.pages.map((deployment) => deployment.job)).toEqual(['deploy']);
    const index = JSON.parse(await readFile(join(pages.pages[0]!.site, 'index.json'), 'utf8'));
    expect(index.images.map((entry: { ami_id: string }) => entry.ami_id)).toEqual([imageId]);
    expect(await readFile(join(pages.pages[0]!.site, 'index.html'), 'utf8')).toContain(imageId);
  }, 120_000);
});
