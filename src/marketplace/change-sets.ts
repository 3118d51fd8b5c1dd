import { createHash } from 'node:crypto';
import type { Catalog } from '../aws/clients.js';
import {
  changeSet,
  changeSetsNamed,
  isProductLocked,
  RUNNING,
  type ChangeSetView,
} from '../aws/marketplace.js';
import { describeError, MarketplaceError } from '../errors.js';
import type { Log } from '../log.js';
import type { MarketplaceSettings } from '../settings/marketplace.js';
import { defaultSleep } from '../util/retry.js';
import { expandFindings } from './findings.js';

/** ChangeSetName takes 1–100 characters (Marketplace Catalog API Reference, StartChangeSet). */
const MAX_CHANGE_SET_NAME = 100;
/** The longest last word of fedimg's names: 'validate' and 'restrict'. */
const LONGEST_ACTION = 'restrict'.length;

/**
 * The name of fedimg's change set for a compose and an architecture: `fedimg <compose ID> <arch>
 * <action>`, by which re-runs find it. A compose ID too long for the 100 characters keeps its start
 * and gains a hash of the whole, the same for every action (observe.ts turns an `apply` set's name
 * into its `restrict` set's).
 */
export function changeSetName(
  composeId: string,
  arch: string,
  action: 'apply' | 'validate' | 'restrict',
): string {
  const room = MAX_CHANGE_SET_NAME - `fedimg  ${arch} `.length - LONGEST_ACTION;
  const compose =
    composeId.length <= room
      ? composeId
      : `${composeId.slice(0, room - 9)}:${createHash('sha256').update(composeId).digest('hex').slice(0, 8)}`;
  return `fedimg ${compose} ${arch} ${action}`;
}

/** How long fedimg waits for its change sets, and how often it looks. */
export type Waiting = Pick<MarketplaceSettings, 'waitMs' | 'pollIntervalMs'> & { signal?: AbortSignal };

/**
 * A change set started under `name`: the one still running (waited for, never started twice), or a
 * new one. A token tells AWS a repeated start is the same request (two runs at once get one set);
 * it counts the sets of this name that already FAILED or were CANCELLED, so a re-run after fixing
 * the cause starts a new set instead of being handed the failed one back.
 */
export async function startOrFind(
  client: Catalog,
  product: string,
  name: string,
  identity: string,
  start: (token: string) => Promise<string>,
  waiting: Waiting,
  log: Log,
): Promise<{ id: string; running: boolean }> {
  const sets = await changeSetsNamed(client, product, name);
  const running = sets.find((set) => RUNNING.has(set.status));
  if (running) return { id: running.id, running: true };
  const ended = sets.filter((set) => set.status === 'FAILED' || set.status === 'CANCELLED').length;
  const token = createHash('sha256').update(`${identity}|attempt ${ended}`).digest('hex').slice(0, 32);
  const id = await untilUnlocked(() => start(token), product, waiting, log);
  return { id, running: false };
}

/** StartChangeSet, waiting out another change set that holds the product (ResourceInUseException). */
async function untilUnlocked(
  start: () => Promise<string>,
  product: string,
  waiting: Waiting,
  log: Log,
): Promise<string> {
  const deadline = Date.now() + waiting.waitMs;
  for (;;) {
    try {
      return await start();
    } catch (error) {
      if (!isProductLocked(error)) throw error;
      if (Date.now() >= deadline)
        throw new MarketplaceError(
          `Product ${product} stayed locked by another change set for the whole wait (${describeError(error)}).`,
          {
            hint: 'Let that change set finish (or cancel it in the AWS Marketplace Management Portal), then re-run.',
          },
        );
      log.info(`Product ${product} is locked by another change set; waiting (${describeError(error)}).`);
      waiting.signal?.throwIfAborted();
      await defaultSleep(Math.min(waiting.pollIntervalMs, Math.max(0, deadline - Date.now())));
    }
  }
}

/**
 * Looks at a change set until it ends or the wait is over: 'succeeded', or 'running' (it goes on
 * without fedimg; a later run observes it). FAILED and CANCELLED become an error listing AWS's
 * details, scan findings behind a URL included.
 */
export async function awaitChangeSet(
  client: Catalog,
  id: string,
  where: string,
  waiting: Waiting,
): Promise<'succeeded' | 'running'> {
  const deadline = Date.now() + waiting.waitMs;
  let interval = Math.min(250, waiting.pollIntervalMs);
  for (;;) {
    waiting.signal?.throwIfAborted();
    const view = await changeSet(client, id);
    if (view.status === 'SUCCEEDED') return 'succeeded';
    if (!RUNNING.has(view.status)) throw await changeSetFailure(view, where);
    if (Date.now() >= deadline) return 'running';
    await defaultSleep(Math.min(interval, Math.max(0, deadline - Date.now())));
    interval = Math.min(waiting.pollIntervalMs, interval * 2);
  }
}

/** A FAILED or CANCELLED change set as an error naming what AWS lists. */
export async function changeSetFailure(view: ChangeSetView, where: string): Promise<MarketplaceError> {
  const details = await expandFindings(view.errors);
  const listed = details.map((detail) => `${detail.code}: ${detail.message}`);
  return new MarketplaceError(
    `Change set ${view.id} of ${where} ended ${view.status}${view.failure ? ` (${view.failure})` : ''}${listed.length ? `:\n  ${listed.join('\n  ')}` : '.'}`,
    {
      hint:
        view.status === 'CANCELLED'
          ? 'Someone cancelled it; re-run the marketplace job to submit it again.'
          : 'Nothing was added. Fix what AWS lists (the access role, the AMI, a field), then re-run the marketplace job: it submits a new change set.',
    },
  );
}
