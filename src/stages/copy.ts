import type { AwsClients } from '../aws/clients.js';
import { copyFailure, copyToRegion, Semaphore, type CopyOutcome, type CopySource } from '../aws/copy.js';
import { amiName } from '../aws/naming.js';
import { resolveRegions } from '../aws/regions.js';
import { fedimgAmisOf, imageVerdict } from '../aws/images.js';
import { CopyError, describeError } from '../errors.js';
import type { PlannedImage } from '../compose/types.js';
import type { Settings } from '../settings/index.js';
import type { Log } from '../log.js';
import type { EventLog } from '../report/events.js';
import { openStage, type StageDeps } from './stage.js';
import type { Table } from '../report/table.js';
import { COMPOSE_STAGE_READS, defineStage, eventsFileOutput } from './descriptor.js';

export interface CopyFailure {
  region: string;
  source: CopySource;
  error: string;
  bestEffort: boolean;
}

export interface CopyResult {
  composeId: string;
  skipped: boolean;
  reason: string | undefined;
  regions: string[];
  notEnabled: string[];
  copies: CopyOutcome[];
  failures: CopyFailure[];
}

/** The AMIs of every image and flavour in the base region; only boot-tested images go further. */
async function copySources(
  settings: Settings,
  clients: AwsClients,
  images: PlannedImage[],
): Promise<CopySource[]> {
  const region = settings.baseRegion;
  const ec2 = clients.ec2(region);
  const sources: CopySource[] = [];
  for (const image of images) {
    const amis = await fedimgAmisOf(ec2, image);
    const verdict = imageVerdict(amis);
    if (verdict !== 'passed') {
      throw new CopyError(
        `${image.file} has no AMI that passed its boot test in ${region}${verdict === 'failed' ? ' (one failed)' : ''}; nothing of it is copied.`,
        {
          hint: 'Run (or fix and re-run) the boot-test stage first.',
        },
      );
    }
    for (const [index, flavour] of settings.flavours.entries()) {
      const name = amiName(settings.nameTemplate, { image, flavour, isDefaultFlavour: index === 0, region });
      const ami = amis.find((candidate) => candidate.Name === name);
      if (!ami?.ImageId || ami.State !== 'available') {
        throw new CopyError(`AMI ${name} is not available in ${region}.`, {
          hint: 'Run the import stage for this compose first.',
        });
      }
      sources.push({
        image,
        flavour: flavour.name,
        imageId: ami.ImageId,
        name,
        kmsKeyId: flavour.kmsKeyId,
        tags: ami.Tags ?? [],
      });
    }
  }
  return sources;
}

/**
 * Copies every AMI of the compose into every destination region, all regions in parallel, at most 20
 * copies at once per region. A failure in a best-effort region is a warning; anywhere else it fails
 * the stage once every other copy has finished.
 */
export async function runCopy(
  settings: Settings,
  log: Log,
  deps: StageDeps<CopyResult> = {},
): Promise<CopyResult> {
  const shape = {
    name: 'copy',
    skipped: (plan: { composeId: string; reason: string | undefined }): CopyResult => ({
      composeId: plan.composeId,
      skipped: true,
      reason: plan.reason,
      regions: [],
      notEnabled: [],
      copies: [],
      failures: [],
    }),
  };
  return openStage(settings, log, deps, shape, async ({ plan, clients, events, report }) => {
    const base = settings.baseRegion;
    const choice = await resolveRegions(clients.ec2(base), settings.copy.regions, base, log, 'copy');
    const sources = await copySources(settings, clients, plan.images);
    const failures: CopyFailure[] = [];
    const copies: CopyOutcome[] = [];
    await log.group(`Copy ${sources.length} AMI(s) from ${base} to ${choice.regions.length} region(s)`, () =>
      Promise.all(
        choice.regions.map((region) =>
          copyIntoRegion(region, sources, {
            settings,
            log,
            clients,
            events,
            signal: deps.signal,
            copies,
            failures,
          }),
        ),
      ),
    );
    const result = await report({
      composeId: plan.composeId,
      skipped: false,
      reason: undefined,
      regions: choice.regions,
      notEnabled: choice.notEnabled,
      copies,
      failures,
    });
    const required = failures.filter((failure) => !failure.bestEffort);
    if (required.length > 0) {
      throw new CopyError(
        `${required.length} copy(ies) failed in required region(s) ${[...new Set(required.map((failure) => failure.region))].join(', ')}:\n${required.map((failure) => failure.error).join('\n')}`,
        {
          hint: 'Re-run the failed copy jobs; finished copies are reused. Regions that may fail go in best-effort-regions.',
        },
      );
    }
    return result;
  });
}

