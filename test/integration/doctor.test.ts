/**
 * fedimg doctor against the emulator, which answers IAM's policy simulator with the evaluator it
 * enforces: it passes on the documented policies and account set-up, and when any one statement is
 * missing it fails naming exactly that statement; account settings that would stop a run, a policy
 * that leaves closable routes open, and bad input each get their own clear answer.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DoctorError, InputError } from '../../src/errors.js';
import { terminalLog } from '../../src/log.js';
import { runDoctor, type DoctorResult } from '../../src/stages/doctor.js';
import { DOCTOR_STATEMENTS } from '../../src/doctor/statements.js';
import { fastSettings } from '../helpers/settings.js';
import { startEmulator } from '../helpers/aws.js';
import {
  applyRolePolicy,
  documentedRoles,
  MARKETPLACE_ACCESS_ROLE_ARN,
  REPOSITORY,
  marketplaceTrust,
  rolePolicies,
  type RoleOptions,
  type Statement,
} from '../helpers/iam.js';
import { afterAll, beforeAll } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import type { InputName } from '../../src/settings/index.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());
afterEach(() => emulator.setIamPolicy(undefined));

/** Every option that brings its own calls: the S3 route, an encrypted flavour, Marketplace. */
const EVERYTHING: Partial<Record<InputName, string>> = {
  stage: 'doctor',
  regions: 'eu-west-1,ap-south-1',
  'doctor-repository': REPOSITORY,
  'public-ami-quota': '50',
  'upload-method': 'import-snapshot',
  's3-bucket': 'fedimg-staging',
  'kms-key-id': 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  'marketplace-products': 'x86_64=prod-fedorax86,aarch64=prod-fedoraarm',
  'marketplace-access-role-arn': MARKETPLACE_ACCESS_ROLE_ARN,
  'marketplace-restrict-previous': 'true',
};
const ALL_POLICIES: RoleOptions = { importSnapshot: true, encrypted: true };

async function doctor(
  values: Partial<Record<InputName, string>> = EVERYTHING,
  policies: RoleOptions = ALL_POLICIES,
): Promise<{ result: DoctorResult | undefined; error: unknown }> {
  emulator.reset();
  applyRolePolicy(emulator, policies);
  documentedRoles(emulator);
  let result: DoctorResult | undefined;
  const error = await runDoctor(fastSettings(values), quiet, {
    onResult: async (made) => void (result = made),
  }).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  return { result, error };
}

const notPassed = (result: DoctorResult | undefined) =>
  (result?.rows ?? []).filter((row) => row.result !== 'pass');

