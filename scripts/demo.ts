// The embedded demo's run, loaded by `npm start` (start.ts) once its options are read: the emulator,
// the SDK and fedimg's CLI take about two CPU-seconds to load through tsx, which `--help` does not need.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTagsCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { cli } from '../src/cli/cli.js';
import { terminalLog } from '../src/log.js';
import { noteUnsupportedNode } from '../src/node-support.js';
import { combinePolicies } from '../emulator/iam/policies.js';
import { ADMIN_CREDENTIALS, Emulator } from '../emulator/server.js';
import { CALLER_ROLE } from '../emulator/services/iam/state.js';
import { ACCOUNT_ID } from '../emulator/state.js';
import { generateCompose } from '../test/fixtures/compose.js';
import { startFileServer } from '../test/fixtures/file-server.js';
import { documentedSessionSeconds } from '../test/helpers/iam.js';

/** The repository the demo's role trusts, as docs/oidc-trust-policy.json has it (<OWNER>/fedimg). */
const DEMO_REPOSITORY = 'fedora-infra/fedimg';

/** docs/account-setup.md step 4, as the account's administrator would do it. */
async function allowBootTestsInTheDefaultVpc(region: string): Promise<void> {
  const ec2 = new EC2Client({ region, credentials: ADMIN_CREDENTIALS });
  try {
    const { SecurityGroups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }),
    );
    await ec2.send(
      new CreateTagsCommand({
        Resources: SecurityGroups.map((group) => group.GroupId!),
        Tags: [{ Key: 'fedimg:boot-test-network', Value: 'allowed' }],
      }),
    );
  } finally {
    ec2.destroy();
  }
}

/** Starts the emulator and a compose server, runs doctor, `fedimg run` and `fedimg index`, stops them. */
export async function runDemo({
  sizeMib,
  keep,
  regions,
}: {
  sizeMib: number;
  keep: boolean;
  regions: readonly string[];
}): Promise<void> {
  const started = Date.now();
  // Before the demo's own SDK calls (the administrator's set-up below), or the SDK prints its
  // multi-line warning about this Node ahead of fedimg's one line.
  noteUnsupportedNode(terminalLog());
  const composeDir = await mkdtemp(join(tmpdir(), 'fedimg-demo-compose-'));
  const outDir = join(tmpdir(), `fedimg-demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(outDir, { recursive: true });

  const emulator = new Emulator();
  // The demo's credentials are the publish role, in an account set up as docs/account-setup.md says:
  // everything it does must pass the documented policy, and doctor checks that first.
  emulator.setIamPolicy(
    combinePolicies(
      [await readFile('docs/iam-policy.json', 'utf8')],
      { ACCOUNT_ID, PUBLISH_ROLE_NAME: CALLER_ROLE },
      ['iam-policy'],
    ),
  );
  emulator.putRole({
    name: CALLER_ROLE,
    maxSessionDuration: documentedSessionSeconds(),
    trustPolicy: (await readFile('docs/oidc-trust-policy.json', 'utf8'))
      .replaceAll('<ACCOUNT_ID>', ACCOUNT_ID)
      .replaceAll('<OWNER>', DEMO_REPOSITORY.split('/')[0]!),
  });
  process.env.AWS_ENDPOINT_URL = await emulator.start();
  process.env.AWS_ACCESS_KEY_ID = 'AKIDFEDIMGDEMO';
  process.env.AWS_SECRET_ACCESS_KEY = 'demo-secret';
  emulator.addCredentials('AKIDFEDIMGDEMO', 'demo-secret');
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  const files = await startFileServer(composeDir);
  try {
    process.stderr.write(
      `AWS emulator on ${emulator.endpoint} (AWS_ENDPOINT_URL), enforcing docs/iam-policy.json\n`,
    );
    await allowBootTestsInTheDefaultVpc('us-east-1');
    process.stderr.write('\nfedimg doctor: may the role make every call of this run?\n');
    process.exitCode = await cli([
      'doctor',
      '--doctor-stages',
      'import,boot-test,copy,publish,verify,index',
      '--doctor-repository',
      DEMO_REPOSITORY,
      '--regions',
      regions.join(','),
      '--summary-file',
      join(outDir, 'summary.md'),
    ]);
    if (process.exitCode !== 0)
      throw new Error('fedimg doctor did not pass: the run would be refused (see its table)');
    process.stderr.write(
      `Generating a Fedora-like compose with ${sizeMib} MiB images in ${composeDir} ...\n`,
    );
    const compose = await generateCompose(composeDir, {
      composeId: `Fedora-Rawhide-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}.n.0`,
      rawSize: sizeMib * 1024 * 1024,
      checksums: 'signed',
    });
    const location = `${files.url}${compose.composeId}/compose`;
    process.stderr.write(`Serving it at ${location}\n\n`);
    process.exitCode = await cli([
      'run',
      '--compose',
      location,
      '--allowed-hosts',
      files.host,
      '--allow-http',
      '--regions',
      regions.join(','),
      '--manifest-file',
      join(outDir, 'manifest.json'),
      '--events-file',
      join(outDir, 'events.ndjson'),
      '--summary-file',
      join(outDir, 'summary.md'),
    ]);
    if (process.exitCode === 0) {
      // The current-AMIs index of what was just published, as the pages job publishes it.
      process.exitCode = await cli([
        'index',
        '--regions',
        ['us-east-1', ...regions].join(','),
        '--out',
        join(outDir, 'index'),
        '--summary-file',
        join(outDir, 'summary.md'),
      ]);
      process.stderr.write(`\nIndex of the current AMIs: ${join(outDir, 'index', 'index.html')}\n`);
    }
    process.stderr.write(
      `\nDemo ${process.exitCode === 0 ? 'finished' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s; outputs in ${outDir}\n` +
        'Point the same run at real AWS: npm start -- --help\n',
    );
  } catch (error) {
    process.stderr.write(`\n${(error as Error).message}\n`);
    process.exitCode ||= 1;
  } finally {
    await files.close();
    await emulator.stop();
    if (!keep) await rm(composeDir, { recursive: true, force: true });
  }
}
