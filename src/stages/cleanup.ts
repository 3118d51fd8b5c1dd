import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { BOOT_TEST_TAG } from '../aws/boot-test.js';
import { AwsClients } from '../aws/clients.js';
import { snapshotIds } from '../aws/published-amis.js';
import { resolveRegions } from '../aws/regions.js';
import { isoTime, MANAGED_BY, TAG, tagValue } from '../aws/tags.js';
import { describeError } from '../errors.js';
import type { Settings } from '../settings/index.js';
import type { Log } from '../log.js';

export interface CleanupAction {
  region: string;
  action: 'make-private' | 'delete-ami' | 'delete-snapshot' | 'terminate-instance';
  id: string;
  reason: string;
  done: boolean;
}

const EXPIRED_TAG = 'fedimg:expired-at';
const HOUR = 3600_000;

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
  const clients =
    deps.clients ?? new AwsClients({ concurrency: 4, blockTimeoutMs: settings.upload.blockTimeoutMs });
  const now = deps.now?.() ?? Date.now();
  const options = settings.cleanup;
  const managed = [{ Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] }];
  try {
    const { regions } = await resolveRegions(clients.ec2(settings.baseRegion), ['all'], '', log);
    const perRegion = await Promise.all(
      regions.map(async (region) => {
        const ec2 = clients.ec2(region);
        const actions: CleanupAction[] = [];
        const act = async (action: Omit<CleanupAction, 'region' | 'done'>, work: () => Promise<unknown>) => {
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
        };

        // Every AMI of the account, fedimg's or not: any of them may use a snapshot.
        const { Images: everyImage = [] } = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
        const Images = everyImage.filter((image) => tagValue(image.Tags, TAG.managedBy) === MANAGED_BY);
        // Tag values are anyone's to write: a time that is not strictly ISO 8601 decides nothing.
        const timeOf = (image: (typeof Images)[number], what: string, value: string | undefined) => {
          const time = isoTime(value);
          if (value !== undefined && !time) {
            log.warning(
              `${region}: ${image.ImageId} has ${what} "${value}", which is not an ISO 8601 time; leaving the AMI alone.`,
              'fedimg cleanup',
            );
          }
          return time;
        };
        for (const image of Images) {
          const release = tagValue(image.Tags, TAG.composeType) === 'production';
          if (release && !options.includeReleases) continue;
          const expiredTag = tagValue(image.Tags, EXPIRED_TAG);
          if (expiredTag !== undefined) {
            const expiredAt = timeOf(image, `the tag ${EXPIRED_TAG}`, expiredTag);
            if (expiredAt && now - expiredAt.getTime() >= options.deleteAfterDays * 24 * HOUR) {
              await act(
                {
                  action: 'delete-ami',
                  id: image.ImageId!,
                  reason: `private since ${expiredAt.toISOString()}`,
                },
                () =>
                  ec2.send(
                    new DeregisterImageCommand({ ImageId: image.ImageId, DeleteAssociatedSnapshots: true }),
                  ),
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
                await ec2.send(
                  new ModifyImageAttributeCommand({
                    ImageId: image.ImageId,
                    LaunchPermission: { Remove: [{ Group: 'all' }] },
                  }),
                );
                for (const snapshotId of snapshotIds(image)) {
                  await ec2.send(
                    new ModifySnapshotAttributeCommand({
                      SnapshotId: snapshotId,
                      CreateVolumePermission: { Remove: [{ Group: 'all' }] },
                    }),
                  );
                }
                await ec2.send(
                  new CreateTagsCommand({
                    Resources: [image.ImageId!],
                    Tags: [{ Key: EXPIRED_TAG, Value: new Date(now).toISOString() }],
                  }),
                );
              },
            );
          }
        }

        const used = new Set(everyImage.flatMap((image) => snapshotIds(image)));
        const { Snapshots = [] } = await ec2.send(
          new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: managed }),
        );
        for (const snapshot of Snapshots) {
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
              () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshot.SnapshotId })),
            );
          }
        }

        const { Reservations = [] } = await ec2.send(
          new DescribeInstancesCommand({
            Filters: [
              ...managed,
              { Name: 'tag-key', Values: [BOOT_TEST_TAG] },
              { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
            ],
          }),
        );
        for (const instance of Reservations.flatMap((reservation) => reservation.Instances ?? [])) {
          const age = now - (instance.LaunchTime?.getTime() ?? now);
          if (age >= options.instanceMaxHours * HOUR) {
            await act(
              {
                action: 'terminate-instance',
                id: instance.InstanceId!,
                reason: `boot-test instance ${Math.round(age / HOUR)} h old`,
              },
              () => ec2.send(new TerminateInstancesCommand({ InstanceIds: [instance.InstanceId!] })),
            );
          }
        }
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
