import { readFileSync } from 'node:fs';

export interface Statement {
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition?: object;
}

export const policy = JSON.parse(readFileSync('docs/iam-policy.json', 'utf8')) as { Statement: Statement[] };

export function grantedActions(): Set<string> {
  return new Set(policy.Statement.flatMap((statement) => statement.Action));
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
