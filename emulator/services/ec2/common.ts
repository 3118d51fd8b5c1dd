/** What every EC2 resource module shares: the request's context, inputs, filters, lookups. */
import { AwsError, notFound } from '../../errors.js';
import {
  ACCOUNT_ID,
  globToRegExp,
  type AccountState,
  type Image,
  type Instance,
  type Permissions,
  type Snapshot,
  type Tags,
} from '../../state.js';

export interface Ec2Context {
  state: AccountState;
  region: string;
}

export type Input = Record<string, unknown>;

export type Output = Record<string, unknown>;

export type Filter = { Name?: string; Values?: string[] };

export type TagSpecification = { ResourceType?: string; Tags?: Array<{ Key?: string; Value?: string }> };

export const AMI_NAME = /^[A-Za-z0-9 ()[\]./\-'@_]{3,128}$/;

/**
 * A string parameter held to its documented length (EC2 API Reference: RegisterImage's and
 * CopyImage's Description at most 255 characters, CopyImage's ClientToken at most 128). The pages
 * do not say which error code an over-long value gets; InvalidParameterValue is EC2's for a value
 * it refuses.
 */
export function withinLength(name: string, value: unknown, max: number): void {
  if (value !== undefined && String(value).length > max)
    throw new AwsError(
      'InvalidParameterValue',
      `Value for parameter ${name} is invalid. Length exceeds maximum of ${max}.`,
    );
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? (value as string[]) : [];
}

export function tagsFrom(specifications: unknown, resourceType: string): Tags {
  const tags: Tags = new Map();
  for (const spec of (specifications as TagSpecification[] | undefined) ?? []) {
    if (spec.ResourceType && spec.ResourceType !== resourceType) continue;
    for (const tag of spec.Tags ?? []) if (tag.Key) tags.set(userTagKey(tag.Key), tag.Value ?? '');
  }
  return tags;
}

/**
 * A tag key a caller may set. EC2 User Guide, "Tag your Amazon EC2 resources", tag restrictions
 * (Using_Tags.html#tag-restrictions): the aws: prefix, in any case, is reserved for AWS's own tags
 * (CloudFormation's, for one) in keys and values. Only keys are refused here: the guide does not
 * say how EC2 answers either, and the answer users have reported is for keys (InvalidParameterValue,
 * "Tag keys starting with 'aws:' are reserved for internal use"); what EC2 does with such a value is
 * not documented, so values are accepted as they are.
 */
export function userTagKey(key: string): string {
  if (/^aws:/i.test(key)) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value ( ${key} ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use`,
    );
  }
  return key;
}

/** Describe-call filters: every filter must match one of its values (wildcards * and ?). */
export function matchesFilters(filters: unknown, values: (name: string) => string[] | undefined): boolean {
  for (const filter of (filters as Filter[] | undefined) ?? []) {
    const name = filter.Name ?? '';
    const actual = values(name);
    if (actual === undefined) throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
    const wanted = (filter.Values ?? []).map(globToRegExp);
    if (!actual.some((value) => wanted.some((pattern) => pattern.test(value)))) return false;
  }
  return true;
}

/**
 * An AMI's or a snapshot's tags and permissions (who may launch it, who may use it) as Describe calls
 * show them while a change propagates. EC2 Developer Guide, "Eventual consistency in the Amazon EC2
 * API": "the result of an API command you run that affects your Amazon EC2 resources might not be
 * immediately visible to all subsequent commands you run". Here a change shows only after the
 * account's consistency window (`durations.consistency`, none by default); until then Describe calls
 * show the tags or permissions as they were. The guide gives no duration, nor says which calls see a
 * change first: every read here waits. Tags given at creation come with the resource's ID.
 * Instances' tags show at once here: fedimg tags an instance only as it launches it.
 */
const propagating = new WeakMap<object, { shown: object; until: number }>();

/** `current` as Describe calls show it at `now`. */
export function shown<T extends object>(current: T, now: number): T {
  const change = propagating.get(current);
  return change && now < change.until ? (change.shown as T) : current;
}

/** Records that `current` is about to change: Describe calls show a copy of it as it is now, a while. */
export function changing<T extends object>(ctx: Ec2Context, current: T, copy: (value: T) => T): void {
  const ms = ctx.state.durations.consistency;
  if (ms <= 0) return;
  const now = ctx.state.now();
  propagating.set(current, { shown: copy(shown(current, now)), until: now + ms });
}

export function tagFilterValues(tags: Tags, name: string): string[] | undefined {
  if (name === 'tag-key') return [...tags.keys()];
  if (name === 'tag-value') return [...tags.values()];
  if (name.startsWith('tag:')) {
    const value = tags.get(name.slice(4));
    return value === undefined ? [] : [value];
  }
  return undefined;
}

export function isPublic(permissions: Permissions): boolean {
  return permissions.groups.has('all');
}

export function inRegion<T extends { region: string; visibleAt: number }>(
  ctx: Ec2Context,
  map: Map<string, T>,
): T[] {
  return [...map.values()].filter((item) => item.region === ctx.region && ctx.state.visible(item));
}

export function getImage(ctx: Ec2Context, id: unknown): Image {
  const image = ctx.state.images.get(String(id));
  if (!image || image.region !== ctx.region || !ctx.state.visible(image)) {
    throw notFound('InvalidAMIID.NotFound', String(id), 'image id');
  }
  return image;
}

export function getSnapshot(ctx: Ec2Context, id: unknown): Snapshot {
  const snapshot = ctx.state.snapshots.get(String(id));
  if (!snapshot || snapshot.region !== ctx.region || !ctx.state.visible(snapshot)) {
    throw notFound('InvalidSnapshot.NotFound', String(id), 'snapshot');
  }
  return snapshot;
}

export function getInstance(ctx: Ec2Context, id: unknown): Instance {
  const instance = ctx.state.instances.get(String(id));
  if (!instance || instance.region !== ctx.region || !ctx.state.visible(instance)) {
    throw notFound('InvalidInstanceID.NotFound', String(id), 'instance ID');
  }
  return instance;
}

/** A change to who may launch an AMI or use a snapshot (shown to Describe calls a while later). */
export function modifyPermissions(
  ctx: Ec2Context,
  permissions: Permissions,
  add: unknown,
  remove: unknown,
): void {
  changing(ctx, permissions, (value) => ({ groups: new Set(value.groups), users: new Set(value.users) }));
  for (const entry of (add as Array<{ Group?: string; UserId?: string }> | undefined) ?? []) {
    if (entry.Group) permissions.groups.add(entry.Group);
    if (entry.UserId) permissions.users.add(entry.UserId);
  }
  for (const entry of (remove as Array<{ Group?: string; UserId?: string }> | undefined) ?? []) {
    if (entry.Group) permissions.groups.delete(entry.Group);
    if (entry.UserId) permissions.users.delete(entry.UserId);
  }
}

export function permissionsOutput(permissions: Permissions): Output[] {
  return [
    ...[...permissions.groups].map((Group) => ({ Group })),
    ...[...permissions.users].map((UserId) => ({ UserId })),
  ];
}

/** One account owns everything here: an Owners list matches when it names it (or self). */
export function ownedBySelf(owners: string[]): boolean {
  return owners.length === 0 || owners.some((owner) => owner === 'self' || owner === ACCOUNT_ID);
}

/** The operations of one resource module, by their EC2 action names. */
export type Operations = Record<string, (ctx: Ec2Context, input: Input) => Output>;
