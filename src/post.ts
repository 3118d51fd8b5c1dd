import type { Log } from './log.js';

/**
 * The post step runs after the job, also when it failed or was cancelled, to remove what a stage
 * created and left unfinished. The only stage so far, plan, creates nothing in AWS. Problems here
 * must only ever be warnings: the post step never fails a job.
 */
export async function runPost(log: Log): Promise<void> {
  log.info('fedimg post: nothing was left unfinished.');
}
