import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EC2Client, EnableImageDeprecationCommand, ModifyImageAttributeCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalLog } from '../../src/log.js';
import { STAGE_REGISTRY } from '../../src/stages/index.js';
import type { IndexResult } from '../../src/stages/ami-index.js';
import { ADMIN_CREDENTIALS, type Emulator } from '../../emulator/server.js';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';
import { makeAmi, startEmulator } from '../helpers/aws.js';
import { fastSettings } from '../helpers/settings.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const run = promisify(execFile);

let emulator: Emulator;
let dir: string;
const ids: Record<string, string> = {};

/** An AMI as fedimg leaves it after publish: tagged, and public unless told otherwise. */
async function published(
  key: string,
  region: string,
  composeId: string,
  release: string,
  options: {
    public?: boolean;
    deprecateAt?: Date;
    managedBy?: string;
    flavour?: string;
    verdict?: string;
  } = {},
) {
  const { imageId } = await makeAmi({
    region,
    name: `${key}-${composeId}`,
    tags: {
      ManagedBy: options.managedBy ?? 'fedimg',
      'fedimg:compose-id': composeId,
      'fedimg:release': release,
      'fedimg:arch': 'x86_64',
      'fedimg:flavour': options.flavour ?? 'gp3',
      'fedimg:source-sha256': createHash('sha256').update(`${composeId}/x86_64`).digest('hex'),
      'fedimg:image': `Fedora-Cloud-Base-AmazonEC2-${release}.x86_64.raw.xz`,
      ...(options.verdict === undefined
        ? { 'fedimg:boot-test': 'passed' }
        : options.verdict
          ? { 'fedimg:boot-test': options.verdict }
          : {}),
    },
  });
  const ec2 = new EC2Client({ region, credentials: ADMIN_CREDENTIALS });
  if (options.public !== false)
    await ec2.send(
      new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: [{ Group: 'all' }] } }),
    );
  if (options.deprecateAt)
    await ec2.send(new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: options.deprecateAt }));
  ec2.destroy();
  ids[key] = imageId;
}

