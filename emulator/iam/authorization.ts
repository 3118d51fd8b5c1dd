/**
 * What IAM authorizes for each request the emulator serves, after the Service Authorization
 * Reference: the action, the resources it acts on (their ARNs), and the condition keys known at
 * that point (the tags an existing resource carries, the tags a request asks for, the creating
 * action for tag-on-create). A creation that tags also needs ec2:CreateTags with ec2:CreateAction.
 */
import type { AuthorizationRequest } from './evaluate.js';
import { ACCOUNT_ID, type AccountState, type Tags } from '../state.js';

type Input = Record<string, unknown>;
type TagInput = Array<{ Key?: string; Value?: string }> | undefined;

const ec2Arn = (region: string, type: string, id: string, account = '') =>
  `arn:aws:ec2:${region}:${account}:${type}/${id}`;
const imageArn = (region: string, id: string) => ec2Arn(region, 'image', id);
const snapshotArn = (region: string, id: string) => ec2Arn(region, 'snapshot', id);
const instanceArn = (region: string, id: string) => ec2Arn(region, 'instance', id, ACCOUNT_ID);
const taskArn = (region: string, id: string) => ec2Arn(region, 'import-snapshot-task', id, ACCOUNT_ID);

function resourceTags(tags: Tags | undefined): Record<string, string> {
  return Object.fromEntries(
    [...(tags ?? new Map())].map(([key, value]) => [`aws:ResourceTag/${key}`, value]),
  );
}

function requestTags(tags: TagInput): Record<string, string | string[]> {
  const given = (tags ?? []).filter((tag) => tag.Key);
  if (given.length === 0) return {};
  return {
    ...Object.fromEntries(given.map((tag) => [`aws:RequestTag/${tag.Key}`, tag.Value ?? ''])),
    'aws:TagKeys': given.map((tag) => tag.Key!),
  };
}

function specified(input: Input, resourceType: string): TagInput {
  const specifications = (input.TagSpecifications as Array<{ ResourceType?: string; Tags?: TagInput }>) ?? [];
  return specifications
    .filter((spec) => spec.ResourceType === resourceType)
    .flatMap((spec) => spec.Tags ?? []);
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];

/** The tags of whatever an ID names in this region (undefined: no such resource; AWS then says NotFound). */
function tagsOf(state: AccountState, id: string): Tags | undefined {
  if (id.startsWith('ami-')) return state.images.get(id)?.tags;
  if (id.startsWith('snap-')) return state.snapshots.get(id)?.tags;
  if (id.startsWith('i-')) return state.instances.get(id)?.tags;
  if (id.startsWith('import-snap-')) return state.importTasks.get(id)?.tags;
  return undefined;
}

function arnOf(region: string, id: string): string {
  if (id.startsWith('ami-')) return imageArn(region, id);
  if (id.startsWith('snap-')) return snapshotArn(region, id);
  if (id.startsWith('i-')) return instanceArn(region, id);
  if (id.startsWith('import-snap-')) return taskArn(region, id);
  return ec2Arn(region, 'unknown', id, ACCOUNT_ID);
}

/** The action on one existing resource, with its tags. */
const onExisting = (
  state: AccountState,
  region: string,
  action: string,
  id: string,
): AuthorizationRequest => ({
  action,
  resource: arnOf(region, id),
  context: resourceTags(tagsOf(state, id)),
});

/** A creation: the action on the new resource with the request's tags, plus ec2:CreateTags when it tags. */
function creation(action: string, resource: string, tags: TagInput): AuthorizationRequest[] {
  const context = requestTags(tags);
  const requests: AuthorizationRequest[] = [{ action, resource, context }];
  if ((tags ?? []).length > 0) {
    requests.push({
      action: 'ec2:CreateTags',
      resource,
      context: { ...context, 'ec2:CreateAction': action.split(':')[1]! },
    });
  }
  return requests;
}

// Read-only calls without resource-level permissions (the reference lists no resource for them).
const UNSCOPED = new Set([
  'DescribeRegions',
  'DescribeAvailabilityZones',
  'DescribeImages',
  'DescribeImageAttribute',
  'DescribeSnapshots',
  'DescribeSnapshotAttribute',
  'DescribeImportSnapshotTasks',
  'DescribeInstances',
  'DescribeInstanceStatus',
  'GetEbsEncryptionByDefault',
  'GetImageBlockPublicAccessState',
]);

