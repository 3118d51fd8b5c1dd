import type { ComposePlan, PlannedImage } from '../compose/types.js';
import type { PublishSettings, Settings } from '../settings/index.js';
import type { Log } from '../log.js';
import { AwsClients } from '../aws/clients.js';
import { isMissingCredentials } from '../aws/errors.js';
import { resolveRegions } from '../aws/regions.js';
import { defaultAmiName, plannedNames, resolveImages } from './images.js';
import { composeKind } from '../compose/kind.js';
import type { Table } from '../report/table.js';
import { COMPOSE_STAGE_READS, defineStage } from './descriptor.js';

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
    const clients = new AwsClients({ concurrency: 1 });
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

/** What happens to the image's AMIs over time, under the expiry policy. */
export function expiryOf(image: PlannedImage, policy: PublishSettings): string {
  const kind = composeKind(image);
  if (policy.expiringKinds.includes(kind))
    return `${kind}: deprecated after ${policy.deprecationDays} days, then removed by cleanup`;
  return policy.releaseDeprecationDays
    ? `${kind}: kept, deprecated after ${policy.releaseDeprecationDays} days`
    : `${kind}: kept`;
}

/** The plan as a table; rendered into the job summary by the action and as text by the CLI. */
export function planTable(plan: ComposePlan, policy: PublishSettings): Table {
  return {
    title: `fedimg plan — ${plan.composeId || 'direct image'} (${plan.status})`,
    header: ['Image', 'AMI name', 'Expiry', 'Arch', 'EC2 arch', 'Subvariant', 'Size (bytes)', 'sha256'],
    rows: plan.images.map((image) => [
      image.file,
      image.ami_name ?? '',
      expiryOf(image, policy),
      image.arch,
      image.ec2_arch,
      image.subvariant,
      String(image.size),
      image.sha256,
    ]),
    note: plan.skipped
      ? `Nothing to do: ${plan.reason}.`
      : plan.images.length === 0
        ? 'Nothing to publish: no image of this compose matches the selection (subvariants, architectures).'
        : undefined,
  };
}

export const planStage = defineStage<PlanResult>({
  name: 'plan',
  about: "read the compose's metadata and pick the images (uploads nothing)",
  compose: 'required',
  reads: [...COMPOSE_STAGE_READS, 'copy', 'publish', 'upload'],
  inRun: true,
  run: (settings, log) => runPlan(settings, log),
  table: (result, settings) => planTable(result.plan, settings.publish),
  outputs: ({ plan, matrix, regions }) => ({
    images: JSON.stringify(matrix),
    ...(regions ? { regions: JSON.stringify({ region: regions }) } : {}),
    'image-count': String(plan.images.length),
    'compose-id': plan.composeId,
    status: plan.status,
    skipped: String(plan.skipped),
  }),
});
