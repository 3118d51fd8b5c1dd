import { actionsImageCache, type ImageCache } from '../image/cache.js';
import { AwsClients } from '../aws/clients.js';
import { PendingResources } from '../aws/pending.js';
import { registerFlavours, type RegisteredAmi } from '../aws/register.js';
import { ensureSnapshot } from '../upload/index.js';
import type { PlannedImage } from '../compose/types.js';
import { describeError } from '../errors.js';
import type { Settings } from '../settings/index.js';
import type { Log } from '../log.js';
import { EventLog } from '../report/events.js';
import { plannedNames, resolveImages } from './images.js';

export interface StageDeps<Result = unknown> {
  clients?: AwsClients;
  pending?: PendingResources;
  events?: EventLog;
  signal?: AbortSignal;
  /** Where downloaded images are kept between jobs (default: the Actions cache when image-cache is on). */
  imageCache?: ImageCache;
  /** Sees the stage's result before a failure is thrown, so the job summary shows what failed. */
  onResult?: (result: Result) => Promise<void>;
}

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
export async function runImport(settings: Settings, log: Log, deps: StageDeps = {}): Promise<ImportResult> {
  const plan = await resolveImages(settings);
  for (const note of plan.notes) log.notice(note, 'fedimg import');
  if (plan.skipped) {
    log.notice(`Nothing was done: ${plan.reason}.`, 'fedimg import');
    return { composeId: plan.composeId, skipped: true, reason: plan.reason, imported: [], amis: {} };
  }
  plannedNames(plan, settings); // invalid names stop the run before any upload
  const clients =
    deps.clients ??
    new AwsClients({
      concurrency: settings.upload.concurrency,
      blockTimeoutMs: settings.upload.blockTimeoutMs,
    });
  const pending = deps.pending ?? new PendingResources();
  const imageCache = deps.imageCache ?? (settings.upload.imageCache ? actionsImageCache() : undefined);
  const events = deps.events ?? new EventLog(settings.eventsFile, log, settings.notify);
  const region = settings.baseRegion;
  const imported: ImportedImage[] = [];
  try {
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
  } finally {
    await events.flush();
    if (!deps.clients) clients.destroy();
  }
  const amis: ImportResult['amis'] = {};
  for (const entry of imported) {
    amis[entry.image.name] = Object.fromEntries(
      entry.amis.map((ami) => [
        ami.flavour,
        { ami: ami.imageId, snapshot: ami.snapshotId, region: ami.region, name: ami.name },
      ]),
    );
  }
  return { composeId: plan.composeId, skipped: false, reason: undefined, imported, amis };
}
