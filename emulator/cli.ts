// `npm run emulator -- --port <n>`: the local AWS on 127.0.0.1, until interrupted.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { combinePolicies } from './iam/policies.js';
import { ADMIN_CREDENTIALS, Emulator } from './server.js';
import { ACCOUNT_ID } from './state.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    state: { type: 'string' },
    'no-data': { type: 'boolean' },
    'iam-policy': { type: 'string', multiple: true },
    'iam-var': { type: 'string', multiple: true },
    credentials: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`Usage: npm run emulator -- [--port <n>] [--state <file>] [--no-data]
                        [--iam-policy <file>]... [--iam-var NAME=VALUE]...
                        [--credentials ACCESS_KEY_ID:SECRET]...

Starts the local AWS emulator (EC2, EBS direct, S3, STS, IAM, the Marketplace Catalog API) on
127.0.0.1 and prints its endpoint.
With --state, the account is loaded from and saved to that file, so a run can be resumed.
With --no-data, block and object contents are checked but not kept (benchmarks with large images).
With --iam-policy (repeatable: a role's attached policies), every caller is held to those IAM
policies and refused as AWS refuses (UnauthorizedOperation, AccessDeniedException, AccessDenied);
<NAME> placeholders are filled from --iam-var (<ACCOUNT_ID> is the emulator's account), and an
unfilled one matches nothing. The access key ${ADMIN_CREDENTIALS.accessKeyId} is the account's
administrator and is never refused.
With --credentials (repeatable), requests made with that access key must carry a valid SigV4
signature for that secret, as AWS checks them (SignatureDoesNotMatch, InvalidSignatureException);
other access keys are accepted unchecked.
Point fedimg or any AWS SDK at it with:
  AWS_ENDPOINT_URL=<endpoint> AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1
Control and inspection: POST <endpoint>/__emulator/{faults,region,boot,durations,latency,fail-imports,role,reset},
GET <endpoint>/__emulator/inventory.
`);
  process.exit(0);
}
const emulator = new Emulator();
if (values['no-data']) emulator.storeBlockData(false);
for (const pair of values.credentials ?? []) {
  const separator = pair.indexOf(':');
  if (separator < 1) throw new Error(`--credentials takes ACCESS_KEY_ID:SECRET, not ${pair}`);
  emulator.addCredentials(pair.slice(0, separator), pair.slice(separator + 1));
}
if (values['iam-policy']) {
  const variables: Record<string, string> = { ACCOUNT_ID };
  for (const pair of values['iam-var'] ?? []) {
    const [name, ...value] = pair.split('=');
    variables[name!] = value.join('=');
  }
  emulator.setIamPolicy(
    combinePolicies(
      values['iam-policy'].map((path) => readFileSync(path, 'utf8')),
      variables,
    ),
  );
}
const endpoint = await emulator.start(Number(values.port), values.state);
process.stdout.write(`${endpoint}\n`);
const stop = () => {
  emulator.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
