import { readFileSync } from 'node:fs';
import { combinePolicies } from '../../emulator/iam/evaluate.js';
import type { Emulator } from '../../emulator/server.js';
import { ACCOUNT_ID } from '../../emulator/state.js';

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition?: object;
}

/** The publish role's policies: the default (EBS direct) one, and the S3 route's addition. */
export const POLICY_FILES = ['docs/iam-policy.json', 'docs/iam-policy-import-snapshot.json'];

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { Statement: Statement[] };
export const policy = read(POLICY_FILES[0]!);
export const importSnapshotPolicy = read(POLICY_FILES[1]!);

export function grantedActions(): Set<string> {
  return new Set(
    [...policy.Statement, ...importSnapshotPolicy.Statement].flatMap((statement) => statement.Action),
  );
}

/** The staging bucket the emulator's policy names (the docs' <STAGING_BUCKET>). */
export const STAGING_BUCKET = 'fedimg-staging';

/**
 * Holds the emulator's callers to the publish role's documented policy, as an operator would attach
 * it: placeholders filled for the emulator's account; the S3 route's statements only when asked.
 */
export function applyRolePolicy(emulator: Emulator, options: { importSnapshot?: boolean } = {}): void {
  const files = options.importSnapshot ? POLICY_FILES : POLICY_FILES.slice(0, 1);
  emulator.setIamPolicy(
    combinePolicies(
      files.map((path) => readFileSync(path, 'utf8')),
      { ACCOUNT_ID, STAGING_BUCKET, KMS_KEY_ID: '*', MARKETPLACE_PRODUCT_ID: 'prod-*' },
    ),
  );
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

/** Operations an emulator saw that docs/iam-policy.json would deny (test set-up calls excluded by the caller). */
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