export function ec2Authorizations(
  state: AccountState,
  region: string,
  operation: string,
  input: Input,
): AuthorizationRequest[] {
  const action = `ec2:${operation}`;
  if (UNSCOPED.has(operation)) return [{ action, resource: '*', context: {} }];
  const existing = (id: unknown) => onExisting(state, region, action, String(id));
  switch (operation) {
    case 'DeleteSnapshot':
    case 'ModifySnapshotAttribute':
      return [existing(input.SnapshotId)];
    case 'DeregisterImage':
    case 'ModifyImageAttribute':
    case 'EnableImageDeprecation':
    case 'DisableImageDeprecation':
      return [existing(input.ImageId)];
    case 'GetConsoleOutput':
      return [existing(input.InstanceId)];
    case 'TerminateInstances':
      return strings(input.InstanceIds).map(existing);
    case 'CancelImportTask':
      return [existing(input.ImportTaskId)];
    case 'CreateTags':
    case 'DeleteTags': {
      const tags = requestTags(input.Tags as TagInput);
      return strings(input.Resources).map((id) => {
        const request = onExisting(state, region, action, id);
        return { ...request, context: { ...request.context, ...tags } };
      });
    }
    case 'RegisterImage': {
      const mappings = (input.BlockDeviceMappings as Array<{ Ebs?: { SnapshotId?: string } }>) ?? [];
      return [
        ...creation(action, imageArn(region, '*'), specified(input, 'image')),
        ...mappings.flatMap((mapping) => (mapping.Ebs?.SnapshotId ? [existing(mapping.Ebs.SnapshotId)] : [])),
      ];
    }
    case 'CopyImage': {
      const sourceRegion = String(input.SourceRegion ?? region);
      const source = String(input.SourceImageId);
      const snapshotTags = specified(input, 'snapshot') ?? [];
      return [
        ...creation(action, imageArn(region, '*'), specified(input, 'image')),
        ...(snapshotTags.length > 0 ? creation(action, snapshotArn(region, '*'), snapshotTags) : []),
        {
          action,
          resource: imageArn(sourceRegion, source),
          context: resourceTags(state.images.get(source)?.tags),
        },
      ];
    }
    case 'CopySnapshot': {
      const sourceRegion = String(input.SourceRegion ?? region);
      const source = String(input.SourceSnapshotId);
      return [
        ...creation(action, snapshotArn(region, '*'), specified(input, 'snapshot')),
        {
          action,
          resource: snapshotArn(sourceRegion, source),
          context: resourceTags(state.snapshots.get(source)?.tags),
        },
      ];
    }
    case 'RunInstances': {
      const network = ['network-interface', 'security-group', 'subnet', 'volume'].map((type) => ({
        action,
        resource: ec2Arn(region, type, '*', ACCOUNT_ID),
        context: {},
      }));
      return [
        ...creation(action, instanceArn(region, '*'), specified(input, 'instance')),
        existing(input.ImageId),
        ...network,
      ];
    }
    case 'ImportSnapshot':
      return creation(action, taskArn(region, '*'), specified(input, 'import-snapshot-task'));
    default:
      return [{ action, resource: '*', context: {} }];
  }
}

export function ebsAuthorizations(
  state: AccountState,
  region: string,
  operation: string,
  path: string,
  body: Buffer,
): AuthorizationRequest[] {
  const action = `ebs:${operation}`;
  if (operation === 'StartSnapshot') {
    let tags: TagInput;
    try {
      tags = (JSON.parse(body.toString('utf8') || '{}') as { Tags?: TagInput }).Tags;
    } catch {
      tags = undefined;
    }
    return creation(action, snapshotArn(region, '*'), tags).map((request) =>
      request.action === 'ec2:CreateTags'
        ? { ...request, context: { ...request.context, 'ec2:CreateAction': 'StartSnapshot' } }
        : request,
    );
  }
  const id = /^\/snapshots\/(?:completion\/)?([^/]+)/.exec(path)?.[1] ?? '';
  return [
    { action, resource: snapshotArn(region, id), context: resourceTags(state.snapshots.get(id)?.tags) },
  ];
}

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

export function s3Authorizations(operation: string, path: string): AuthorizationRequest[] {
  const [, bucket = '', ...key] = path.split('/');
  const resource =
    key.length > 0
      ? `arn:aws:s3:::${decodeURIComponent(bucket)}/${key.map(decodeURIComponent).join('/')}`
      : `arn:aws:s3:::${decodeURIComponent(bucket)}`;
  return [{ action: S3_ACTIONS[operation] ?? `s3:${operation}`, resource, context: {} }];
}