interface CopyRun {
  settings: Settings;
  log: Log;
  clients: AwsClients;
  events: EventLog;
  signal: AbortSignal | undefined;
  /** Where each copy's outcome is collected, over all regions. */
  copies: CopyOutcome[];
  failures: CopyFailure[];
}

/** Every source AMI into one region, at most 20 copies at once; a failure is recorded, not thrown. */
async function copyIntoRegion(region: string, sources: CopySource[], run: CopyRun): Promise<void> {
  const { settings, log, events } = run;
  const limit = new Semaphore(20);
  const ec2 = run.clients.ec2(region);
  await Promise.all(
    sources.map((source) =>
      limit.run(async () => {
        const about = { source_image_id: source.imageId, flavour: source.flavour };
        events.emit('image.copy', 'started', source.image, region, about);
        try {
          const outcome = await copyToRegion(
            source,
            region,
            ec2,
            settings.baseRegion,
            settings.copy,
            log,
            run.signal,
          );
          run.copies.push(outcome);
          events.emit('image.copy', 'completed', source.image, region, { id: outcome.imageId, ...about });
        } catch (error) {
          const failure = copyFailure(source, region, error);
          const bestEffort = settings.copy.bestEffortRegions.includes(region);
          run.failures.push({ region, source, error: failure.message, bestEffort });
          events.emit('image.copy', 'failed', source.image, region, {
            ...about,
            error: describeError(error),
          });
          if (bestEffort)
            log.warning(`${failure.message} (best-effort region: the run goes on)`, 'fedimg copy');
          else log.error(failure.message, 'fedimg copy');
        }
      }),
    ),
  );
}

export function copyTable(result: CopyResult, baseRegion: string): Table {
  const notes: string[] = [];
  if (result.skipped) notes.push(`Nothing to do: ${result.reason}.`);
  if (result.notEnabled.length > 0)
    notes.push(`Not enabled for the account, skipped: ${result.notEnabled.join(', ')}.`);
  for (const failure of result.failures)
    notes.push(`${failure.bestEffort ? 'Best-effort region, ignored' : 'FAILED'}: ${failure.error}`);
  return {
    title: `fedimg copy — ${result.composeId || 'direct image'} from ${baseRegion}`,
    header: ['Region', 'Image', 'Flavour', 'AMI', 'Source AMI', 'Status'],
    rows: [...result.copies]
      .sort((a, b) => a.region.localeCompare(b.region) || a.source.name.localeCompare(b.source.name))
      .map((copy) => [
        copy.region,
        copy.source.image.file,
        copy.source.flavour,
        copy.imageId,
        copy.source.imageId,
        copy.reused ? 'existing' : 'copied',
      ]),
    note: notes.length > 0 ? notes.join('\n') : undefined,
  };
}

/** region → image name → flavour → AMI, the `copies` output. */
export function copiesOutput(result: CopyResult): Record<string, Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, Record<string, string>>> = {};
  for (const copy of result.copies) {
    ((out[copy.region] ??= {})[copy.source.image.name] ??= {})[copy.source.flavour] = copy.imageId;
  }
  return out;
}

export const copyStage = defineStage<CopyResult>({
  name: 'copy',
  about: 'copy the boot-tested AMIs to every enabled region in parallel',
  compose: 'required',
  reads: [...COMPOSE_STAGE_READS, 'copy'],
  inRun: true,
  run: runCopy,
  table: (result, settings) => copyTable(result, settings.baseRegion),
  outputsBefore: eventsFileOutput,
  outputs: (result) => ({ copies: JSON.stringify(copiesOutput(result)), skipped: String(result.skipped) }),
});
