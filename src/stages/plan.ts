import type { ComposePlan, PlannedImage } from '../compose/types.js';
import type { Settings } from '../settings/index.js';
import type { Log } from '../log.js';
import { AwsClients } from '../aws/clients.js';
import { isMissingCredentials } from '../aws/errors.js';
import { resolveRegions } from '../aws/regions.js';
import { defaultAmiName, plannedNames, resolveImages } from './images.js';

export interface PlanResult {
  plan: ComposePlan;
  /** Ready for `strategy.matrix`: one entry per image. */
  matrix: { include: PlannedImage[] };
  /** The AMI names the images will get (validated). */
  names: string[];
  /** Destination regions checked against the account (undefined: `all` without AWS credentials). */
  regions: string[] | undefined;
}

/** Reads the compose metadata and decides which images this run publishes. Uploads nothing. */
export async function runPlan(settings: Settings, log: Log): Promise<PlanResult> {
  const { images } = settings;
  const where =
    images.kind === 'planned'
      ? `the plan's ${images.images.length} image(s)`
      : images.kind === 'none'
        ? '(no compose)'
        : images.request.kind === 'compose'
          ? images.request.location
          : images.request.url;
  const plan = await log.group(`Plan: ${where}`, async () => {
    const plan = await resolveImages(settings);
    for (const note of plan.notes) log.notice(note, 'fedimg plan');
    for (const image of plan.images) {
      log.info(`${image.arch}: ${image.file} (${image.size} bytes, sha256 ${image.sha256})`);
    }
    return plan;
  });
  // Names are checked now, before any upload: a template that yields an invalid name stops here.
  const names = plannedNames(plan, settings);
  // Regions are resolved now too, so the workflow can fan copies out from the plan and unknown
  // names fail before anything is uploaded. `all` needs AWS only to be expanded: without credentials
  // the plan still works and the copy stage expands it.
  let regions: string[] | undefined;
  if (!plan.skipped) {
    const clients = new AwsClients({ concurrency: 1, blockTimeoutMs: settings.upload.blockTimeoutMs });
    try {
      regions = (
        await resolveRegions(
          clients.ec2(settings.baseRegion),
          settings.copy.regions,
          settings.baseRegion,
          log,
          'plan',
        )
      ).regions;
    } catch (error) {
      const noCredentials = isMissingCredentials(error);
      if (!(noCredentials && settings.copy.regions.includes('all'))) throw error;
      log.notice('No AWS credentials: regions "all" is left for the copy stage to expand.', 'fedimg plan');
    } finally {
      clients.destroy();
    }
  }
  const include = plan.images.map((image) => ({ ...image, ami_name: defaultAmiName(image, settings) }));
  if (plan.skipped) {
    log.notice(`Nothing was done: ${plan.reason}.`, 'fedimg plan');
  } else if (plan.images.length === 0) {
    log.notice(
      `Compose ${plan.composeId || '(direct image)'} has nothing to publish: no image matches the selection.`,
      'fedimg plan',
    );
  } else {
    log.info(
      `Compose ${plan.composeId || '(direct image)'}: ${plan.images.length} image(s) to publish as ${names.join(', ')}.`,
    );
  }
  return { plan: { ...plan, images: include }, matrix: { include }, names, regions };
}
