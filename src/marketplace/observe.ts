import { AwsClients } from '../aws/clients.js';
import { changeSet, changeSetsOf, RUNNING, type ChangeSetSummary } from '../aws/marketplace.js';
import { MarketplaceError } from '../errors.js';
import type { Log } from '../log.js';
import type { Settings } from '../settings/index.js';
import type { StageDeps } from '../stages/stage.js';
import { changeSetFailure } from './change-sets.js';
import { restrictEarlier, waitingOf } from './restrict.js';
import type { MarketplaceResult, MarketplaceRow } from './types.js';

/** How far back an observing run looks: change sets started in the last 14 days. */
const OBSERVED_DAYS = 14;
/** Ended change sets are reported once a day: those that ended in the last 26 hours. */
const RECENT_MS = 26 * 3600_000;

/**
 * With no compose: the state of fedimg's change sets of every configured product (the daily
 * lifecycle workflow runs this). Running ones are listed; the ones that ended since the day before
 * are reported, a SUCCEEDED one's earlier versions restricted when asked, and a FAILED or CANCELLED
 * one fails the run with AWS's details.
 */
export async function observe(
  settings: Settings,
  log: Log,
  deps: StageDeps<MarketplaceResult>,
): Promise<MarketplaceResult> {
  const options = settings.marketplace;
  const clients = deps.clients ?? new AwsClients({ concurrency: 1 });
  const client = clients.catalog();
  const waiting = waitingOf(options, deps.signal);
  const rows: MarketplaceRow[] = [];
  const failures: MarketplaceError[] = [];
  const since = new Date(Date.now() - OBSERVED_DAYS * 86_400_000).toISOString();
  try {
    for (const [arch, product] of Object.entries(options.products)) {
      const sets = (await changeSetsOf(client, product, [{ Name: 'AfterStartTime', ValueList: [since] }]))
        .filter((set) => /^fedimg \S+ \S+ apply$/.test(set.name))
        .sort((a, b) => (b.start ?? '').localeCompare(a.start ?? ''));
      const latest = new Map<string, ChangeSetSummary>();
      for (const set of sets) if (!latest.has(set.name)) latest.set(set.name, set);
      for (const set of latest.values()) {
        const row = { arch, product, amiId: '', version: '', changeSet: set.id, note: set.name };
        if (RUNNING.has(set.status)) {
          rows.push({ ...row, state: 'submitted' });
          continue;
        }
        if (!set.end || Date.parse(set.end) < Date.now() - RECENT_MS) continue;
        const view = await changeSet(client, set.id);
        const title = view.titles[0] ?? '';
        if (view.status === 'SUCCEEDED') {
          const restrictName = set.name.replace(/ apply$/, ' restrict');
          const note =
            options.restrictPrevious && !options.validateOnly
              ? await restrictEarlier(client, product, title, restrictName, waiting, log)
              : '';
          rows.push({ ...row, version: title, state: 'added', note });
        } else {
          failures.push(await changeSetFailure(view, `product ${product} (${arch})`));
          rows.push({ ...row, version: title, state: 'failed' });
        }
      }
    }
  } finally {
    if (!deps.clients) clients.destroy();
  }
  const result: MarketplaceResult = { composeId: '', skipped: false, rows };
  await deps.onResult?.(result);
  if (failures.length > 0)
    throw new MarketplaceError(failures.map((failure) => failure.message).join('\n'), {
      hint: failures[0]!.hint,
    });
  return result;
}
