/**
 * What is known about the resources a request touches, as condition keys. The IAM model then keeps
 * only the keys the SAR lists for each (action, resource type), so these functions may say more
 * than AWS would show for a given action.
 */
import { ACCOUNT_ID } from '../../constants.js';
import type { SecurityGroup, Subnet } from '../../network.js';
import type { AccountState, Image, Instance, Snapshot, Tags } from '../../state.js';
import type { Candidate } from '../model/index.js';

export type Facts = Record<string, string | string[]>;
export type Input = Record<string, unknown>;
export type TagInput = Array<{ Key?: string; Value?: string }> | undefined;

export const ec2Arn = (region: string, type: string, id: string, account = '') =>
  `arn:aws:ec2:${region}:${account}:${type}/${id}`;
export const imageArn = (region: string, id: string) => ec2Arn(region, 'image', id);
export const snapshotArn = (region: string, id: string) => ec2Arn(region, 'snapshot', id);
export const accountArn = (region: string, type: string, id: string) => ec2Arn(region, type, id, ACCOUNT_ID);
export const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;

/** aws:ResourceTag/K (and EC2's own ec2:ResourceTag/K) for each tag the resource carries. */
export function resourceTagFacts(tags: Tags | undefined): Facts {
  const facts: Facts = {};
  for (const [key, value] of tags ?? new Map<string, string>()) {
    facts[`aws:ResourceTag/${key}`] = value;
    facts[`ec2:ResourceTag/${key}`] = value;
  }
  return facts;
}

/** aws:RequestTag/K per tag the request asks for, and aws:TagKeys (absent when it asks for none). */
export function requestTagFacts(tags: TagInput): Facts {
  const given = (tags ?? []).filter((tag) => tag.Key);
  if (given.length === 0) return {};
  return {
    ...Object.fromEntries(given.map((tag) => [`aws:RequestTag/${tag.Key}`, tag.Value ?? ''])),
    'aws:TagKeys': given.map((tag) => tag.Key!),
  };
}

/** The tags of one resource type in an EC2 TagSpecifications list. */
export function specifiedTags(input: Input, resourceType: string): TagInput {
  const specifications = (input.TagSpecifications as Array<{ ResourceType?: string; Tags?: TagInput }>) ?? [];
  return specifications
    .filter((spec) => spec.ResourceType === resourceType)
    .flatMap((spec) => spec.Tags ?? []);
}

export const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];

export function imageFacts(image: Image | undefined, id: string): Facts {
  return {
    ...resourceTagFacts(image?.tags),
    'ec2:ImageID': id,
    'ec2:Owner': ACCOUNT_ID,
    'ec2:ImageType': 'machine',
    'ec2:RootDeviceType': 'ebs',
    ...(image ? { 'ec2:Public': String(image.launchPermission.groups.has('all')) } : {}),
  };
}

export function snapshotFacts(snapshot: Snapshot | undefined, id: string): Facts {
  return {
    ...resourceTagFacts(snapshot?.tags),
    'ec2:SnapshotID': id,
    'ec2:Owner': ACCOUNT_ID,
    ...(snapshot
      ? {
          'ec2:Encrypted': String(snapshot.encrypted),
          'ec2:VolumeSize': String(snapshot.volumeSize),
          'ec2:SnapshotTime': new Date(snapshot.startedAt).toISOString(),
        }
      : {}),
  };
}

export function instanceFacts(instance: Instance | undefined, id: string): Facts {
  return {
    ...resourceTagFacts(instance?.tags),
    'ec2:InstanceID': id,
    'ec2:RootDeviceType': 'ebs',
    ...(instance
      ? {
          'ec2:InstanceType': instance.instanceType,
          'ec2:MetadataHttpTokens': instance.httpTokens,
          'ec2:AvailabilityZone': `${instance.region}a`,
        }
      : {}),
  };
}

export function subnetFacts(subnet: Subnet): Facts {
  return {
    ...resourceTagFacts(subnet.tags),
    'ec2:SubnetID': subnet.id,
    'ec2:Vpc': accountArn(subnet.region, 'vpc', subnet.vpcId),
    'ec2:AvailabilityZone': subnet.availabilityZone,
  };
}

export function securityGroupFacts(group: SecurityGroup): Facts {
  return {
    ...resourceTagFacts(group.tags),
    'ec2:SecurityGroupID': group.id,
    'ec2:Vpc': accountArn(group.region, 'vpc', group.vpcId),
  };
}

/** The ARN, resource type and facts of whatever an ID names in this region (by its prefix). */
export function existing(
  state: AccountState,
  region: string,
  id: string,
): { type: string; arn: string; facts: Facts } {
  const inRegion = <T extends { region: string }>(item: T | undefined) =>
    item && item.region === region ? item : undefined;
  if (id.startsWith('ami-'))
    return {
      type: 'image',
      arn: imageArn(region, id),
      facts: imageFacts(inRegion(state.images.get(id)), id),
    };
  if (id.startsWith('snap-'))
    return {
      type: 'snapshot',
      arn: snapshotArn(region, id),
      facts: snapshotFacts(inRegion(state.snapshots.get(id)), id),
    };
  if (id.startsWith('i-'))
    return {
      type: 'instance',
      arn: accountArn(region, 'instance', id),
      facts: instanceFacts(inRegion(state.instances.get(id)), id),
    };
  if (id.startsWith('import-snap-'))
    return {
      type: 'import-snapshot-task',
      arn: accountArn(region, 'import-snapshot-task', id),
      facts: resourceTagFacts(inRegion(state.importTasks.get(id))?.tags),
    };
  const network = state.network;
  const subnet = inRegion(network.subnets.get(id));
  if (subnet) return { type: 'subnet', arn: accountArn(region, 'subnet', id), facts: subnetFacts(subnet) };
  const group = inRegion(network.securityGroups.get(id));
  if (group)
    return {
      type: 'security-group',
      arn: accountArn(region, 'security-group', id),
      facts: securityGroupFacts(group),
    };
  const vpc = inRegion(network.vpcs.get(id));
  if (vpc)
    return {
      type: 'vpc',
      arn: accountArn(region, 'vpc', id),
      facts: { ...resourceTagFacts(vpc.tags), 'ec2:VpcID': id },
    };
  // An ID of no known kind: AWS answers NotFound or a malformed-ID error when the call runs.
  return { type: 'unknown', arn: accountArn(region, 'unknown', id), facts: {} };
}

/** A creation's dependent ec2:CreateTags: the new resource, the request's tags, the creating action. */
export function tagOnCreate(
  operation: string,
  type: string,
  resource: string,
  tags: TagInput,
  facts: Facts,
): Candidate[] {
  if ((tags ?? []).length === 0) return [];
  return [
    {
      action: 'ec2:CreateTags',
      resourceType: type,
      resource,
      facts: { ...facts, ...requestTagFacts(tags), 'ec2:CreateAction': operation },
    },
  ];
}
