// `npm start`: the embedded demo. No AWS account and no system packages: it starts fedimg's local AWS
// emulator and a loopback server holding a generated Fedora-like compose, then runs the whole
// pipeline through the CLI exactly as `npx fedimg run` does against real AWS.
import { parseArgs } from 'node:util';

const REGIONS = ['eu-west-1', 'eu-central-1', 'ap-northeast-1', 'us-west-2'];

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

// What runs the demo is loaded only now: `--help` and a bad option answer at once.
const { runDemo } = await import('./demo.js');
await runDemo({ sizeMib, keep: values.keep === true, regions: REGIONS });