beforeAll(async () => {
  emulator = await startEmulator();
  emulator.setDurations({ consistency: 0, imageAvailable: 0 });
  emulator.setRegion('us-east-1', { publicAmiQuota: 50 });
  dir = await mkdtemp(join(tmpdir(), 'fedimg-index-'));
  await published('old', 'us-east-1', 'Fedora-41-20261101.0', '41');
  await published('new', 'us-east-1', 'Fedora-41-20261120.0', '41');
  await published('private', 'us-east-1', 'Fedora-41-20261125.0', '41', { public: false });
  await published('foreign', 'us-east-1', 'Fedora-41-20261126.0', '41', { managedBy: 'someone-else' });
  await published('gp2', 'us-east-1', 'Fedora-41-20261120.0', '41', { flavour: 'gp2' });
  // Public, ManagedBy=fedimg and newer, but never boot-tested: not current.
  await published('untested', 'us-east-1', 'Fedora-41-20261128.0', '41', { verdict: '' });
  await published('rawhide', 'us-east-1', 'Fedora-Rawhide-20261130.n.0', 'Rawhide', {
    deprecateAt: new Date(Date.now() + 30 * 86_400_000),
  });
  await published('eu-old', 'eu-west-1', 'Fedora-41-20261101.0', '41');
}, 60_000);
afterAll(async () => {
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the index stage against AWS', () => {
  it('writes index.json, latest/<release>/<arch>.json and index.html from what AWS says is public', async () => {
    const out = join(dir, 'site');
    const settings = fastSettings({ stage: 'index', regions: 'us-east-1,eu-west-1', 'index-dir': out });
    const result = (await STAGE_REGISTRY.index.run(settings, quiet, {})) as IndexResult;
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as IndexResult['index'];
    expect(
      index.images.map((entry) => `${entry.release} ${entry.flavour} ${entry.region} ${entry.ami_id}`),
    ).toEqual([
      `41 gp2 us-east-1 ${ids.gp2}`,
      `41 gp3 eu-west-1 ${ids['eu-old']}`,
      `41 gp3 us-east-1 ${ids.new}`,
      `Rawhide gp3 us-east-1 ${ids.rawhide}`,
    ]);
    expect(index.images.at(-1)!.deprecation_time).not.toBeNull();
    const latest = JSON.parse(await readFile(join(out, 'latest', '41', 'x86_64.json'), 'utf8'));
    expect(latest).toMatchObject({ release: '41', arch: 'x86_64' });
    expect(latest.images).toHaveLength(3);
    const page = await readFile(join(out, 'index.html'), 'utf8');
    for (const entry of index.images) expect(page).toContain(entry.ami_id);
    expect(STAGE_REGISTRY.index.outputs(result, settings)).toMatchObject({ 'index-count': '4' });
  });

  it('answers fedimg latest from AWS and from a published index, through the bundled CLI', async () => {
    const env = { ...process.env };
    const cli = (...args: string[]) =>
      run(process.execPath, ['dist/cli/index.js', 'latest', ...args], { env });
    const query = ['--release', '41', '--arch', 'x86_64', '--region', 'eu-west-1'];
    expect((await cli(...query)).stdout.trim()).toBe(ids['eu-old']);
    const json = JSON.parse((await cli(...query, '--region', 'us-east-1', '--json')).stdout);
    expect(json).toMatchObject({ ami_id: ids.new, compose_id: 'Fedora-41-20261120.0', flavour: 'gp3' });

    let files: FileServer | undefined;
    try {
      files = await startFileServer(join(dir, 'site'));
      const fromIndex = await cli(...query, '--index-url', `${files.url}index.json`, '--allow-http');
      expect(fromIndex.stdout.trim()).toBe(ids['eu-old']);
    } finally {
      await files?.close();
    }
    const missing = await cli('--release', '40', '--arch', 'x86_64', '--region', 'eu-west-1').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('eu-west-1 has: 41/x86_64') });

    // Nothing answers: the message says where, once, and what to check.
    const failure = async (...args: string[]) =>
      ((await cli(...query, ...args).catch((error: unknown) => error)) as { stderr: string }).stderr
        .split('\n')
        .filter((line) => line.startsWith('error:'));
    const [index] = await failure('--index-url', 'http://127.0.0.1:1/index.json', '--allow-http');
    expect(index).toMatch(
      /^error: fedimg latest: Could not fetch the index at http:\/\/127\.0\.0\.1:1\/index\.json: connect ECONNREFUSED/,
    );
    expect(index).toContain('Check that the host of --index-url is reachable');
    env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1';
    const [aws] = await failure();
    expect(aws).toMatch(
      /^error: fedimg latest: ec2:DescribeRegions in us-east-1 failed: connect ECONNREFUSED 127\.0\.0\.1:1\. Nothing answered/,
    );
    expect(aws!.match(/fedimg latest/g)).toHaveLength(1);
  }, 60_000);

  it('refuses a published index with a launch link that is not the AWS console, or nested out of all proportion', async () => {
    const site = join(dir, 'forged');
    await mkdir(site, { recursive: true });
    const good = JSON.parse(await readFile(join(dir, 'site', 'index.json'), 'utf8'));
    good.images[0].launch_url = 'javascript:alert(1)';
    await writeFile(join(site, 'links.json'), JSON.stringify(good));
    await writeFile(join(site, 'deep.json'), '['.repeat(15 * 1024 * 1024));
    const files = await startFileServer(site);
    try {
      // Run in 256 MB: parsing the nested file unchecked would need several times that.
      for (const [file, reason] of [
        ['links.json', 'is not a fedimg index'],
        ['deep.json', 'is not JSON'],
      ] as const) {
        const answer = await run(
          process.execPath,
          [
            '--max-old-space-size=256',
            'dist/cli/index.js',
            'latest',
            '--release',
            '41',
            '--arch',
            'x86_64',
            '--region',
            'eu-west-1',
            '--index-url',
            `${files.url}${file}`,
            '--allow-http',
          ],
          { env: { ...process.env } },
        ).catch((error: { code: number; stderr: string }) => error);
        expect(answer, file).toMatchObject({ code: 1, stderr: expect.stringContaining(reason) });
      }
    } finally {
      await files.close();
    }
  }, 60_000);
});
