import * as core from '@actions/core';
import { AwsClients } from './aws/clients.js';
import { cleanupPending } from './aws/cleanup-pending.js';
import type { PendingResource } from './aws/pending.js';
import type { Log } from './log.js';

/**
 * The post step runs after the job, also when it failed or was cancelled. The main step keeps in its
 * state what it created and has not finished; whatever is still listed is removed here. Problems here
 * are warnings only: the post step never fails a job.
 */
export async function runPost(log: Log): Promise<void> {
  try {
    const items = JSON.parse(core.getState('pending') || '[]') as PendingResource[];
    if (items.length === 0) {
      log.info('fedimg post: nothing was left unfinished.');
      return;
    }
    log.info(`fedimg post: the main step left ${items.length} unfinished resource(s); removing them.`);
    const clients = new AwsClients({ concurrency: 4, blockTimeoutMs: 20_000 });
    try {
      await cleanupPending(items, clients, log);
    } finally {
      clients.destroy();
    }
  } catch (error) {
    log.warning(`Clean-up failed: ${error instanceof Error ? error.message : String(error)}`, 'fedimg post');
  }
}
