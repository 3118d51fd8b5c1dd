import { AwsClients } from '../aws/clients.js';
import { PendingResources } from '../aws/pending.js';
import type { ComposePlan } from '../compose/types.js';
import type { ImageCache } from '../image/cache.js';
import type { Log } from '../log.js';
import { EventLog } from '../report/events.js';
import type { Settings } from '../settings/index.js';
import { resolveImages } from './images.js';

/** What a caller (the action, the CLI, a test) may hand a stage instead of letting it make its own. */
export interface StageDeps<Result = unknown> {
  clients?: AwsClients;
  pending?: PendingResources;
  events?: EventLog;
  signal?: AbortSignal;
  /** Where downloaded images are kept between jobs (default: the Actions cache when image-cache is on). */
  imageCache?: ImageCache;
  /** Sees the stage's result once, before a failure is thrown, so the job summary shows what failed. */
  onResult?: (result: Result) => Promise<void>;
}

/** Everything a compose stage works with once the shared preamble has run. */
export interface OpenStage<Result> {
  /** The compose's images (never a skipped plan: that ended the stage already). */
  plan: ComposePlan;
  clients: AwsClients;
  pending: PendingResources;
  events: EventLog;
  /** Hands the result to `onResult` now; call it before throwing for a failure the result shows. */
  report(result: Result): Promise<Result>;
}

export interface StageShape<Result> {
  /** The stage's name, as annotations are titled (`fedimg <name>`). */
  name: string;
  /** Concurrent requests per AWS client (default 4). */
  concurrency?: number;
  /** Per-attempt limit of a PutSnapshotBlock, for the stage that uploads (default: AWS's guidance). */
  blockTimeoutMs?: number;
  /** Log the compose's notes (images left out and why) as notices. */
  showNotes?: boolean;
  /** The result of a stage that had nothing to do (a DOOMED compose, an empty selection). */
  skipped(plan: ComposePlan): Result;
}

/**
 * The preamble and ending every compose stage shares: resolve the images, end early with a notice
 * when there is nothing to do, make the clients, the pending-resource record and the event log the
 * caller did not give, report the result once, and always flush events and close what it made.
 */
export async function openStage<Result>(
  settings: Settings,
  log: Log,
  deps: StageDeps<Result>,
  shape: StageShape<Result>,
  work: (stage: OpenStage<Result>) => Promise<Result>,
): Promise<Result> {
  const title = `fedimg ${shape.name}`;
  const plan = await resolveImages(settings);
  if (shape.showNotes) for (const note of plan.notes) log.notice(note, title);
  let reported = false;
  const report = async (result: Result): Promise<Result> => {
    if (!reported) {
      reported = true;
      await deps.onResult?.(result);
    }
    return result;
  };
  if (plan.skipped) {
    log.notice(`Nothing was done: ${plan.reason}.`, title);
    return report(shape.skipped(plan));
  }
  const clients =
    deps.clients ??
    new AwsClients({
      concurrency: shape.concurrency ?? 4,
      ...(shape.blockTimeoutMs === undefined ? {} : { blockTimeoutMs: shape.blockTimeoutMs }),
    });
  const pending = deps.pending ?? new PendingResources();
  const events = deps.events ?? new EventLog(settings.eventsFile, log, settings.notify);
  try {
    return await report(await work({ plan, clients, pending, events, report }));
  } finally {
    await events.flush();
    if (!deps.clients) clients.destroy();
  }
}
