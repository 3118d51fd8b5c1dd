import type { AwsClients, Catalog } from '../aws/clients.js';
import { isUnauthorized } from '../aws/errors.js';
import { expectedAmis, imageVerdict } from '../aws/images.js';
import { productVersions, startAddVersion } from '../aws/marketplace.js';
import { composeKind } from '../compose/kind.js';
import type { PlannedImage } from '../compose/types.js';
import { describeError, FedimgError, MarketplaceError } from '../errors.js';
import type { Log } from '../log.js';
import { awaitChangeSet, changeSetName, startOrFind } from '../marketplace/change-sets.js';
import { observe } from '../marketplace/observe.js';
import { restrictEarlier, waitingOf } from '../marketplace/restrict.js';
import type { MarketplaceResult, MarketplaceRow } from '../marketplace/types.js';
import { checkNewVersion, newVersion } from '../marketplace/version.js';
import { recordMarketplace } from '../report/manifest.js';
import type { MarketplaceSettings, Settings } from '../settings/index.js';
import { openStage, type StageDeps } from './stage.js';
import type { Table } from '../report/table.js';
import { COMPOSE_STAGE_READS, defineStage, eventsFileOutput } from './descriptor.js';

export type { MarketplaceResult, MarketplaceRow } from '../marketplace/types.js';

/** Where AWS Marketplace ingests AMIs from. */
export const MARKETPLACE_REGION = 'us-east-1';

/** Why a compose gets no Marketplace version, or undefined when it does. */
function notForMarketplace(image: PlannedImage, options: MarketplaceSettings): string | undefined {
  const kind = composeKind(image);
  if (kind === 'ga' || (kind === 'beta' && options.includeBeta)) return undefined;
  return kind === 'beta'
    ? 'a Beta compose (set marketplace-include-beta to publish Betas)'
    : `a ${kind} compose, not a release`;
}

