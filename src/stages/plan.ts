import { discover } from '../compose/discover.js';
import type { ComposePlan, PlannedImage } from '../compose/types.js';
import type { Settings } from '../inputs.js';
import type { Log } from '../log.js';

export interface PlanResult {
  plan: ComposePlan;
  /** Ready for `strategy.matrix`: one entry per image. */
  matrix: { include: PlannedImage[] };
}

/** Reads the compose metadata and decides which images this run publishes. Uploads nothing. */
export async function runPlan(settings: Settings, log: Log): Promise<PlanResult> {
  const { request } = settings;
  const plan = await log.group(
    `Plan: ${request.kind === 'compose' ? request.location : request.url}`,
    async () => {
      const plan = await discover(request, { policy: settings.policy, selection: settings.selection });
      for (const note of plan.notes) log.notice(note, 'fedimg plan');
      for (const image of plan.images) {
        log.info(`${image.arch}: ${image.file} (${image.size} bytes, sha256 ${image.sha256})`);
      }
      return plan;
    },
  );
  if (plan.skipped) {
    log.notice(`Nothing was done: ${plan.reason}.`, 'fedimg plan');
  } else {
    log.info(`Compose ${plan.composeId || '(direct image)'}: ${plan.images.length} image(s) to publish.`);
  }
  return { plan, matrix: { include: plan.images } };
}
