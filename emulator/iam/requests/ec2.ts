/**
 * What each EC2 request touches, for IAM: the action on every resource the SAR row names (the new
 * resource of a creation, the existing ones it uses, both sides of a copy), and the dependent
 * ec2:CreateTags of a creation that tags (with ec2:CreateAction). Facts are attached generously;
 * the model (../model/) keeps only what AWS puts in each context.
 */
import { IAM_MODEL, type Candidate } from '../model/index.js';
import { ACCOUNT_ID } from '../../constants.js';
import type { AccountState } from '../../state.js';
import { launchCandidates } from './launch.js';
import {
  accountArn,
  existing,
  imageArn,
  imageFacts,
  requestTagFacts,
  snapshotArn,
  snapshotFacts,
  specifiedTags,
  strings,
  tagOnCreate,
  type Facts,
  type Input,
  type TagInput,
} from './facts.js';

const MODIFIED_BY: Record<string, { id: string; attribute: string; permission: string }> = {
  ModifySnapshotAttribute: {
    id: 'SnapshotId',
    attribute: 'createVolumePermission',
    permission: 'CreateVolumePermission',
  },
  ModifyImageAttribute: { id: 'ImageId', attribute: 'launchPermission', permission: 'LaunchPermission' },
};

/** ec2:Attribute and ec2:Add/… / ec2:Remove/… of a Modify*Attribute request. */
function modificationFacts(operation: string, input: Input): Facts {
  const shape = MODIFIED_BY[operation]!;
  const change = (input[shape.permission] ?? {}) as Record<
    'Add' | 'Remove',
    Array<{ Group?: string; UserId?: string }>
  >;
  const facts: Facts = {
    'ec2:Attribute': String(input.Attribute ?? (input[shape.permission] ? shape.attribute : '')),
  };
  for (const side of ['Add', 'Remove'] as const) {
    const entries = change[side] ?? [];
    const groups = entries.flatMap((entry) => (entry.Group ? [entry.Group] : []));
    const users = entries.flatMap((entry) => (entry.UserId ? [entry.UserId] : []));
    if (groups.length > 0) facts[`ec2:${side}/group`] = groups;
    if (users.length > 0) facts[`ec2:${side}/userId`] = users;
  }
  return facts;
}

