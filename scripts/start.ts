// `npm start`: the embedded demo. No AWS account and no system packages: it starts fedimg's local AWS
// emulator and a loopback server holding a generated Fedora-like compose, then runs the whole
// pipeline through the CLI exactly as `npx fedimg run` does against real AWS.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateTagsCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { cli } from '../src/cli/cli.js';
import { combinePolicies } from '../emulator/iam/policies.js';
import { ADMIN_CREDENTIALS, Emulator } from '../emulator/server.js';
import { CALLER_ROLE } from '../emulator/services/iam/state.js';
import { ACCOUNT_ID } from '../emulator/state.js';
import { generateCompose } from '../test/fixtures/compose.js';
import { startFileServer } from '../test/fixtures/file-server.js';

const REGIONS = ['eu-west-1', 'eu-central-1', 'ap-northeast-1', 'us-west-2'];
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

const HELP = `npm start — the whole fedimg pipeline on this machine, with no AWS account.

What it does:
  1. starts fedimg's local AWS emulator (EC2, EBS direct, S3, STS, IAM) on 127.0.0.1 and points the
     AWS SDK at it through AWS_ENDPOINT_URL, with throw-away credentials held to the publish role's
     permissions (docs/iam-policy.json) in an account set up as docs/account-setup.md says;
  2. runs \`fedimg doctor\` and shows its table: may the role make every call the run makes?
  3. generates a Fedora-like compose (Cloud_Base AmazonEC2 raw.xz images for x86_64 and aarch64,
     plus images fedimg must ignore) and serves it on 127.0.0.1;
  4. runs \`fedimg run\`: plan → import (ebs-direct) → boot-test → copy to ${REGIONS.length} regions →
     publish → verify, then prints the AMI IDs and where the manifest, events and summary are;
  5. writes the index of the current AMIs (index.json, latest/, index.html) with \`fedimg index\`.

Options:
  --size-mib <n>    raw size of each generated image (default 256)
  --keep            keep the generated compose (the outputs are always kept)
  -h, --help        this text

The same run against real AWS is the CLI without the emulator. With credentials for an account
prepared as docs/account-setup.md describes (the permissions are docs/iam-policy.json):

  unset AWS_ENDPOINT_URL            # the emulator is reached only through this variable
  export AWS_REGION=us-east-1       # the base region (or --base-region)
  npx fedimg run \\
    --compose https://kojipkgs.fedoraproject.org/compose/cloud/<COMPOSE_ID>/compose \\
    --regions eu-west-1,us-west-2 \\
    --public false --share-accounts <another-account-id>   # keep a trial private

Or one stage at a time (plan, import, boot-test, copy, publish, verify), or \`fedimg --help\` for every
option. Nothing else changes: the code path is the same one this demo ran.
`;

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h' },
    keep: { type: 'boolean' },
    'size-mib': { type: 'string', default: '256' },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const sizeMib = Number(values['size-mib']);
if (!Number.isInteger(sizeMib) || sizeMib < 1 || sizeMib > 16384) {
  process.stderr.write(
    `--size-mib must be a whole number of MiB between 1 and 16384, not ${values['size-mib']}\n`,
  );
  process.exit(2);
}

const started = Date.now();
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
    REGIONS.join(','),
    '--summary-file',
    join(outDir, 'summary.md'),
  ]);
  if (process.exitCode !== 0)
    throw new Error('fedimg doctor did not pass: the run would be refused (see its table)');
  process.stderr.write(`Generating a Fedora-like compose with ${sizeMib} MiB images in ${composeDir} ...\n`);
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
    REGIONS.join(','),
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
      ['us-east-1', ...REGIONS].join(','),
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
  if (!values.keep) await rm(composeDir, { recursive: true, force: true });
}
