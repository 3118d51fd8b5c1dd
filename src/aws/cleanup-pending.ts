import {
  CancelImportTaskCommand,
  DeleteSnapshotCommand,
  DescribeImportSnapshotTasksCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  TerminateInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { describeError } from '../errors.js';
import type { Log } from '../log.js';
import type { AwsClients } from './clients.js';
import { isIncorrectState, isNotFound } from './errors.js';
import { pendingKey, type PendingResource } from './pending.js';
import { MANAGED_BY, TAG, tagValue } from './tags.js';

/** Whose a resource is, as AWS records it: 'gone', or its owner marks. */
type Owner = 'gone' | { managedBy: string | undefined; run: string | undefined; bootTest?: boolean };

function fromTags(tags: Tag[] | undefined): Exclude<Owner, 'gone'> {
  return { managedBy: tagValue(tags, TAG.managedBy), run: tagValue(tags, TAG.runUrl) };
}

async function ownerOf(item: PendingResource, clients: AwsClients): Promise<Owner> {
  try {
    switch (item.kind) {
      case 'snapshot': {
        const { Snapshots } = await clients
          .ec2(item.region)
          .send(new DescribeSnapshotsCommand({ SnapshotIds: [item.id], OwnerIds: ['self'] }));
        return Snapshots?.[0] ? fromTags(Snapshots[0].Tags) : 'gone';
      }
      case 'instance': {
        const { Reservations } = await clients
          .ec2(item.region)
          .send(new DescribeInstancesCommand({ InstanceIds: [item.id] }));
        const instance = Reservations?.[0]?.Instances?.[0];
        if (!instance || instance.State?.Name === 'terminated') return 'gone';
        return { ...fromTags(instance.Tags), bootTest: tagValue(instance.Tags, TAG.bootTest) !== undefined };
      }
      case 'import-task': {
        const { ImportSnapshotTasks } = await clients
          .ec2(item.region)
          .send(new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [item.id] }));
        const task = ImportSnapshotTasks?.[0];
        return task && task.SnapshotTaskDetail?.Status === 'active' ? fromTags(task.Tags) : 'gone';
      }
      case 's3-object': {
        const head = await clients
          .s3(item.region)
          .send(new HeadObjectCommand({ Bucket: item.bucket, Key: item.key }));
        return { managedBy: head.Metadata?.['managed-by'], run: head.Metadata?.['run-url'] };
      }
    }
  } catch (error) {
    if (isNotFound(error)) return 'gone';
    throw error;
  }
}

/** Why fedimg must leave a resource alone, or undefined when it is this run's own. */
function refusal(
  owner: Exclude<Owner, 'gone'>,
  item: PendingResource,
  run: string | undefined,
): string | undefined {
  if (owner.managedBy !== MANAGED_BY)
    return `it is not marked ManagedBy=${MANAGED_BY} (fedimg removes only what its own run created)`;
  if (item.kind === 'instance' && !owner.bootTest) return 'it is not a fedimg boot-test instance';
  if (!run) return 'this step cannot tell which run it belongs to (GITHUB_RUN_ID is not set)';
  if (owner.run !== run) return `it belongs to another run (${owner.run ?? 'unknown'}), not this one`;
  return undefined;
}

async function remove(item: PendingResource, clients: AwsClients): Promise<void> {
  switch (item.kind) {
    case 'snapshot':
      await clients.ec2(item.region).send(new DeleteSnapshotCommand({ SnapshotId: item.id }));
      return;
    case 's3-object':
      await clients.s3(item.region).send(new DeleteObjectCommand({ Bucket: item.bucket, Key: item.key }));
      return;
    case 'import-task':
      await clients.ec2(item.region).send(new CancelImportTaskCommand({ ImportTaskId: item.id }));
      return;
    case 'instance':
      await clients.ec2(item.region).send(new TerminateInstancesCommand({ InstanceIds: [item.id] }));
      return;
  }
}

/**
 * Removes what a main step left unfinished, after checking in AWS that each resource is fedimg's and
 * was created by this run (`run` is the run's URL, which fedimg writes on everything it creates):
 * the state names them, but the state is not proof. Failures are warnings: clean-up never fails a job.
 */
export async function cleanupPending(
  items: PendingResource[],
  clients: AwsClients,
  log: Log,
  run: string | undefined,
): Promise<number> {
  let cleaned = 0;
  for (const item of items) {
    const key = pendingKey(item);
    try {
      const owner = await ownerOf(item, clients);
      if (owner === 'gone') {
        cleaned++;
        log.info(`${key} is already gone.`);
        continue;
      }
      const why = refusal(owner, item, run);
      if (why) {
        log.warning(`${key} left alone: ${why}.`, 'fedimg post');
        continue;
      }
      await remove(item, clients);
      cleaned++;
      log.info(`Removed unfinished ${key}.`);
    } catch (error) {
      if (isNotFound(error) || isIncorrectState(error)) {
        cleaned++;
        continue;
      }
      log.warning(
        `Could not remove unfinished ${key}: ${describeError(error)}. Remove it by hand or let the lifecycle cleanup find it (it is tagged ManagedBy=fedimg).`,
        'fedimg post',
      );
    }
  }
  return cleaned;
}
