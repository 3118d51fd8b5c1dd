import * as core from '@actions/core';
import { AwsClients } from '../aws/clients.js';
import { cleanupPending } from '../aws/cleanup-pending.js';
import { parsePendingState } from '../aws/pending.js';
import { runUrl } from '../aws/tags.js';
import type { Log } from '../log.js';
import { stageNamed } from '../stages/index.js';

/**
 * The post step runs after the job, also when it failed or was cancelled. The main step of a stage
 * that creates resources keeps in its state what it has not finished; whatever is still listed, and
 * AWS confirms is this run's own, is removed here. Problems here are warnings only: the post step
 * never fails a job.
 */
export async function runPost(log: Log): Promise<void> {
  try {
    const stage = stageNamed(core.getInput('stage') || 'plan');
    if (!stage?.leavesPending) {
      log.info(`fedimg post: the ${stage?.name ?? 'given'} stage leaves nothing unfinished.`);
      return;
    }
    const state = parsePendingState(core.getState('pending'));
    if ('problem' in state) {
      log.warning(
        `The saved state "pending" is not what fedimg writes (${state.problem}); nothing was removed.`,
        'fedimg post',
      );
      return;
    }
    if (state.items.length === 0) {
      log.info('fedimg post: nothing was left unfinished.');
      return;
    }
    log.info(`fedimg post: the main step left ${state.items.length} unfinished resource(s); removing them.`);
    const clients = new AwsClients({ concurrency: 4 });
    try {
      await cleanupPending(state.items, clients, log, runUrl());
    } finally {
      clients.destroy();
    }
  } catch (error) {
    log.warning(`Clean-up failed: ${error instanceof Error ? error.message : String(error)}`, 'fedimg post');
  }
}
