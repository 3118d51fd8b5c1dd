import { COMPOSE_KINDS, type ComposeKind } from '../compose/kind.js';
import { AwsClients, type Ec2 } from '../aws/clients.js';
import {
  addTags,
  deleteAmiWithSnapshots,
  type Ami,
  ownAmis,
  revokePublicLaunch,
  snapshotIds,
} from '../aws/images.js';
import { liveBootTestInstances, terminateInstance } from '../aws/instances.js';
import { resolveRegions } from '../aws/regions.js';
import { deleteSnapshot, fedimgSnapshots, revokePublicCreateVolume } from '../aws/snapshots.js';
import { isoTime, MANAGED_BY, TAG, tagValue } from '../aws/tags.js';
import { describeError } from '../errors.js';
import type { CleanupSettings, Settings } from '../settings/index.js';
import type { Log } from '../log.js';
import type { Table } from '../report/table.js';
import { defineStage } from './descriptor.js';

export interface CleanupAction {
  region: string;
  action: 'make-private' | 'delete-ami' | 'delete-snapshot' | 'terminate-instance';
  id: string;
  reason: string;
  done: boolean;
}

const HOUR = 3600_000;

/** One region's sweep: what it may touch, how it acts, and what it did. */
interface Sweep {
  region: string;
  ec2: Ec2;
  now: number;
  options: CleanupSettings;
  /** The compose kinds whose AMIs expire (the publish settings' policy). */
  expiringKinds: ComposeKind[];
  log: Log;
  /** Does the work unless this is a dry run, and records the action either way. */
  act(action: Omit<CleanupAction, 'region' | 'done'>, work: () => Promise<unknown>): Promise<void>;
}

/**
 * The lifecycle sweep across every enabled region: expired nightly AMIs are made private and tagged,
 * then deleted (with their snapshots) after a grace period; orphaned fedimg snapshots and stray
 * boot-test instances are removed. Only resources tagged ManagedBy=fedimg are considered.
 */
export async function runCleanup(
  settings: Settings,
  log: Log,
  deps: { clients?: AwsClients; now?: () => number } = {},
): Promise<CleanupAction[]> {
  const clients = deps.clients ?? new AwsClients({ concurrency: 4 });
  const now = deps.now?.() ?? Date.now();
  const options = settings.cleanup;
  try {
    const { regions } = await resolveRegions(clients.ec2(settings.baseRegion), ['all'], '', log, 'cleanup');
    const perRegion = await Promise.all(
      regions.map(async (region) => {
        const actions: CleanupAction[] = [];
        const sweep: Sweep = {
          region,
          ec2: clients.ec2(region),
          now,
          options,
          expiringKinds: settings.publish.expiringKinds,
          log,
          act: async (action, work) => {
            const entry: CleanupAction = { region, ...action, done: false };
            if (!options.dryRun) {
              try {
                await work();
                entry.done = true;
              } catch (error) {
                log.warning(
                  `${region}: could not ${action.action} ${action.id}: ${describeError(error)}`,
                  'fedimg cleanup',
                );
              }
            }
            log.info(
              `${region}: ${options.dryRun ? 'would ' : ''}${action.action} ${action.id} (${action.reason})`,
            );
            actions.push(entry);
          },
        };
        // Every AMI of the account, fedimg's or not: any of them may use a snapshot.
        const everyImage = await ownAmis(sweep.ec2);
        await expireAmis(sweep, everyImage);
        await removeOrphanSnapshots(sweep, everyImage);
        await terminateStrayInstances(sweep);
        return actions;
      }),
    );
    const actions = perRegion.flat();
    log.info(
      `Cleanup ${options.dryRun ? '(dry run) would take' : 'took'} ${actions.length} action(s) in ${regions.length} region(s).`,
    );
    return actions;
  } finally {
    if (!deps.clients) clients.destroy();
  }
}

