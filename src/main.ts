import * as core from '@actions/core';
import { FedimgError } from './errors.js';
import { parseSettings, type InputName } from './inputs.js';
import { actionsLog } from './log.js';
import { runPost } from './post.js';
import { planTable } from './report/plan-summary.js';
import { writeSummaryTable } from './report/summary.js';
import { runPlan } from './stages/plan.js';

/** The action's main step: parse inputs once, run the chosen stage, publish outputs and summary. */
export async function runMain(): Promise<void> {
  const settings = parseSettings((name: InputName) => core.getInput(name));
  switch (settings.stage) {
    case 'plan': {
      const { plan, matrix } = await runPlan(settings, actionsLog);
      core.setOutput('images', JSON.stringify(matrix));
      core.setOutput('image-count', String(plan.images.length));
      core.setOutput('compose-id', plan.composeId);
      core.setOutput('status', plan.status);
      core.setOutput('skipped', String(plan.skipped));
      await writeSummaryTable(planTable(plan));
      break;
    }
  }
}

function report(error: unknown): void {
  if (error instanceof FedimgError) {
    actionsLog.error(error.message, `fedimg ${error.area}`);
  } else {
    actionsLog.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'fedimg');
  }
  process.exitCode = core.ExitCode.Failure;
}

/**
 * One bundle serves both `runs.main` and `runs.post`: the main step leaves a marker in the step
 * state, which the runner hands back to the post step as STATE_isPost.
 */
export async function entry(): Promise<void> {
  if (core.getState('isPost') === 'true') {
    await runPost(actionsLog);
    return;
  }
  core.saveState('isPost', 'true');
  try {
    await runMain();
  } catch (error) {
    report(error);
  }
}
