import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { combinePolicies } from '../../emulator/iam/policies.js';
import type { Emulator } from '../../emulator/server.js';
import { CALLER_ROLE } from '../../emulator/services/iam/state.js';
import { ACCOUNT_ID } from '../../emulator/state.js';

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * The publish role's policies: the default one (EBS direct, boot test, copy, publish, Marketplace,
 * doctor's reads), and the additions for the S3 route and for encrypted flavours.
 */
export const POLICY_FILES = {
  default: 'docs/iam-policy.json',
  importSnapshot: 'docs/iam-policy-import-snapshot.json',
  encrypted: 'docs/iam-policy-encrypted.json',
} as const;

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { Statement: Statement[] };
export const policy = read(POLICY_FILES.default);
export const importSnapshotPolicy = read(POLICY_FILES.importSnapshot);
export const encryptedPolicy = read(POLICY_FILES.encrypted);
export const allStatements = () => [
  ...policy.Statement,
  ...importSnapshotPolicy.Statement,
  ...encryptedPolicy.Statement,
];

export function grantedActions(): Set<string> {
  return new Set(allStatements().flatMap((statement) => statement.Action));
}

/** The staging bucket the emulator's policy names (the docs' <STAGING_BUCKET>). */
export const STAGING_BUCKET = 'fedimg-staging';
/** Marketplace's access role in the tests (the docs' <MARKETPLACE_ACCESS_ROLE_NAME>). */
export const MARKETPLACE_ACCESS_ROLE = 'fedimg-marketplace';
export const MARKETPLACE_ACCESS_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/${MARKETPLACE_ACCESS_ROLE}`;

/** The docs' placeholders, filled as an operator of the emulator's account would fill them. */
export const POLICY_VARIABLES = {
  ACCOUNT_ID,
  STAGING_BUCKET,
  KMS_KEY_ID: '*',
  MARKETPLACE_PRODUCT_ID: 'prod-*',
  MARKETPLACE_ACCESS_ROLE_NAME: MARKETPLACE_ACCESS_ROLE,
  PUBLISH_ROLE_NAME: CALLER_ROLE,
};

export interface RoleOptions {
  importSnapshot?: boolean;
  encrypted?: boolean;
  /** Statements (by Sid) left out, as an operator might forget them. */
  without?: string[];
  /** Policy texts used in place of the documented files (an older policy, say). */
  texts?: Array<{ name: string; text: string }>;
}

/** The policies (name and text) an operator would attach for these options. */
export function rolePolicies(options: RoleOptions = {}): Array<{ name: string; text: string }> {
  if (options.texts) return options.texts;
  const files = [
    POLICY_FILES.default,
    ...(options.importSnapshot ? [POLICY_FILES.importSnapshot] : []),
    ...(options.encrypted ? [POLICY_FILES.encrypted] : []),
  ];
  return files.map((path) => {
    const document = JSON.parse(readFileSync(path, 'utf8')) as { Statement: Statement[] };
    document.Statement = document.Statement.filter(
      (statement) => !options.without?.includes(statement.Sid ?? ''),
    );
    return { name: basename(path, '.json'), text: JSON.stringify(document, null, 2) };
  });
}

/**
 * Holds the emulator's callers to the publish role's documented policy, as an operator would attach
 * it (placeholders filled for the emulator's account), and does the account set-up the docs ask for:
 * the base region's default security group is tagged for boot tests.
 */
export function applyRolePolicy(emulator: Emulator, options: RoleOptions = {}): void {
  const policies = rolePolicies(options);
  emulator.setIamPolicy(
    combinePolicies(
      policies.map((entry) => entry.text),
      POLICY_VARIABLES,
      policies.map((entry) => entry.name),
    ),
  );
  allowBootTestNetwork(emulator);
}

/** The docs' account set-up for boot tests: the default VPC's security group carries the tag. */
export function allowBootTestNetwork(emulator: Emulator, region = 'us-east-1'): void {
  const network = emulator.state.network;
  const vpc = network.defaultVpc(region);
  const group = vpc && network.defaultGroup(vpc.id);
  group?.tags.set('fedimg:boot-test-network', 'allowed');
}

/** S3 operations whose IAM action has another name (the multipart family is all s3:PutObject). */
const S3_ACTIONS: Record<string, string> = {
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  PutObject: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  DeleteObject: 's3:DeleteObject',
  HeadObject: 's3:GetObject',
};

/** The IAM action an SDK operation needs; STS GetCallerIdentity needs none. */
export function iamAction(service: string, operation: string): string | undefined {
  if (service === 'sts') return undefined;
  if (service === 's3') return S3_ACTIONS[operation] ?? `s3:${operation}`;
  // The Catalog API's package is client-marketplace-catalog; its IAM prefix is its signing name.
  if (service === 'marketplace-catalog') return `aws-marketplace:${operation}`;
  return `${service}:${operation}`;
}

/** Operations an emulator saw that the documented policies would deny (test set-up calls excluded by the caller). */
export function deniedOperations(requests: ReadonlyArray<{ service: string; operation: string }>): string[] {
  const granted = grantedActions();
  return [
    ...new Set(
      requests
        .map((request) => iamAction(request.service, request.operation))
        .filter((action): action is string => action !== undefined && !granted.has(action)),
    ),
  ];
}

/** The repository the tests' roles trust (docs/oidc-trust-policy.json's <OWNER>/fedimg). */
export const REPOSITORY = 'fedora-infra/fedimg';

/**
 * The account's roles as docs/account-setup.md has an operator create them: the role fedimg runs as
 * trusts this repository's workflows through GitHub's OIDC provider, and Marketplace's access role
 * trusts AWS Marketplace's ingestion service and carries AWS's managed policy.
 */
/** The publish role's MaxSessionDuration, from account-setup.md's create-role command. */
export function documentedSessionSeconds(): number {
  const setup = readFileSync('docs/account-setup.md', 'utf8');
  const seconds = /aws iam create-role --role-name fedimg-publish [^\n]*--max-session-duration (\d+)/.exec(
    setup,
  );
  if (!seconds)
    throw new Error('docs/account-setup.md creates fedimg-publish without --max-session-duration');
  return Number(seconds[1]);
}

export function documentedRoles(emulator: Emulator): void {
  const trust = readFileSync('docs/oidc-trust-policy.json', 'utf8')
    .replaceAll('<ACCOUNT_ID>', ACCOUNT_ID)
    .replaceAll('<OWNER>', REPOSITORY.split('/')[0]!);
  emulator.putRole({ name: CALLER_ROLE, trustPolicy: trust, maxSessionDuration: documentedSessionSeconds() });
  const access = JSON.parse(
    readFileSync('docs/marketplace-access-role.json', 'utf8').replaceAll('<ACCOUNT_ID>', ACCOUNT_ID),
  ) as {
    TrustPolicy: object;
    ManagedPolicyArns?: string[];
  };
  emulator.putRole({
    name: MARKETPLACE_ACCESS_ROLE,
    trustPolicy: access.TrustPolicy,
    attached: access.ManagedPolicyArns ?? ['arn:aws:iam::aws:policy/AWSMarketplaceAmiIngestion'],
  });
}

/** A trust policy that lets AWS Marketplace's asset ingestion assume the role, with `condition`. */
export function marketplaceTrust(condition?: object): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'assets.marketplace.amazonaws.com' },
        Action: 'sts:AssumeRole',
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  };
}