/** Deprecated nightly AMIs become private and get the expired-at tag; a grace period later, they go. */
async function expireAmis(
  { region, ec2, now, options, expiringKinds, log, act }: Sweep,
  everyImage: Ami[],
): Promise<void> {
  // The kind tag is anyone's to write: only a known kind counts, and an AMI without one (made by an
  // older fedimg) is kept unless its compose type alone says it is not a release.
  const expiring = (image: Ami) => {
    const tagged = tagValue(image.Tags, TAG.composeKind);
    const type = tagValue(image.Tags, TAG.composeType);
    const kind = COMPOSE_KINDS.find((known) => known === (tagged ?? (type === 'production' ? 'ga' : type)));
    return kind !== undefined && expiringKinds.includes(kind);
  };
  const images = everyImage.filter((image) => tagValue(image.Tags, TAG.managedBy) === MANAGED_BY);
  // Tag values are anyone's to write: a time that is not strictly ISO 8601 decides nothing.
  const timeOf = (image: Ami, what: string, value: string | undefined) => {
    const time = isoTime(value);
    if (value !== undefined && !time) {
      log.warning(
        `${region}: ${image.ImageId} has ${what} "${value}", which is not an ISO 8601 time; leaving the AMI alone.`,
        'fedimg cleanup',
      );
    }
    return time;
  };
  for (const image of images) {
    if (!expiring(image) && !options.includeReleases) continue;
    const expiredTag = tagValue(image.Tags, TAG.expiredAt);
    if (expiredTag !== undefined) {
      const expiredAt = timeOf(image, `the tag ${TAG.expiredAt}`, expiredTag);
      if (expiredAt && now - expiredAt.getTime() >= options.deleteAfterDays * 24 * HOUR) {
        await act(
          { action: 'delete-ami', id: image.ImageId!, reason: `private since ${expiredAt.toISOString()}` },
          () => deleteAmiWithSnapshots(ec2, image.ImageId!),
        );
      }
      continue;
    }
    const deprecatedAt = timeOf(image, 'the deprecation time', image.DeprecationTime);
    if (deprecatedAt && deprecatedAt.getTime() <= now) {
      await act(
        {
          action: 'make-private',
          id: image.ImageId!,
          reason: `deprecated since ${deprecatedAt.toISOString()}`,
        },
        async () => {
          await revokePublicLaunch(ec2, image.ImageId!);
          for (const snapshotId of snapshotIds(image)) await revokePublicCreateVolume(ec2, snapshotId);
          await addTags(ec2, [image.ImageId!], [{ Key: TAG.expiredAt, Value: new Date(now).toISOString() }]);
        },
      );
    }
  }
}

/** fedimg snapshots that no AMI of the account uses, once old enough that no upload is still on. */
async function removeOrphanSnapshots({ ec2, now, options, act }: Sweep, everyImage: Ami[]): Promise<void> {
  const used = new Set(everyImage.flatMap((image) => snapshotIds(image)));
  for (const snapshot of await fedimgSnapshots(ec2)) {
    const age = now - (snapshot.StartTime?.getTime() ?? now);
    if (
      !used.has(snapshot.SnapshotId!) &&
      snapshot.State !== 'pending' &&
      age >= options.orphanAfterHours * HOUR
    ) {
      await act(
        {
          action: 'delete-snapshot',
          id: snapshot.SnapshotId!,
          reason: `no AMI uses it (${Math.round(age / HOUR)} h old)`,
        },
        () => deleteSnapshot(ec2, snapshot.SnapshotId!),
      );
    }
  }
}

/** Boot-test instances that outlived their run (a runner that died before its post step). */
async function terminateStrayInstances({ ec2, now, options, act }: Sweep): Promise<void> {
  for (const instance of await liveBootTestInstances(ec2)) {
    const age = now - (instance.LaunchTime?.getTime() ?? now);
    if (age >= options.instanceMaxHours * HOUR) {
      await act(
        {
          action: 'terminate-instance',
          id: instance.InstanceId!,
          reason: `boot-test instance ${Math.round(age / HOUR)} h old`,
        },
        () => terminateInstance(ec2, instance.InstanceId!),
      );
    }
  }
}

export function cleanupTable(actions: CleanupAction[], dryRun: boolean): Table {
  return {
    title: `fedimg cleanup${dryRun ? ' (dry run: nothing was changed)' : ''}`,
    header: ['Region', 'Action', 'Resource', 'Reason', 'Done'],
    rows: actions.map((action) => [
      action.region,
      action.action,
      action.id,
      action.reason,
      action.done ? 'yes' : 'no',
    ]),
    note: actions.length === 0 ? 'Nothing to clean up.' : undefined,
  };
}

export const cleanupStage = defineStage<CleanupAction[]>({
  name: 'cleanup',
  about: "the lifecycle sweep: expired nightlies, orphans, leftover instances (fedimg's own only)",
  compose: 'ignored',
  reads: ['baseRegion', 'cleanup', 'publish', 'eventsFile', 'notify'],
  inRun: false,
  run: runCleanup,
  table: (actions, settings) => cleanupTable(actions, settings.cleanup.dryRun),
  outputs: (actions) => ({ cleanup: JSON.stringify(actions) }),
});
