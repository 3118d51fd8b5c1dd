import { createHash } from 'node:crypto';
import type { Catalog } from '../aws/clients.js';
import { composeKind } from '../compose/kind.js';
import type { PlannedImage } from '../compose/types.js';
import { expectedAmis, imageVerdict } from '../aws/images.js';
import {
  changeSet,
  changeSetsNamed,
  isProductLocked,
  productVersions,
  startAddVersion,
  startRestrict,
  type ChangeSetView,
} from '../aws/marketplace.js';
import { describeError, MarketplaceError } from '../errors.js';
import type { Log } from '../log.js';
import type { MarketplaceSettings, Settings } from '../settings/index.js';
import { recordMarketplace } from '../report/manifest.js';
import { poll } from '../util/poll.js';
import { openStage, type StageDeps } from './stage.js';

/** Where AWS Marketplace ingests AMIs from. */
export const MARKETPLACE_REGION = 'us-east-1';

export interface MarketplaceRow {
  arch: string;
  product: string;
  amiId: string;
  version: string;
  changeSet: string;
  /** added, validated, already there, skipped (and why, in note). */
  state: 'added' | 'validated' | 'already-there' | 'skipped';
  note: string;
}

export interface MarketplaceResult {
  composeId: string;
  skipped: boolean;
  rows: MarketplaceRow[];
}

const ACTIVE = new Set(['PREPARING', 'APPLYING']);

function fill(template: string, image: PlannedImage): string {
  return template
    .replaceAll('{release}', image.release)
    .replaceAll('{compose_id}', image.compose_id)
    .replaceAll('{arch}', image.arch)
    .replaceAll('{label}', image.label);
}

/** Why a compose gets no Marketplace version, or undefined when it does. */
function notForMarketplace(image: PlannedImage, options: MarketplaceSettings): string | undefined {
  const kind = composeKind(image);
  if (kind === 'ga' || (kind === 'beta' && options.includeBeta)) return undefined;
  return kind === 'beta'
    ? 'a Beta compose (set marketplace-include-beta to publish Betas)'
    : `a ${kind} compose, not a release`;
}

/** Waits until a change set ends; FAILED and CANCELLED become an error that lists AWS's details. */
async function settled(
  client: Catalog,
  id: string,
  options: MarketplaceSettings,
  where: string,
  signal: AbortSignal | undefined,
): Promise<ChangeSetView> {
  const view = await poll(
    `change set ${id} of ${where}`,
    async () => {
      const current = await changeSet(client, id);
      return ACTIVE.has(current.status) ? undefined : current;
    },
    { timeoutMs: options.timeoutMs, intervalMs: options.pollIntervalMs, signal },
  );
  if (view.status === 'SUCCEEDED') return view;
  throw new MarketplaceError(
    `Change set ${id} of ${where} ended ${view.status}${view.failure ? ` (${view.failure})` : ''}${view.errors.length ? `:\n  ${view.errors.join('\n  ')}` : '.'}`,
    {
      hint:
        view.status === 'CANCELLED'
          ? 'Someone cancelled it; re-run the marketplace job.'
          : 'Fix what AWS lists (the AMI must be public in us-east-1, the access role assumable by AWS Marketplace), then re-run; nothing was added to the product.',
    },
  );
}

/** StartChangeSet, waiting out another change set that holds the product (ResourceInUseException). */
async function startWhenUnlocked(
  start: () => Promise<string>,
  options: MarketplaceSettings,
  where: string,
  log: Log,
  signal: AbortSignal | undefined,
): Promise<string> {
  return poll(
    `${where} to be free of other change sets`,
    async () => {
      try {
        return await start();
      } catch (error) {
        if (!isProductLocked(error)) throw error;
        log.info(`${where} is locked by another change set; waiting (${describeError(error)}).`);
        return undefined;
      }
    },
    { timeoutMs: options.timeoutMs, intervalMs: options.pollIntervalMs, signal },
  );
}

