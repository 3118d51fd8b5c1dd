import * as core from '@actions/core';
import { AwsClients } from '../aws/clients.js';
import { cleanupPending } from '../aws/cleanup-pending.js';
import { parsePendingState } from '../aws/pending.js';
import { runUrl } from '../aws/tags.js';
import type { Log } from '../log.js';
import { NOTHING_LEFT, triagePost } from './post-triage.js';

/**
 * The post step runs after the job, also when it failed or was cancelled. The main step of a stage
 * that creates resources keeps in its state what it has not finished; whatever is still listed, and
 * AWS confirms is this run's own, is removed here. Problems here are warnings only: the post step
 * never fails a job.
 */
export async function runPost(log: Log): Promise<void> {
  try {
    const text = core.getState('pending');
    const triage = triagePost(core.getInput('stage'), text);
    if (triage !== 'read-state') {
      log.info(triage.nothingToDo);
      return;
    }
    const state = parsePendingState(text);
    if ('problem' in state) {
      log.warning(
        `The saved state "pending" is not what fedimg writes (${state.problem}); nothing was removed.`,
        'fedimg post',
      );
      return;
    }
    if (state.items.length === 0) {
      log.info(NOTHING_LEFT);
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
