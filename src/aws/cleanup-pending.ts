import {
  CancelImportTaskCommand,
  DeleteSnapshotCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { describeError } from '../errors.js';
import type { Log } from '../log.js';
import type { AwsClients } from './clients.js';
import { pendingKey, type PendingResource } from './pending.js';

/** Removes what a main step left unfinished. Failures are warnings: clean-up never fails a job. */
export async function cleanupPending(
  items: PendingResource[],
  clients: AwsClients,
  log: Log,
): Promise<number> {
  let cleaned = 0;
  for (const item of items) {
    try {
      switch (item.kind) {
        case 'snapshot':
          await clients.ec2(item.region).send(new DeleteSnapshotCommand({ SnapshotId: item.id }));
          break;
        case 's3-object':
          await clients.s3(item.region).send(new DeleteObjectCommand({ Bucket: item.bucket, Key: item.key }));
          break;
        case 'import-task':
          await clients.ec2(item.region).send(new CancelImportTaskCommand({ ImportTaskId: item.id }));
          break;
        case 'instance':
          await clients.ec2(item.region).send(new TerminateInstancesCommand({ InstanceIds: [item.id] }));
          break;
      }
      cleaned++;
      log.info(`Removed unfinished ${pendingKey(item)}.`);
    } catch (error) {
      if (/NotFound|IncorrectState/.test((error as Error).name)) {
        cleaned++;
        continue;
      }
      log.warning(
        `Could not remove unfinished ${pendingKey(item)}: ${describeError(error)}. Remove it by hand or let the lifecycle cleanup find it (it is tagged ManagedBy=fedimg).`,
        'fedimg post',
      );
    }
  }
  return cleaned;
}
