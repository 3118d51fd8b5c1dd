import { actionsImageCache } from '../image/cache.js';
import { registerFlavours, type RegisteredAmi } from '../aws/register.js';
import { ensureSnapshot } from '../upload/index.js';
import type { PlannedImage } from '../compose/types.js';
import { describeError } from '../errors.js';
import type { Settings } from '../settings/index.js';
import type { Log } from '../log.js';
import { plannedNames } from './images.js';
import { openStage, type StageDeps } from './stage.js';
import type { Table } from '../report/table.js';
import { COMPOSE_STAGE_READS, defineStage, eventsFileOutput } from './descriptor.js';

export interface ImportedImage {
  image: PlannedImage;
  snapshotId: string;
  snapshotReused: boolean;
  amis: RegisteredAmi[];
}

export interface ImportResult {
  composeId: string;
  skipped: boolean;
  reason: string | undefined;
  imported: ImportedImage[];
  /** image name → flavour → {ami, snapshot, region}: the `amis` output. */
  amis: Record<string, Record<string, { ami: string; snapshot: string; region: string; name: string }>>;
}

/**
 * Streams each image into one snapshot in the base region and registers every flavour from it.
 * Re-running finds the snapshot and the AMIs of an earlier run and creates nothing new.
 */
export async function runImport(
  settings: Settings,
  log: Log,
  deps: StageDeps<ImportResult> = {},
): Promise<ImportResult> {
  const shape = {
    name: 'import',
    concurrency: settings.upload.concurrency,
    blockTimeoutMs: settings.upload.blockTimeoutMs,
    showNotes: true,
    skipped: (plan: { composeId: string; reason: string | undefined }): ImportResult => ({
      composeId: plan.composeId,
      skipped: true,
      reason: plan.reason,
      imported: [],
      amis: {},
    }),
  };
  return openStage(settings, log, deps, shape, async ({ plan, clients, pending, events }) => {
    plannedNames(plan, settings); // invalid names stop the run before any upload
    const imageCache = deps.imageCache ?? (settings.upload.imageCache ? actionsImageCache() : undefined);
    const region = settings.baseRegion;
    const imported: ImportedImage[] = [];
    for (const image of plan.images) {
      events.emit('image.upload', 'started', image, region, { vol_type: settings.flavours[0]?.volumeType });
      try {
        // Each phase in its own log group: the upload, then the registration of every flavour.
        const snapshot = await log.group(
          `Upload ${image.file} to ${region} (${settings.upload.method})`,
          () =>
            ensureSnapshot(image, {
              clients,
              region,
              log,
              pending,
              settings: settings.upload,
              policy: settings.policy,
              decoder: settings.decoder,
              signal: deps.signal,
              cache: imageCache,
            }),
        );
        const amis = await log.group(`Register ${settings.flavours.length} flavour(s) of ${image.file}`, () =>
          registerFlavours(
            image,
            { id: snapshot.snapshotId, volumeSize: snapshot.volumeSize },
            settings.flavours,
            {
              ec2: clients.ec2(region),
              region,
              log,
              nameTemplate: settings.nameTemplate,
              pollIntervalMs: settings.upload.pollIntervalMs,
              imageTimeoutMs: 30 * 60_000,
              signal: deps.signal,
            },
          ),
        );
        for (const ami of amis) {
          events.emit('image.upload', 'completed', image, region, {
            id: ami.imageId,
            vol_type: ami.volumeType,
            flavour: ami.flavour,
          });
        }
        imported.push({ image, snapshotId: snapshot.snapshotId, snapshotReused: snapshot.reused, amis });
      } catch (error) {
        events.emit('image.upload', 'failed', image, region, { error: describeError(error) });
        throw error;
      }
    }
    return {
      composeId: plan.composeId,
      skipped: false,
      reason: undefined,
      imported,
      amis: amisOutput(imported),
    };
  });
}

/** image name → flavour → {ami, snapshot, region, name}: the `amis` output. */
function amisOutput(imported: ImportedImage[]): ImportResult['amis'] {
  const amis: ImportResult['amis'] = {};
  for (const entry of imported) {
    amis[entry.image.name] = Object.fromEntries(
      entry.amis.map((ami) => [
        ami.flavour,
        { ami: ami.imageId, snapshot: ami.snapshotId, region: ami.region, name: ami.name },
      ]),
    );
  }
  return amis;
}

export function importTable(result: ImportResult, region: string): Table {
  return {
    title: `fedimg import — ${result.composeId || 'direct image'} into ${region}`,
    header: ['Image', 'Flavour', 'AMI', 'Name', 'Snapshot', 'Region', 'Status'],
    rows: result.imported.flatMap((entry) =>
      entry.amis.map((ami) => [
        entry.image.file,
        ami.flavour,
        ami.imageId,
        ami.name,
        ami.snapshotId,
        ami.region,
        ami.reused ? 'existing' : 'registered',
      ]),
    ),
    note: result.skipped ? `Nothing to do: ${result.reason}.` : undefined,
  };
}

export const importStage = defineStage<ImportResult>({
  name: 'import',
  about: 'stream each image into an EBS snapshot and register its AMI flavours',
  compose: 'required',
  reads: [...COMPOSE_STAGE_READS, 'upload', 'decoder'],
  inRun: true,
  run: runImport,
  table: (result, settings) => importTable(result, settings.baseRegion),
  outputsBefore: eventsFileOutput,
  outputs: (result) => ({
    amis: JSON.stringify(result.amis),
    'compose-id': result.composeId,
    skipped: String(result.skipped),
  }),
});
