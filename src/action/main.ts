import * as core from '@actions/core';
import { describeError, FedimgError } from '../errors.js';
import { runGuarded } from '../guard.js';
import { parseSettings, secretsOf, type InputName } from '../settings/index.js';
import { actionsLog } from '../log.js';
import { runPost } from './post.js';
import { writeSummaryTable } from '../report/summary.js';
import { STAGE_REGISTRY, warnOfUnreadInputs } from '../stages/index.js';
import { PendingResources } from '../aws/pending.js';

/** Cancellation (the runner sends SIGINT, then SIGTERM) aborts the stage so it can clean up itself. */
function cancellation(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => controller.abort(new Error(`cancelled (${signal})`)));
  }
  return controller.signal;
}

/** The action's main step: parse inputs once, run the chosen stage, publish outputs and summary. */
export async function runMain(signal: AbortSignal): Promise<void> {
  const settings = parseSettings((name: InputName) => core.getInput(name));
  for (const secret of secretsOf(settings)) actionsLog.secret(secret);
  warnOfUnreadInputs(settings, [settings.stage], actionsLog);
  // What the stage creates and has not finished yet, for the post step if this process dies.
  const pending = new PendingResources((items) => core.saveState('pending', JSON.stringify(items)));
  const stage = STAGE_REGISTRY[settings.stage];
  const setOutputs = (outputs: Record<string, string>) => {
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
  };
  setOutputs(stage.outputsBefore?.(settings) ?? {});
  // The summary is written before a failure is thrown: it shows what failed (console lines, regions).
  await stage.run(settings, actionsLog, {
    pending,
    signal,
    onResult: async (result) => {
      setOutputs(stage.outputs(result, settings));
      await writeSummaryTable(stage.table(result, settings));
    },
  });
}

function report(error: unknown): void {
  if (error instanceof FedimgError) {
    actionsLog.error(error.message, `fedimg ${error.area}`);
    // With the runner's debug logging: the wrapped error's stack (an SDK error's) when there is one.
    const origin = error.cause instanceof Error ? error.cause : error;
    if (origin.stack) actionsLog.debug(origin.stack);
  } else {
    actionsLog.error(
      `fedimg hit an unexpected failure: ${describeError(error)}. Re-run the job with debug logging for details, and report it if it happens again.`,
      'fedimg',
    );
    if (error instanceof Error && error.stack) actionsLog.debug(error.stack);
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
    await runGuarded(runMain, cancellation());
  } catch (error) {
    report(error);
  }
}