/** An AccessDenied for iam:PassRole: the publish role may not hand the access role to Marketplace. */
function passRoleRefusal(error: unknown, options: MarketplaceSettings): MarketplaceError | undefined {
  if (!isUnauthorized(error) || !/iam:PassRole/.test(describeError(error))) return undefined;
  return new MarketplaceError(
    `AWS refused to let the role fedimg runs as pass the access role ${options.accessRoleArn} to AWS Marketplace (iam:PassRole): ${describeError(error)}.`,
    {
      hint: 'Grant iam:PassRole on that role for assets.marketplace.amazonaws.com, as the MarketplacePassOnlyTheAccessRoleToMarketplace statement of docs/iam-policy.json does.',
      cause: error,
    },
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
  const where = `product ${product} (${image.arch})`;
  const intent = options.validateOnly ? 'validate' : 'apply';
  const name = changeSetName(image.compose_id, image.arch, intent);
  const version = newVersion(options, image, amiId, name, '');
  checkNewVersion(version, where);
  const row = { arch: image.arch, product, amiId, version: version.title, changeSet: '' };
  const waiting = waitingOf(options, signal);
  const restrictName = changeSetName(image.compose_id, image.arch, 'restrict');
  const restrict = () =>
    options.restrictPrevious && !options.validateOnly
      ? restrictEarlier(client, product, version.title, restrictName, waiting, log)
      : Promise.resolve('');
  if ((await productVersions(client, product)).some((existing) => existing.title === version.title)) {
    log.info(`${where} already has the version "${version.title}"; nothing to add.`);
    return { ...row, state: 'already-there', note: await restrict() };
  }
  const { id, running } = await startOrFind(
    client,
    product,
    name,
    `${product}|${name}|${version.title}|${amiId}`,
    (token) => startAddVersion(client, { ...version, token }),
    waiting,
    log,
  );
  log.info(
    `${where}: change set ${id} ${running ? '(already running) ' : ''}adds "${version.title}" with ${amiId}.`,
  );
  if ((await awaitChangeSet(client, id, where, waiting)) === 'running') {
    log.notice(
      `${where}: change set ${id} is still running after ${Math.round(options.waitMs / 60_000)} min (AWS Marketplace scans the AMI, which can take hours). It is recorded as submitted; a re-run of this job, or the daily lifecycle workflow, reports how it ends${options.restrictPrevious ? ' and then restricts the earlier versions' : ''}.`,
      'fedimg marketplace',
    );
    return { ...row, changeSet: id, state: 'submitted', note: 'AWS Marketplace is still scanning' };
  }
  if (options.validateOnly) return { ...row, changeSet: id, state: 'validated', note: '' };
  return { ...row, changeSet: id, state: 'added', note: await restrict() };
}

/**
 * The marketplace stage: for a release compose, a new version of each architecture's AMI product
 * with the published, boot-tested AMI in us-east-1, waited for a bounded time; without a compose,
 * what became of fedimg's earlier change sets. Re-runs add nothing twice (the version title, the
 * change set's name and its ClientRequestToken) and retry what failed; a nightly is skipped.
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
  if (settings.images.kind === 'none') return observe(settings, log, deps);
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
      const amiId = await publishedAmi(settings, image, ec2);
      try {
        const row = await addVersion(settings, image, clients.catalog(), amiId, log, undefined);
        rows.push(row);
        if (row.state === 'added' || row.state === 'validated')
          events.emit('image.marketplace', 'completed', image, MARKETPLACE_REGION, {
            id: amiId,
            product: row.product,
            version: row.version,
            change_set: row.changeSet,
          });
      } catch (error) {
        const failure = passRoleRefusal(error, options) ?? error;
        events.emit('image.marketplace', 'failed', image, MARKETPLACE_REGION, {
          id: amiId,
          product,
          error: describeError(failure),
        });
        if (failure instanceof FedimgError) await report({ composeId: plan.composeId, skipped: false, rows });
        throw failure;
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

/** The image's default-flavour AMI in us-east-1, which must be public and boot-tested. */
async function publishedAmi(
  settings: Settings,
  image: PlannedImage,
  ec2: ReturnType<AwsClients['ec2']>,
): Promise<string> {
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
  if (problem)
    throw new MarketplaceError(
      `${image.name} ${problem}; fedimg adds to AWS Marketplace only the AMIs it published from ${MARKETPLACE_REGION}.`,
      {
        hint:
          settings.baseRegion === MARKETPLACE_REGION
            ? 'Run the publish stage first (and verify), then the marketplace stage.'
            : `The base region is ${settings.baseRegion}: include ${MARKETPLACE_REGION} in regions so copy and publish put the AMI there, then re-run.`,
      },
    );
  return ami!.ImageId!;
}

export function marketplaceTable(result: MarketplaceResult): Table {
  const submitted = result.rows.some((row) => row.state === 'submitted');
  return {
    title: 'fedimg marketplace',
    header: ['Arch', 'Product', 'AMI', 'Version', 'Change set', 'State'],
    rows: result.rows.map((row) => [
      row.arch,
      row.product || '-',
      row.amiId || '-',
      row.version || '-',
      row.changeSet || '-',
      row.note ? `${row.state}: ${row.note}` : row.state,
    ]),
    note: result.skipped
      ? 'Nothing to do: no product configured, or the compose is not finished.'
      : submitted
        ? 'AWS Marketplace scans a new version before it is added, which can take hours: a submitted version is reported, and the earlier ones restricted when asked, by a re-run of this job or by the daily lifecycle workflow.'
        : undefined,
  };
}

export const marketplaceStage = defineStage<MarketplaceResult>({
  name: 'marketplace',
  about: 'a new version of the AMI products for a GA compose; without one, report earlier versions',
  compose: 'optional',
  reads: [...COMPOSE_STAGE_READS, 'manifestFile', 'marketplace'],
  inRun: false,
  run: runMarketplace,
  table: (result) => marketplaceTable(result),
  outputsBefore: eventsFileOutput,
  outputs: (result) => ({
    marketplace: JSON.stringify(
      result.rows.map(({ arch, product, amiId, version, changeSet, state }) => ({
        arch,
        product,
        ami: amiId,
        version,
        change_set: changeSet,
        state,
      })),
    ),
  }),
});