/** The candidates of one EC2 request, before the model scopes their contexts. */
export function ec2Candidates(
  state: AccountState,
  region: string,
  operation: string,
  input: Input,
): Candidate[] {
  const action = `ec2:${operation}`;
  const base: Facts = { 'ec2:Region': region };
  const row = IAM_MODEL[action];
  if (row && row.resources.length === 0)
    return [{ action, resourceType: undefined, resource: '*', facts: base }];
  const on = (id: unknown, extra: Facts = {}): Candidate[] => {
    const found = existing(state, region, String(id));
    // An ID of no kind EC2 knows is refused by the call itself (InvalidID), not by IAM.
    if (found.type === 'unknown') return [];
    return [
      { action, resourceType: found.type, resource: found.arn, facts: { ...base, ...found.facts, ...extra } },
    ];
  };
  switch (operation) {
    case 'DeleteSnapshot':
    case 'DescribeSnapshotAttribute':
      return on(input.SnapshotId);
    case 'DeregisterImage':
    case 'DescribeImageAttribute':
    case 'EnableImageDeprecation':
    case 'DisableImageDeprecation':
      return on(input.ImageId);
    case 'ModifySnapshotAttribute':
      return on(input.SnapshotId, modificationFacts(operation, input));
    case 'ModifyImageAttribute':
      return on(input.ImageId, modificationFacts(operation, input));
    case 'GetConsoleOutput':
      return on(input.InstanceId);
    case 'TerminateInstances':
      return strings(input.InstanceIds).flatMap((id) => on(id));
    case 'CancelImportTask':
      return on(input.ImportTaskId);
    case 'CreateTags':
    case 'DeleteTags':
      return strings(input.Resources).flatMap((id) => on(id, requestTagFacts(input.Tags as TagInput)));
    case 'RegisterImage': {
      const tags = specifiedTags(input, 'image');
      const image = imageArn(region, '*');
      const facts = { ...base, ...requestTagFacts(tags), 'ec2:Owner': ACCOUNT_ID };
      const mappings = (input.BlockDeviceMappings as Array<{ Ebs?: { SnapshotId?: string } }>) ?? [];
      return [
        { action, resourceType: 'image', resource: image, facts },
        ...mappings.flatMap((mapping) => (mapping.Ebs?.SnapshotId ? on(mapping.Ebs.SnapshotId) : [])),
        ...tagOnCreate(operation, 'image', image, tags, base),
      ];
    }
    case 'CopyImage':
      return copyImageCandidates(state, region, input, base);
    case 'CopySnapshot': {
      const tags = specifiedTags(input, 'snapshot');
      const sourceRegion = String(input.SourceRegion ?? region);
      const sourceId = String(input.SourceSnapshotId);
      const source = state.snapshots.get(sourceId);
      const copy = snapshotArn(region, '*');
      const requested = { ...base, ...requestTagFacts(tags) };
      return [
        {
          action,
          resourceType: 'snapshot',
          resource: copy,
          facts: { ...requested, 'ec2:Owner': ACCOUNT_ID },
        },
        // The SAR: "Resource-level permissions specified for this action apply to both the snapshot
        // copy and the source snapshot"; its snapshot* row lists no aws:ResourceTag.
        {
          action,
          resourceType: 'snapshot',
          resource: snapshotArn(sourceRegion, sourceId),
          facts: {
            ...requested,
            ...snapshotFacts(source?.region === sourceRegion ? source : undefined, sourceId),
          },
        },
        ...tagOnCreate(operation, 'snapshot', copy, tags, base),
      ];
    }
    case 'ImportSnapshot': {
      const tags = specifiedTags(input, 'import-snapshot-task');
      const task = accountArn(region, 'import-snapshot-task', '*');
      const requested = { ...base, ...requestTagFacts(tags) };
      return [
        { action, resourceType: 'import-snapshot-task', resource: task, facts: requested },
        // snapshot* is required as well (SAR), with the request's tags in its context.
        { action, resourceType: 'snapshot', resource: snapshotArn(region, '*'), facts: requested },
        ...tagOnCreate(operation, 'import-snapshot-task', task, tags, base),
      ];
    }
    case 'RunInstances':
      return launchCandidates(state, region, input, base);
    default:
      return [{ action, resourceType: undefined, resource: '*', facts: base }];
  }
}

/**
 * CopyImage, called in the destination region: the new AMI and the new snapshots, and since
 * 2024-10-28 the source AMI (EC2 User Guide, "Grant permissions to copy Amazon EC2 AMIs"), all with
 * the keys of the SAR's CopyImage row, which lists no aws:ResourceTag.
 */
function copyImageCandidates(state: AccountState, region: string, input: Input, base: Facts): Candidate[] {
  const action = 'ec2:CopyImage';
  const imageTags = specifiedTags(input, 'image');
  const snapshotTags = specifiedTags(input, 'snapshot');
  const sourceRegion = String(input.SourceRegion ?? region);
  const sourceId = String(input.SourceImageId);
  const source = state.images.get(sourceId);
  const image = imageArn(region, '*');
  const snapshot = snapshotArn(region, '*');
  const imageFactsOf = { ...base, ...requestTagFacts(imageTags), 'ec2:Owner': ACCOUNT_ID };
  return [
    { action, resourceType: 'image', resource: image, facts: imageFactsOf },
    {
      action,
      resourceType: 'image',
      resource: imageArn(sourceRegion, sourceId),
      facts: {
        ...base,
        ...requestTagFacts(imageTags),
        ...imageFacts(source?.region === sourceRegion ? source : undefined, sourceId),
      },
    },
    {
      action,
      resourceType: 'snapshot',
      resource: snapshot,
      facts: { ...base, ...requestTagFacts(snapshotTags) },
    },
    ...tagOnCreate('CopyImage', 'image', image, imageTags, base),
    ...tagOnCreate('CopyImage', 'snapshot', snapshot, snapshotTags, base),
  ];
}