async function addVersion(
  settings: Settings,
  image: PlannedImage,
  client: Catalog,
  amiId: string,
  log: Log,
  signal: AbortSignal | undefined,
): Promise<MarketplaceRow> {
  const options = settings.marketplace;
  const product = options.products[image.arch]!;
  const title = fill(options.versionTitle, image);
  const where = `product ${product} (${image.arch})`;
  const row = { arch: image.arch, product, amiId, version: title, changeSet: '' };
  const versions = await productVersions(client, product);
  if (versions.some((version) => version.title === title)) {
    log.info(`${where} already has the version "${title}"; nothing to add.`);
    return { ...row, state: 'already-there', note: '' };
  }
  // One name per compose, arch and intent; a token that a repeated start returns the same set for.
  const intent = options.validateOnly ? 'validate' : 'apply';
  const name = `fedimg ${image.compose_id} ${image.arch} ${intent}`;
  const token = createHash('sha256')
    .update(`${product}|${name}|${title}|${amiId}`)
    .digest('hex')
    .slice(0, 32);
  const running = (await changeSetsNamed(client, product, name)).find((set) => ACTIVE.has(set.status));
  const id =
    running?.id ??
    (await startWhenUnlocked(
      () =>
        startAddVersion(client, {
          productId: product,
          name,
          token,
          validateOnly: options.validateOnly,
          title,
          releaseNotes: fill(options.releaseNotes, image),
          amiId,
          accessRoleArn: options.accessRoleArn!,
          user: options.user,
          osName: options.osName,
          osVersion: fill(options.osVersion, image),
          scanningPort: options.scanningPort,
          usageInstructions: options.usageInstructions,
          instanceType: options.instanceTypes[image.arch],
        }),
      options,
      where,
      log,
      signal,
    ));
  log.info(`${where}: change set ${id} ${running ? '(already running) ' : ''}adds "${title}" with ${amiId}.`);
  await settled(client, id, options, where, signal);
  if (options.restrictPrevious && !options.validateOnly) {
    const earlier = versions
      .flatMap((version) => version.deliveryOptions)
      .filter((option) => option.visibility !== 'Restricted')
      .map((option) => option.id);
    if (earlier.length > 0) {
      const restrict = await startWhenUnlocked(
        () => startRestrict(client, product, earlier, `fedimg ${image.compose_id} ${image.arch} restrict`),
        options,
        where,
        log,
        signal,
      );
      await settled(client, restrict, options, where, signal);
      log.info(`${where}: restricted ${earlier.length} earlier delivery option(s).`);
    }
  }
  return { ...row, changeSet: id, state: options.validateOnly ? 'validated' : 'added', note: '' };
}

/**
 * The marketplace stage: for a release compose, a new version of each architecture's AMI product with
 * the published, boot-tested AMI in us-east-1. Re-runs add nothing twice (the version title, the
 * change set's name and its ClientRequestToken); a nightly is skipped with a notice.
 */
export async function runMarketplace(
  settings: Settings,
  log: Log,
  deps: StageDeps<MarketplaceResult> = {},
): Promise<MarketplaceResult> {
  const shape = {
    name: 'marketplace',
    skipped: (plan: { composeId: string }): MarketplaceResult => ({
      composeId: plan.composeId,
      skipped: true,
      rows: [],
    }),
  };
  if (Object.keys(settings.marketplace.products).length === 0) {
    log.notice('marketplace-products is empty: no Marketplace product gets a version.', 'fedimg marketplace');
    const result: MarketplaceResult = { composeId: '', skipped: true, rows: [] };
    await deps.onResult?.(result);
    return result;
  }
  return openStage(settings, log, deps, shape, async ({ plan, clients, events, report }) => {
    const options = settings.marketplace;
    const rows: MarketplaceRow[] = [];
    const skip = (image: PlannedImage, note: string) =>
      rows.push({
        arch: image.arch,
        product: options.products[image.arch] ?? '',
        amiId: '',
        version: '',
        changeSet: '',
        state: 'skipped',
        note,
      });
    const ec2 = clients.ec2(MARKETPLACE_REGION);
    for (const image of plan.images) {
      const product = options.products[image.arch];
      if (!product) {
        skip(image, 'no product for this architecture (marketplace-products)');
        continue;
      }
      const why = notForMarketplace(image, options);
      if (why) {
        log.notice(`${image.name} is from ${why}: no Marketplace version.`, 'fedimg marketplace');
        skip(image, why);
        continue;
      }
      const [expected] = await expectedAmis(
        ec2,
        MARKETPLACE_REGION,
        settings.baseRegion,
        [image],
        [settings.flavours[0]!],
        settings.nameTemplate,
      );
      const ami = expected?.found;
      const problem = !ami
        ? `has no AMI in ${MARKETPLACE_REGION}`
        : ami.Public !== true
          ? `AMI ${ami.ImageId} in ${MARKETPLACE_REGION} is not public`
          : imageVerdict([ami]) !== 'passed'
            ? `AMI ${ami.ImageId} has not passed its boot test`
            : undefined;
      if (problem) {
        throw new MarketplaceError(
          `${image.name} ${problem}; AWS Marketplace ingests only published AMIs from ${MARKETPLACE_REGION}.`,
          {
            hint:
              settings.baseRegion === MARKETPLACE_REGION
                ? 'Run the publish stage first (and verify), then the marketplace stage.'
                : `The base region is ${settings.baseRegion}: include ${MARKETPLACE_REGION} in regions so copy and publish put the AMI there, then re-run.`,
          },
        );
      }
      try {
        const row = await addVersion(settings, image, clients.catalog(), ami!.ImageId!, log, deps.signal);
        rows.push(row);
        if (row.state !== 'already-there')
          events.emit('image.marketplace', 'completed', image, MARKETPLACE_REGION, {
            id: ami!.ImageId,
            product: row.product,
            version: row.version,
            change_set: row.changeSet,
          });
      } catch (error) {
        events.emit('image.marketplace', 'failed', image, MARKETPLACE_REGION, {
          id: ami!.ImageId,
          product,
          error: describeError(error),
        });
        throw error;
      }
    }
    const recorded = rows.filter((row) => row.state !== 'skipped');
    if (
      settings.manifestFile &&
      recorded.length > 0 &&
      recordMarketplace(settings.manifestFile, plan.composeId, recorded)
    )
      log.info(`Marketplace versions recorded in ${settings.manifestFile}.`);
    return report({ composeId: plan.composeId, skipped: false, rows });
  });
}