describe('fedimg doctor', () => {
  it('passes on the documented policies and account set-up, for every stage and option', async () => {
    const { result, error } = await doctor();
    expect(notPassed(result)).toEqual([]);
    expect(error).toBeUndefined();
    expect(result!.role).toBe('arn:aws:iam::123456789012:role/fedimg');
    // It checked what it says: the simulator was asked, each region read, the roles read.
    const checks = result!.rows.map((row) => row.check);
    expect(checks).toContain('import: start a snapshot tagged ManagedBy=fedimg (EBS direct)');
    expect(checks).toContain('boot-test: refused: booting an AMI that is not fedimg’s');
    expect(
      result!.rows
        .filter((row) => row.check === 'block public access for AMIs is off')
        .map((row) => row.region)
        .sort(),
    ).toEqual(['ap-south-1', 'eu-west-1', 'us-east-1']);
    // Read-only: nothing was made or changed.
    const inventory = emulator.inventory();
    expect([
      ...inventory.snapshots,
      ...inventory.images,
      ...inventory.instances,
      ...inventory.importTasks,
    ]).toEqual([]);
    const writes = emulator
      .requests()
      .filter((request) => !/^(Describe|Get|List|Simulate)/.test(request.operation));
    expect(writes).toEqual([]);
  }, 60_000);

  const documented = rolePolicies(ALL_POLICIES).flatMap(({ name, text }) =>
    (JSON.parse(text) as { Statement: Statement[] }).Statement.map((statement) => ({
      file: `docs/${name}.json`,
      statement,
    })),
  );
  const pipelineStatements = documented.filter(
    ({ statement }) => !DOCTOR_STATEMENTS.includes(statement.Sid!),
  );

  it.each(pipelineStatements.map(({ file, statement }) => [statement.Sid!, file] as const))(
    'fails naming exactly the %s statement of %s when it is removed',
    async (sid) => {
      const { result, error } = await doctor(EVERYTHING, { ...ALL_POLICIES, without: [sid] });
      expect(error).toBeInstanceOf(DoctorError);
      const failing = notPassed(result);
      expect(failing.length).toBeGreaterThan(0);
      // A simulated call fails; a read doctor makes itself could not be made: both name the statement.
      for (const row of failing)
        expect(row.change, `${row.check} (${row.result})`).toContain(`the ${sid} statement of`);
    },
    30_000,
  );

  it("fails without doctor's own reads, naming the permission it lacks", async () => {
    const network = await doctor(EVERYTHING, {
      ...ALL_POLICIES,
      without: ['DoctorReadsTheNetworkAndSnapshotSharing'],
    });
    expect(
      notPassed(network.result).map((row) => [row.result, row.change.match(/doctor needs ([\w:]+)/)?.[1]]),
    ).toEqual(
      expect.arrayContaining([
        ['unknown', 'ec2:DescribeVpcs'],
        ['unknown', 'ec2:GetSnapshotBlockPublicAccessState'],
      ]),
    );
    expect(notPassed(network.result).every((row) => row.result === 'unknown')).toBe(true);
    const roles = await doctor(EVERYTHING, { ...ALL_POLICIES, without: ['DoctorReadsTheRoles'] });
    expect(roles.error).toBeInstanceOf(DoctorError);
    expect((roles.error as Error).message).toMatch(/may not simulate .*iam:SimulatePrincipalPolicy/s);
  }, 60_000);

  it("fails a key statement naming the base region's key alone: the copies use the key in theirs", async () => {
    // CopyImage, KmsKeyId: the key must exist in the destination Region; fedimg names it there.
    const texts = rolePolicies(ALL_POLICIES).map((entry) => ({
      ...entry,
      text: entry.text.replace('arn:aws:kms:*:', 'arn:aws:kms:us-east-1:'),
    }));
    const { result, error } = await doctor(EVERYTHING, { texts });
    expect(error).toBeInstanceOf(DoctorError);
    expect(notPassed(result).map((row) => [row.result, row.check])).toEqual([
      [
        'fail',
        'copy: use the key arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555 through EC2 in eu-west-1',
      ],
    ]);
  }, 60_000);

  it('checks a multi-Region key given by its ID in the base region and where copies go', async () => {
    const { result } = await doctor({ ...EVERYTHING, 'kms-key-id': 'mrk-1234abcd12ab34cd56ef1234567890ab' });
    expect(notPassed(result)).toEqual([]);
    expect(result!.rows.map((row) => row.check)).toEqual(
      expect.arrayContaining([
        'import: use the key arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab through EC2',
        'copy: use the key arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab through EC2 in eu-west-1',
      ]),
    );
  }, 60_000);

  it('fails a policy that leaves the closable routes open (the one shipped before 2026-12)', async () => {
    // The old policy, with doctor's own reads added so that doctor can look.
    const doctorReads = rolePolicies().map(({ name, text }) => {
      const document = JSON.parse(text) as { Statement: Statement[] };
      document.Statement = document.Statement.filter((statement) =>
        DOCTOR_STATEMENTS.includes(statement.Sid!),
      );
      return { name: `${name}-doctor`, text: JSON.stringify(document) };
    });
    const before: RoleOptions = {
      texts: [
        { name: 'iam-policy', text: readFileSync('test/fixtures/iam-policy-2026-11.json', 'utf8') },
        {
          name: 'iam-policy-import-snapshot',
          text: readFileSync('test/fixtures/iam-policy-import-snapshot-2026-11.json', 'utf8'),
        },
        ...doctorReads,
      ],
    };
    const { result, error } = await doctor({ ...EVERYTHING, 'kms-key-id': '' }, before);
    expect((error as Error).message).toMatch(/check\(s\) failed/);
    const failing = notPassed(result).map((row) => row.check);
    expect(failing).toEqual(
      expect.arrayContaining([
        'import: refused: a snapshot whose parent is not fedimg’s (its blocks)',
        'import: refused: claiming an import task that is not fedimg’s',
        'boot-test: refused: an instance type that is not configured (p5.48xlarge)',
        'marketplace: pass the access role arn:aws:iam::123456789012:role/fedimg-marketplace to AWS Marketplace',
      ]),
    );
  }, 60_000);

  it('reports the account settings that would stop a run, each with the fix', async () => {
    emulator.reset();
    applyRolePolicy(emulator);
    documentedRoles(emulator);
    emulator.setRegion('eu-west-1', { blockPublicAccess: true, encryptionByDefault: true });
    emulator.setRegion('ap-south-1', { snapshotBlockPublicAccess: 'block-new-sharing', publicAmiQuota: 5 });
    emulator.state.network.securityGroups.forEach((group) => group.tags.clear());
    const settings = fastSettings({
      stage: 'doctor',
      regions: 'eu-west-1,ap-south-1',
      'doctor-repository': REPOSITORY,
      'public-ami-quota': '1',
    });
    let result: DoctorResult | undefined;
    await expect(
      runDoctor(settings, quiet, { onResult: async (made) => void (result = made) }),
    ).rejects.toThrow(DoctorError);
    const failing = Object.fromEntries(
      notPassed(result).map((row) => [`${row.check} @ ${row.region}`, row.change]),
    );
    expect(failing['block public access for AMIs is off @ eu-west-1']).toContain(
      'aws ec2 disable-image-block-public-access --region eu-west-1',
    );
    expect(failing['EBS encryption by default is off @ eu-west-1']).toContain(
      'disable-ebs-encryption-by-default --region eu-west-1',
    );
    expect(failing['block public access for snapshots is off @ ap-south-1']).toContain(
      'disable-snapshot-block-public-access',
    );
    expect(failing['the public-AMI quota holds a run @ us-east-1']).toContain(
      '0 public AMIs now + 2 per run > public-ami-quota 1',
    );
    expect(failing['the boot test has a network tagged for it @ us-east-1']).toMatch(
      /create-tags --region us-east-1 --resources sg-\w+ --tags Key=fedimg:boot-test-network,Value=allowed/,
    );
    // No default VPC: the boot test needs a subnet.
    emulator.setRegion('us-east-1', { defaultVpc: false });
    await expect(
      runDoctor(settings, quiet, { onResult: async (made) => void (result = made) }),
    ).rejects.toThrow(DoctorError);
    expect(
      notPassed(result).find((row) => row.check === 'the boot test has a network tagged for it')?.change,
    ).toContain('us-east-1 has no default VPC: set subnet-id and security-group-ids');
    emulator.setRegion('us-east-1', { defaultVpc: true });
  }, 60_000);

  it('checks the trust: a role any repository can assume fails, an unknown repository is never a pass', async () => {
    emulator.reset();
    applyRolePolicy(emulator);
    emulator.putRole({
      name: 'fedimg',
      trustPolicy: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: {
              Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
            },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:*' } },
          },
        ],
      },
    });
    let result: DoctorResult | undefined;
    const run = (values: Partial<Record<InputName, string>>) =>
      runDoctor(fastSettings({ stage: 'doctor', 'doctor-stages': 'verify', ...values }), quiet, {
        onResult: async (made) => void (result = made),
      }).catch(() => undefined);
    await run({ 'doctor-repository': REPOSITORY });
    expect(notPassed(result)).toEqual([
      expect.objectContaining({
        result: 'fail',
        change: expect.stringContaining('aud must be sts.amazonaws.com'),
      }),
    ]);
    documentedRoles(emulator);
    await run({});
    expect(notPassed(result)).toEqual([
      expect.objectContaining({
        result: 'unknown',
        change: expect.stringContaining('give doctor-repository'),
      }),
    ]);
  }, 60_000);

  it('fails a role whose sessions last IAM’s default hour when the import job asks for three, with the command', async () => {
    emulator.reset();
    applyRolePolicy(emulator);
    documentedRoles(emulator);
    const documented = emulator.state.iam.roles.get('fedimg')!;
    emulator.putRole({ name: 'fedimg', trustPolicy: documented.trustPolicy });
    let result: DoctorResult | undefined;
    const run = (stages: string) =>
      runDoctor(
        fastSettings({ stage: 'doctor', 'doctor-stages': stages, 'doctor-repository': REPOSITORY }),
        quiet,
        {
          onResult: async (made) => void (result = made),
        },
      ).catch(() => undefined);
    await run('import');
    expect(notPassed(result)).toEqual([
      expect.objectContaining({
        check: "the role's sessions may last 3 hours (the import job's)",
        result: 'fail',
        change: expect.stringContaining(
          'aws iam update-role --role-name fedimg --max-session-duration 10800',
        ),
      }),
    ]);
    // A role that runs no import needs no long sessions.
    await run('verify');
    expect(notPassed(result)).toEqual([]);
  }, 60_000);

  it('fails an access role whose trust asks for aws:SourceAccount, and one without AWS’s managed policy', async () => {
    emulator.reset();
    applyRolePolicy(emulator, ALL_POLICIES);
    let result: DoctorResult | undefined;
    const run = () =>
      runDoctor(fastSettings({ ...EVERYTHING, 'doctor-stages': 'marketplace' }), quiet, {
        onResult: async (made) => void (result = made),
      }).catch(() => undefined);
    const trust = marketplaceTrust;
    const check = 'the access role fedimg-marketplace is ready for AWS Marketplace';
    emulator.putRole({
      name: 'fedimg-marketplace',
      trustPolicy: trust({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
      attached: ['arn:aws:iam::aws:policy/AWSMarketplaceAmiIngestion'],
    });
    await run();
    expect(result!.rows.find((row) => row.check === check)).toMatchObject({
      result: 'fail',
      change: expect.stringContaining('remove the aws:SourceAccount condition from its trust'),
    });
    emulator.putRole({ name: 'fedimg-marketplace', trustPolicy: trust() });
    await run();
    expect(result!.rows.find((row) => row.check === check)).toMatchObject({
      result: 'fail',
      change: expect.stringContaining("attach AWS's managed policy"),
    });
    documentedRoles(emulator);
    await run();
    expect(result!.rows.find((row) => row.check === check)?.result).toBe('pass');
  }, 60_000);

  it('refuses bad input with one clear error naming what is wrong', () => {
    expect(() =>
      fastSettings({ stage: 'doctor', 'doctor-role-arn': 'arn:aws:iam::123456789012:user/alice' }),
    ).toThrow(/doctor-role-arn "arn:aws:iam::123456789012:user\/alice" is not the ARN of an IAM role/);
    expect(() => fastSettings({ stage: 'doctor', 'doctor-stages': 'import,publsh' })).toThrow(InputError);
    expect(() => fastSettings({ stage: 'doctor', 'doctor-stages': 'import,publsh' })).toThrow(/"publsh"/);
  });
});
