import type { Catalog } from '../aws/clients.js';
import { productVersions, startRestrict } from '../aws/marketplace.js';
import type { Log } from '../log.js';
import type { MarketplaceSettings } from '../settings/marketplace.js';
import { awaitChangeSet, startOrFind, type Waiting } from './change-sets.js';

export const waitingOf = (options: MarketplaceSettings, signal?: AbortSignal): Waiting => ({
  waitMs: options.waitMs,
  pollIntervalMs: options.pollIntervalMs,
  signal,
});

/**
 * Restricts the delivery options of the versions older than `title` that are still open to new
 * buyers, once `title` is in the product: idempotent, so whichever run sees the version SUCCEEDED
 * does it (AWS: at least one version must stay available; the new one does).
 */
export async function restrictEarlier(
  client: Catalog,
  product: string,
  title: string,
  name: string,
  waiting: Waiting,
  log: Log,
): Promise<string> {
  const versions = await productVersions(client, product);
  const added = versions.find((version) => version.title === title);
  if (!added) return '';
  const earlier = versions.filter(
    (version) => version !== added && !(version.created && added.created && version.created > added.created),
  );
  const open = earlier
    .flatMap((version) => version.deliveryOptions)
    .filter((option) => option.visibility !== 'Restricted')
    .map((option) => option.id)
    .sort();
  if (open.length === 0) return '';
  const ids = open.slice(0, 1000); // one change set's worth; a later run takes the rest
  const { id } = await startOrFind(
    client,
    product,
    name,
    `${product}|${name}|${ids.join(',')}`,
    (token) => startRestrict(client, product, ids, name, token),
    waiting,
    log,
  );
  const outcome = await awaitChangeSet(client, id, `product ${product}`, waiting);
  const what = `${ids.length} earlier delivery option(s)`;
  log.info(`Product ${product}: ${outcome === 'succeeded' ? 'restricted' : 'restricting'} ${what} (${id}).`);
  return outcome === 'succeeded' ? `restricted ${what}` : `restricting ${what} in change set ${id}`;
}
