import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { STAGING_PREFIX } from '../../src/aws/pending.js';
import { DOCTOR_STATEMENTS, STATEMENT } from '../../src/doctor/statements.js';
import {
  allStatements,
  encryptedPolicy,
  grantedActions,
  iamAction,
  importSnapshotPolicy,
  policy,
  POLICY_FILES,
  type Statement,
} from '../helpers/iam.js';

const grantedActionsOf = (document: { Statement: Statement[] }) =>
  new Set(document.Statement.flatMap((statement) => statement.Action));

const granted = grantedActions();

function sources(dir = 'src'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every AWS operation fedimg's code sends, read from the commands it imports and constructs. */
function operationsInCode(): Array<{ service: string; operation: string; file: string }> {
  const found: Array<{ service: string; operation: string; file: string }> = [];
  for (const file of sources()) {
    const text = readFileSync(file, 'utf8');
    for (const [, names, service] of text.matchAll(
      /import\s*{([^}]*)}\s*from\s*'@aws-sdk\/client-([\w-]+)'/g,
    )) {
      for (const name of names!.split(',').map((part) => part.trim().replace(/^type\s+/, ''))) {
        const command = /^(\w+)Command$/.exec(name);
        if (command && new RegExp(`new ${name}\\(`).test(text))
          found.push({ service: service!, operation: command[1]!, file });
        // The SDK's paginators send their operation page by page.
        const paginator = /^paginate(\w+)$/.exec(name);
        if (paginator && new RegExp(`${name}\\(`).test(text))
          found.push({ service: service!, operation: paginator[1]!, file });
      }
    }
    // Calls sent without an SDK command (the lean PutSnapshotBlock) name themselves for errors.
    for (const [, service, operation] of text.matchAll(/markAwsCall\([^,]+,\s*'([\w-]+):(\w+)'/g))
      found.push({ service: service!, operation: operation!, file });
    // lib-storage's Upload: PutObject, or the multipart family with an abort on failure.
    if (/from '@aws-sdk\/lib-storage'/.test(text) && /new Upload\(/.test(text)) {
      for (const operation of [
        'CreateMultipartUpload',
        'UploadPart',
        'CompleteMultipartUpload',
        'AbortMultipartUpload',
        'PutObject',
      ])
        found.push({ service: 's3', operation, file });
    }
  }
  return found;
}

/** CopySnapshot/CopyImage with a customer KMS key use the key through EC2 (encrypted flavours). */
const KMS_FOR_ENCRYPTED_COPIES = [
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];

describe('docs/iam-policy.json', () => {
  const operations = operationsInCode();
  const required = new Set(
    operations
      .map((op) => iamAction(op.service, op.operation))
      .filter((action): action is string => Boolean(action)),
  );
  const usesKmsKey = sources().some((file) => /KmsKeyId:/.test(readFileSync(file, 'utf8')));
  if (usesKmsKey) for (const action of KMS_FOR_ENCRYPTED_COPIES) required.add(action);
  // Dependent actions: an AmiSource's AccessRoleArn is passed to AWS Marketplace (iam:PassRole).
  const passesAccessRole = sources().some((file) => /AccessRoleArn:/.test(readFileSync(file, 'utf8')));
  if (passesAccessRole) required.add('iam:PassRole');

  it('finds the operations fedimg sends (the scan itself works)', () => {
    const names = operations.map((op) => `${op.service}:${op.operation}`);
    for (const expected of [
      'ebs:PutSnapshotBlock',
      'ec2:RegisterImage',
      'ec2:CopyImage',
      's3:UploadPart',
      'ec2:TerminateInstances',
    ])
      expect(names).toContain(expected);
    expect(usesKmsKey).toBe(true);
    expect(passesAccessRole).toBe(true);
    expect(names).toContain('iam:SimulatePrincipalPolicy');
  });

  it('allows every AWS operation the code calls', () => {
    const missing = [...required].filter((action) => !granted.has(action));
    expect(missing).toEqual([]);
  });

  it('grants nothing more than the code needs, with no wildcard actions and no Deny tricks', () => {
    const extra = [...granted].filter((action) => !required.has(action));
    expect(extra).toEqual([]);
    for (const statement of allStatements()) {
      expect(statement.Effect).toBe('Allow');
      for (const action of statement.Action) expect(action).not.toContain('*');
    }
  });

  it('lets every mutating action touch only what is tagged ManagedBy=fedimg, or create only what is', () => {
    const READ = /^(ec2:(Describe|Get)|aws-marketplace:(Describe|List))[A-Za-z]+$/;
    const CREATED_WITH_THE_INSTANCE = /:(network-interface|volume)\/\*$/;
    for (const statement of [
      ...policy.Statement,
      ...importSnapshotPolicy.Statement,
      ...encryptedPolicy.Statement,
    ]) {
      const mutating = statement.Action.filter(
        (action) => (!READ.test(action) && action.startsWith('ec2:')) || action.startsWith('ebs:'),
      );
      if (mutating.length === 0) continue;
      const resources = [statement.Resource].flat();
      expect(resources, statement.Sid).not.toContain('*');
      // The interface and root volume a boot-test instance is created with (the instance, its AMI,
      // subnet and groups are conditioned in their own statements).
      if (resources.every((resource) => CREATED_WITH_THE_INSTANCE.test(resource))) continue;
      const conditions = JSON.stringify(statement.Condition ?? {});
      expect(conditions, statement.Sid).toMatch(
        /"aws:(ResourceTag|RequestTag)\/ManagedBy":"fedimg"|"aws:ResourceTag\/fedimg:boot-test-network":"allowed"/,
      );
    }
    // The unscoped reads grant nothing that changes the account.
    const unscoped = policy.Statement.filter((statement) => [statement.Resource].flat().includes('*'));
    for (const statement of unscoped) for (const action of statement.Action) expect(action).toMatch(READ);
  });

  it('scopes S3 to the staging prefix of one bucket and KMS to one key, by placeholders', () => {
    const statementOf = (action: string) =>
      allStatements().find((statement) => statement.Action.includes(action))!;
    expect(statementOf('s3:PutObject').Resource).toBe(`arn:aws:s3:::<STAGING_BUCKET>/${STAGING_PREFIX}*`);
    expect(statementOf('kms:CreateGrant').Resource).toBe('arn:aws:kms:*:<ACCOUNT_ID>:key/<KMS_KEY_ID>');
    // Marketplace: new and restricted versions only, of the products named, in the account's catalog,
    // and only the access role passed, only to AWS Marketplace.
    expect(statementOf('aws-marketplace:StartChangeSet')).toMatchObject({
      Resource:
        'arn:aws:aws-marketplace:us-east-1:<ACCOUNT_ID>:AWSMarketplace/AmiProduct/<MARKETPLACE_PRODUCT_ID>',
      Condition: {
        StringEquals: { 'catalog:ChangeType': ['AddDeliveryOptions', 'RestrictDeliveryOptions'] },
      },
    });
    expect(statementOf('iam:PassRole')).toMatchObject({
      Resource: 'arn:aws:iam::<ACCOUNT_ID>:role/<MARKETPLACE_ACCESS_ROLE_NAME>',
      Condition: { StringEquals: { 'iam:PassedToService': 'assets.marketplace.amazonaws.com' } },
    });
    // No parent snapshot for a fedimg snapshot; boot tests on the configured types with IMDSv2.
    expect(statementOf('ebs:StartSnapshot').Condition).toMatchObject({
      Null: { 'ebs:ParentSnapshot': 'true' },
    });
    expect(statementOf('kms:CreateGrant').Condition).toEqual({
      StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' },
    });
    // The S3 route's rights and the encrypted flavours' are apart: the default policy has no S3, no
    // import, no CopySnapshot and no KMS.
    expect(
      [...grantedActionsOf(policy)].filter((action) => /^s3:|^kms:|Import|CopySnapshot/.test(action)),
    ).toEqual([]);
  });
});

describe('doctor and the documented policies', () => {
  const bySid = new Map(
    Object.values(POLICY_FILES).flatMap((file) =>
      (JSON.parse(readFileSync(file, 'utf8')) as { Statement: Statement[] }).Statement.map(
        (statement) => [statement.Sid!, file] as const,
      ),
    ),
  );

  it('names statements that exist, in the file it names', () => {
    for (const documented of Object.values(STATEMENT))
      expect(bySid.get(documented.sid), documented.sid).toBe(documented.file);
    for (const sid of DOCTOR_STATEMENTS) expect(bySid.get(sid), sid).toBe(POLICY_FILES.default);
  });

  it('checks every statement of the documented policies (its own reads aside)', () => {
    const checked = new Set(Object.values(STATEMENT).map((documented) => documented.sid));
    expect([...bySid.keys()].filter((sid) => !checked.has(sid) && !DOCTOR_STATEMENTS.includes(sid))).toEqual(
      [],
    );
  });
});

describe('docs/iam-plan-policy.json', () => {
  it('lets the plan job, which reads untrusted input, only list the regions', () => {
    const plan = JSON.parse(readFileSync('docs/iam-plan-policy.json', 'utf8'));
    expect(plan.Statement.flatMap((statement: { Action: string[] }) => statement.Action)).toEqual([
      'ec2:DescribeRegions',
    ]);
  });
});

describe('docs/oidc-trust-policy.json', () => {
  it('lets only fedimg’s own workflows on main assume the role, for STS', () => {
    const trust = JSON.parse(readFileSync('docs/oidc-trust-policy.json', 'utf8'));
    expect(trust.Statement).toHaveLength(1);
    const [statement] = trust.Statement;
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(statement.Principal.Federated).toMatch(/oidc-provider\/token\.actions\.githubusercontent\.com$/);
    expect(statement.Condition.StringEquals['token.actions.githubusercontent.com:aud']).toBe(
      'sts.amazonaws.com',
    );
    const sub = statement.Condition.StringLike['token.actions.githubusercontent.com:sub'];
    expect(sub).toMatch(/^repo:[^*]+\/fedimg:ref:refs\/heads\/main$/);
    const workflows = statement.Condition.StringLike['token.actions.githubusercontent.com:job_workflow_ref'];
    expect(workflows.map((ref: string) => ref.replace(/^.*\/workflows\//, ''))).toEqual([
      'publish.yml@refs/heads/main',
      'lifecycle.yml@refs/heads/main',
      'doctor.yml@refs/heads/main',
    ]);
  });
});

describe('docs/oidc-trust-policy-caller.json', () => {
  it('lets a calling repository’s role be assumed only on its main branch, through the pinned fedimg workflow', () => {
    const trust = JSON.parse(readFileSync('docs/oidc-trust-policy-caller.json', 'utf8'));
    expect(trust.Statement).toHaveLength(1);
    const [statement] = trust.Statement;
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    const conditions = statement.Condition.StringEquals;
    expect(conditions['token.actions.githubusercontent.com:aud']).toBe('sts.amazonaws.com');
    expect(conditions['token.actions.githubusercontent.com:sub']).toBe(
      'repo:<CALLER_OWNER>/<CALLER_REPOSITORY>:ref:refs/heads/main',
    );
    expect(conditions['token.actions.githubusercontent.com:job_workflow_ref']).toBe(
      '<OWNER>/fedimg/.github/workflows/publish.yml@<FEDIMG_REF>',
    );
    // StringEquals, not StringLike: no wildcard can widen it.
    expect(statement.Condition.StringLike).toBeUndefined();
  });

  it('documents the Marketplace access role as the seller guide has it: trusted by Marketplace ingestion, AWS’s managed policy only', () => {
    const role = JSON.parse(readFileSync('docs/marketplace-access-role.json', 'utf8')) as {
      TrustPolicy: { Statement: Array<{ Principal: unknown; Action: string; Condition?: unknown }> };
      ManagedPolicyArns: string[];
      PermissionsPolicy?: unknown;
    };
    expect(role.TrustPolicy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'assets.marketplace.amazonaws.com' },
        Action: 'sts:AssumeRole',
      }),
    ]);
    // No condition on a key AWS does not document this service to set: it would fail, always.
    expect(role.TrustPolicy.Statement[0]!.Condition).toBeUndefined();
    expect(role.ManagedPolicyArns).toEqual(['arn:aws:iam::aws:policy/AWSMarketplaceAmiIngestion']);
    expect(role.PermissionsPolicy).toBeUndefined();
  });
});
