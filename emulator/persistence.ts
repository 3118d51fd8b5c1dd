import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Network } from './network.js';
import { IamState } from './services/iam/state.js';
import type { AccountState } from './state.js';

/**
 * The optional state file: everything the account holds, as JSON (block data base64), so a demo can
 * be stopped and resumed. Scheduled transitions are not saved; on load, whatever was in flight
 * finishes at once, as if the time had passed while the emulator was down.
 */
const PERSISTED = [
  'regions',
  'snapshots',
  'images',
  'instances',
  'importTasks',
  'buckets',
  'bootRules',
  'durations',
  'network',
  'iam',
] as const;

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value] };
  if (value instanceof Set) return { $set: [...value] };
  if (
    value &&
    typeof value === 'object' &&
    (value as { type?: string }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    return { $buf: Buffer.from((value as { data: number[] }).data).toString('base64') };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object') {
    const tagged = value as { $map?: Array<[unknown, unknown]>; $set?: unknown[]; $buf?: string };
    if (tagged.$map) return new Map(tagged.$map);
    if (tagged.$set) return new Set(tagged.$set);
    if (tagged.$buf !== undefined) return Buffer.from(tagged.$buf, 'base64');
  }
  return value;
}

export function saveState(state: AccountState, path: string): void {
  const snapshot = Object.fromEntries(PERSISTED.map((key) => [key, state[key]]));
  writeFileSync(`${path}.tmp`, JSON.stringify(snapshot, replacer));
  renameSync(`${path}.tmp`, path);
}

export function loadState(state: AccountState, path: string): void {
  const saved = JSON.parse(readFileSync(path, 'utf8'), reviver) as Partial<AccountState>;
  Object.assign(
    state,
    Object.fromEntries(PERSISTED.filter((key) => saved[key] !== undefined).map((key) => [key, saved[key]])),
  );
  // The network is saved as its maps; the class comes back around them.
  state.network = Object.assign(new Network(), state.network);
  state.iam = Object.assign(new IamState(), state.iam);
  for (const role of state.iam.roles.values()) role.created = new Date(role.created);
  for (const image of state.images.values()) {
    if (image.deprecationTime) image.deprecationTime = new Date(image.deprecationTime);
    if (image.state === 'pending') image.state = 'available';
  }
  for (const snapshot of state.snapshots.values())
    if (snapshot.state === 'pending' && !snapshot.open) snapshot.state = 'completed';
  for (const instance of state.instances.values()) {
    if (instance.state === 'pending') instance.state = 'running';
    if (instance.state === 'shutting-down') instance.state = 'terminated';
  }
  for (const task of state.importTasks.values()) {
    if (task.status === 'active' || task.status === 'deleting') {
      task.status = 'deleted';
      task.statusMessage = 'ServerError: the import was interrupted by an emulator restart';
    }
  }
  for (const bucket of state.buckets.values()) {
    for (const object of bucket.objects.values()) {
      object.lastModified = new Date(object.lastModified);
      object.metadata ??= {};
    }
    for (const upload of bucket.uploads.values()) {
      upload.initiated = new Date(upload.initiated);
      upload.metadata ??= {};
    }
  }
}
