import * as core from '@actions/core';
import { FedimgError } from './errors.js';
import { runGuarded } from './guard.js';
import { parseSettings, secretsOf, type InputName } from './settings/index.js';
import { actionsLog } from './log.js';
import { runPost } from './post.js';
import { planTable } from './report/plan-summary.js';
import { writeSummaryTable } from './report/summary.js';
import { runPlan } from './stages/plan.js';
import { resolve } from 'node:path';
import { PendingResources } from './aws/pending.js';
import { importTable } from './report/import-summary.js';
import { runImport } from './stages/import.js';
import { bootTestTable } from './report/boot-test-summary.js';
import { runBootTest } from './stages/boot-test.js';
import { copiesOutput, copyTable } from './report/copy-summary.js';
import { runCopy } from './stages/copy.js';
import { publishTable, verifyTable } from './report/publish-summary.js';
import { runPublish } from './stages/publish.js';
import { runVerify } from './stages/verify.js';
import { runCleanup } from './stages/cleanup.js';
import { cleanupTable } from './report/cleanup-summary.js';
import { releaseTable } from './report/release-summary.js';
import { runRelease } from './stages/release.js';

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
  // What the stage creates and has not finished yet, for the post step if this process dies.
  const pending = new PendingResources((items) => core.saveState('pending', JSON.stringify(items)));
  switch (settings.stage) {
    case 'plan': {
      const { plan, matrix, regions } = await runPlan(settings, actionsLog);
      core.setOutput('images', JSON.stringify(matrix));
      if (regions) core.setOutput('regions', JSON.stringify({ region: regions }));
      core.setOutput('image-count', String(plan.images.length));
      core.setOutput('compose-id', plan.composeId);
      core.setOutput('status', plan.status);
      core.setOutput('skipped', String(plan.skipped));
      await writeSummaryTable(planTable(plan));
      break;
    }
    case 'import': {
      const result = await runImport(settings, actionsLog, { pending, signal });
      core.setOutput('amis', JSON.stringify(result.amis));
      core.setOutput('compose-id', result.composeId);
      core.setOutput('skipped', String(result.skipped));
      core.setOutput('events-file', resolve(settings.eventsFile));
      await writeSummaryTable(importTable(result, settings.baseRegion));
      break;
    }
    case 'boot-test': {
      core.setOutput('events-file', resolve(settings.eventsFile));
      // The summary is written before a failure is thrown: it carries the failing console lines.
      await runBootTest(settings, actionsLog, {
        pending,
        signal,
        onResult: async (result) => {
          const verdicts = result.records.map((record) => ({
            image: record.image.name,
            ami: record.imageId,
            passed: record.alreadyPassed || Boolean(record.outcome?.passed),
          }));
          core.setOutput('boot-test', JSON.stringify(verdicts));
          core.setOutput('skipped', String(result.skipped));
          await writeSummaryTable(bootTestTable(result, settings.baseRegion));
        },
      });
      break;
    }
    case 'copy': {
      core.setOutput('events-file', resolve(settings.eventsFile));
      await runCopy(settings, actionsLog, {
        signal,
        onResult: async (result) => {
          core.setOutput('copies', JSON.stringify(copiesOutput(result)));
          core.setOutput('skipped', String(result.skipped));
          await writeSummaryTable(copyTable(result, settings.baseRegion));
        },
      });
      break;
    }
    case 'publish': {
      const result = await runPublish(settings, actionsLog, { signal });
      core.setOutput(
        'published',
        JSON.stringify(
          result.published.map((entry) => ({
            region: entry.region,
            ami: entry.imageId,
            name: entry.ami.name,
            public: entry.public,
            deprecate_at: entry.deprecateAt,
          })),
        ),
      );
      core.setOutput('skipped', String(result.skipped));
      core.setOutput('events-file', resolve(settings.eventsFile));
      await writeSummaryTable(publishTable(result));
      break;
    }
    case 'cleanup': {
      const actions = await runCleanup(settings, actionsLog);
      core.setOutput('cleanup', JSON.stringify(actions));
      await writeSummaryTable(cleanupTable(actions, settings.cleanup.dryRun));
      break;
    }
    case 'verify': {
      const result = await runVerify(settings, actionsLog);
      core.setOutput('manifest-file', resolve(settings.manifestFile));
      await writeSummaryTable(verifyTable(result));
      break;
    }
    case 'release': {
      const result = await runRelease(settings.release, actionsLog);
      core.setOutput('release-url', result.url);
      await writeSummaryTable(releaseTable(result));
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
    await runGuarded(runMain, cancellation());
  } catch (error) {
    report(error);
  }
}
