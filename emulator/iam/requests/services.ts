/**
 * What EBS direct, S3, AWS Marketplace Catalog and IAM requests touch, for IAM (see ./ec2.ts for
 * the EC2 ones and ../model/ for which facts AWS shows).
 */
import { ACCOUNT_ID } from '../../constants.js';
import type { RestRequest } from '../../http.js';
import type { AccountState } from '../../state.js';
import type { Candidate } from '../model/index.js';
import { requestTagFacts, roleArn, snapshotArn, snapshotFacts, tagOnCreate, type TagInput } from './facts.js';

const jsonBody = (body: Buffer): Record<string, unknown> => {
  try {
    return (JSON.parse(body.toString('utf8') || '{}') ?? {}) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/**
 * EBS direct: StartSnapshot creates a snapshot (its keys are request-wide: the tags, ebs:VolumeSize,
 * ebs:Description, and ebs:ParentSnapshot when a parent is named); the others act on one snapshot.
 * The SAR lists aws:ResourceTag for StartSnapshot too without saying whose tags they are (the
 * parent's?); AWS's documents are silent, so the emulator sets none there.
 */
export function ebsCandidates(
  state: AccountState,
  region: string,
  operation: string,
  request: RestRequest,
): Candidate[] {
  const action = `ebs:${operation}`;
  if (operation === 'StartSnapshot') {
    const body = jsonBody(request.body);
    const tags = body.Tags as TagInput;
    const snapshot = snapshotArn(region, '*');
    const facts = {
      ...requestTagFacts(tags),
      ...(typeof body.VolumeSize === 'number' ? { 'ebs:VolumeSize': String(body.VolumeSize) } : {}),
      ...(typeof body.Description === 'string' ? { 'ebs:Description': body.Description } : {}),
      ...(typeof body.ParentSnapshotId === 'string'
        ? { 'ebs:ParentSnapshot': snapshotArn(region, body.ParentSnapshotId) }
        : {}),
    };
    return [
      { action, resourceType: 'snapshot', resource: snapshot, facts },
      ...tagOnCreate('StartSnapshot', 'snapshot', snapshot, tags, { 'ec2:Region': region }),
    ];
  }
  const id = /^\/snapshots\/(?:completion\/)?([^/]+)/.exec(request.path)?.[1] ?? '';
  const snapshot = state.snapshots.get(id);
  return [
    {
      action,
      resourceType: 'snapshot',
      resource: snapshotArn(region, id),
      facts: snapshotFacts(snapshot?.region === region ? snapshot : undefined, id),
    },
  ];
}

/** S3 operations by the IAM action that allows them (the multipart family is s3:PutObject). */
const S3_ACTIONS: Record<string, string> = {
  PutObject: 's3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  DeleteObject: 's3:DeleteObject',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  CreateBucket: 's3:CreateBucket',
  DeleteBucket: 's3:DeleteBucket',
  HeadBucket: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
  ListMultipartUploads: 's3:ListBucketMultipartUploads',
};

export function s3Candidates(operation: string, path: string): Candidate[] {
  const [, bucket = '', ...rest] = path.split('/');
  const key = rest.join('/') === '' ? [] : rest;
  const object = key.length > 0;
  const resource = object
    ? `arn:aws:s3:::${decodeURIComponent(bucket)}/${key.map(decodeURIComponent).join('/')}`
    : `arn:aws:s3:::${decodeURIComponent(bucket)}`;
  return [
    {
      action: S3_ACTIONS[operation] ?? `s3:${operation}`,
      resourceType: object ? 'object' : 'bucket',
      resource,
      facts: {},
    },
  ];
}

const catalogArn = (kind: string, id: string) =>
  `arn:aws:aws-marketplace:us-east-1:${ACCOUNT_ID}:AWSMarketplace/${kind}/${id}`;

interface ChangeInput {
  ChangeType?: string;
  Entity?: { Type?: string; Identifier?: string };
  Details?: string;
  DetailsDocument?: {
    DeliveryOptions?: Array<{
      Details?: { AmiDeliveryOptionDetails?: { AmiSource?: { AccessRoleArn?: string } } };
    }>;
  };
}

/** The access roles a change's AmiSources pass to AWS Marketplace. */
function accessRoles(change: ChangeInput): string[] {
  let document = change.DetailsDocument;
  if (!document && change.Details) {
    try {
      document = JSON.parse(change.Details) as ChangeInput['DetailsDocument'];
    } catch {
      document = undefined;
    }
  }
  return (document?.DeliveryOptions ?? []).flatMap((option) => {
    const role = option.Details?.AmiDeliveryOptionDetails?.AmiSource?.AccessRoleArn;
    return typeof role === 'string' && role ? [role] : [];
  });
}

/**
 * The Catalog API: each change of StartChangeSet on its entity (catalog:ChangeType is that change's
 * type: AWS's documents do not say how the key is set when one change set mixes types), and the
 * iam:PassRole of every access role an AmiSource names, to assets.marketplace.amazonaws.com.
 */
export function catalogCandidates(operation: string, request: RestRequest): Candidate[] {
  const action = `aws-marketplace:${operation}`;
  if (operation === 'StartChangeSet') {
    const body = jsonBody(request.body);
    const changes = (Array.isArray(body.ChangeSet) ? body.ChangeSet : []) as ChangeInput[];
    const shared = {
      'aws-marketplace:Intent': typeof body.Intent === 'string' ? body.Intent : 'APPLY',
      ...requestTagFacts(body.Tags as TagInput),
    };
    return changes.flatMap((change): Candidate[] => [
      {
        action,
        resourceType: 'Entity',
        resource: catalogArn(
          String(change.Entity?.Type ?? '').split('@')[0] ?? '',
          String(change.Entity?.Identifier),
        ),
        facts: { ...shared, 'catalog:ChangeType': String(change.ChangeType) },
      },
      ...accessRoles(change).map((role) => ({
        action: 'iam:PassRole',
        resourceType: 'role',
        resource: role,
        facts: { 'iam:PassedToService': 'assets.marketplace.amazonaws.com' },
      })),
    ]);
  }
  if (operation === 'DescribeEntity')
    return [
      {
        action,
        resourceType: 'Entity',
        resource: catalogArn('AmiProduct', request.query.get('entityId') ?? ''),
        facts: {},
      },
    ];
  if (operation === 'DescribeChangeSet' || operation === 'CancelChangeSet')
    return [
      {
        action,
        resourceType: 'ChangeSet',
        resource: catalogArn('ChangeSet', request.query.get('changeSetId') ?? ''),
        facts: {},
      },
    ];
  return [{ action, resourceType: undefined, resource: '*', facts: {} }];
}

/** IAM's read calls act on the role (or user or group) they name. */
export function iamCandidates(state: AccountState, operation: string, params: URLSearchParams): Candidate[] {
  const action = `iam:${operation}`;
  const roleName = params.get('RoleName');
  if (roleName) {
    const role = state.iam.roles.get(roleName);
    return [{ action, resourceType: 'role', resource: role?.arn ?? roleArn(roleName), facts: {} }];
  }
  const source = params.get('PolicySourceArn');
  if (source) {
    const type = /^arn:aws:iam::\d{12}:(role|user|group)\//.exec(source)?.[1];
    return [{ action, resourceType: type, resource: type ? source : '*', facts: {} }];
  }
  return [{ action, resourceType: undefined, resource: '*', facts: {} }];
}
