/**
 * AWS Marketplace Catalog API (REST-JSON, signing name aws-marketplace) for AMI products, after the
 * API reference: StartChangeSet, DescribeChangeSet, ListChangeSets, DescribeEntity, CancelChangeSet.
 * A change set is PREPARING, then APPLYING, then SUCCEEDED, FAILED (with an ErrorDetailList per
 * change) or CANCELLED; an APPLY change set locks its entities (another one is refused with
 * ResourceInUseException); Intent VALIDATE checks without changing anything; ClientRequestToken makes
 * a start idempotent. AddDeliveryOptions adds a version whose AMI must exist in us-east-1, be
 * available, public or shared with Marketplace, and match the product's architecture, with an
 * access role of this account; RestrictDeliveryOptions retires delivery options.
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../errors.js';
import { ACCOUNT_ID, type AccountState } from '../state.js';
import type { AuthorizationRequest } from '../iam.js';
import type { RestRequest, RestResponse } from './ebs.js';

/** The account AWS Marketplace copies and scans AMIs from (its AMI ingestion account). */
export const MARKETPLACE_INGESTION_ACCOUNT = '679593333241';
const CATALOG = 'AWSMarketplace';

export type ChangeSetStatus = 'PREPARING' | 'APPLYING' | 'SUCCEEDED' | 'CANCELLED' | 'FAILED';

interface Change {
  ChangeType: string;
  Entity: { Type: string; Identifier: string };
  ChangeName?: string;
  Details?: string;
  DetailsDocument?: Record<string, unknown>;
  ErrorDetailList?: Array<{ ErrorCode: string; ErrorMessage: string }>;
}

export interface ChangeSet {
  id: string;
  name: string | undefined;
  intent: 'APPLY' | 'VALIDATE';
  token: string | undefined;
  status: ChangeSetStatus;
  startTime: number;
  endTime: number | undefined;
  failureCode: 'CLIENT_ERROR' | 'SERVER_FAULT' | undefined;
  failureDescription: string | undefined;
  changes: Change[];
}

export interface AmiProduct {
  id: string;
  /** Architecture of its AMIs, fixed by its first version. */
  architecture: string | undefined;
  versions: Array<Record<string, unknown> & { VersionTitle: string }>;
  lastModified: number;
}

export interface CatalogSettings {
  /** Product IDs that do not exist (any other prod-… is an AMI product this account owns). */
  missingProducts: Set<string>;
  /** Role ARNs Marketplace cannot assume; by default any role of this account can be. */
  brokenRoles: Set<string>;
  /** The next change sets that fail in AWS's systems (SERVER_FAULT), for tests. */
  failNext: number;
  /** PREPARING and APPLYING last this long (ms). */
  preparingMs: number;
  applyingMs: number;
}

export class CatalogState {
  products = new Map<string, AmiProduct>();
  changeSets = new Map<string, ChangeSet>();
  settings: CatalogSettings = {
    missingProducts: new Set(),
    brokenRoles: new Set(),
    failNext: 0,
    preparingMs: 30,
    applyingMs: 60,
  };

  product(id: string, now: number): AmiProduct | undefined {
    if (!/^prod-[a-z0-9]{1,64}$/.test(id) || this.settings.missingProducts.has(id)) return undefined;
    let product = this.products.get(id);
    if (!product) {
      product = { id, architecture: undefined, versions: [], lastModified: now };
      this.products.set(id, product);
    }
    return product;
  }

  /** The APPLY change set that holds an entity, if one is still running. */
  lockOf(entityId: string): ChangeSet | undefined {
    return [...this.changeSets.values()].find(
      (set) =>
        set.intent === 'APPLY' &&
        (set.status === 'PREPARING' || set.status === 'APPLYING') &&
        set.changes.some((change) => change.Entity.Identifier === entityId),
    );
  }
}

const arn = (kind: string, id: string) =>
  `arn:aws:aws-marketplace:us-east-1:${ACCOUNT_ID}:${CATALOG}/${kind}/${id}`;
const iso = (time: number | undefined) => (time === undefined ? undefined : new Date(time).toISOString());
const validation = (message: string) => new AwsError('ValidationException', message, 422);

function json(body: unknown): RestResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function catalogOperation(method: string, path: string): string {
  const name = path.replace(/^\//, '');
  const methods: Record<string, string> = {
    StartChangeSet: 'POST',
    DescribeChangeSet: 'GET',
    ListChangeSets: 'POST',
    DescribeEntity: 'GET',
    CancelChangeSet: 'PATCH',
  };
  return methods[name] === method ? name : 'Unknown';
}

function details(change: Change): Record<string, unknown> {
  if (change.DetailsDocument) return change.DetailsDocument;
  try {
    return JSON.parse(change.Details ?? '{}') as Record<string, unknown>;
  } catch {
    throw validation(`The Details of change ${change.ChangeName ?? change.ChangeType} are not valid JSON.`);
  }
}

type Problem = { ErrorCode: string; ErrorMessage: string };

/** What AddDeliveryOptions would add, or the problems that stop it. */
function checkAddDeliveryOptions(
  state: AccountState,
  product: AmiProduct,
  body: Record<string, unknown>,
): { version: AmiProduct['versions'][number]; architecture: string } | Problem[] {
  const problems: Problem[] = [];
  const version = (body.Version ?? {}) as { VersionTitle?: string; ReleaseNotes?: string };
  if (!version.VersionTitle)
    problems.push({ ErrorCode: 'MISSING_VERSION_TITLE', ErrorMessage: 'Version.VersionTitle is required.' });
  else if (product.versions.some((existing) => existing.VersionTitle === version.VersionTitle))
    problems.push({
      ErrorCode: 'DUPLICATE_VERSION_TITLE',
      ErrorMessage: `The product already has a version titled "${version.VersionTitle}".`,
    });
  if (!version.ReleaseNotes)
    problems.push({ ErrorCode: 'MISSING_RELEASE_NOTES', ErrorMessage: 'Version.ReleaseNotes is required.' });
  const options = (body.DeliveryOptions ?? []) as Array<{
    Details?: { AmiDeliveryOptionDetails?: Record<string, unknown> };
  }>;
  if (options.length === 0)
    problems.push({
      ErrorCode: 'MISSING_DELIVERY_OPTIONS',
      ErrorMessage: 'At least one delivery option is required.',
    });
  const sources: Record<string, unknown>[] = [];
  const deliveryOptions: Record<string, unknown>[] = [];
  let architecture: string | undefined;
  for (const option of options) {
    const detail = option.Details?.AmiDeliveryOptionDetails ?? {};
    const source = (detail.AmiSource ?? {}) as Record<string, unknown>;
    const amiId = String(source.AmiId ?? '');
    const image = state.images.get(amiId);
    if (!image || image.region !== 'us-east-1') {
      problems.push({
        ErrorCode: 'AMI_NOT_FOUND',
        ErrorMessage: `${amiId || 'AmiId'} is not an AMI in us-east-1, where AWS Marketplace ingests.`,
      });
      continue;
    }
    if (image.state !== 'available')
      problems.push({ ErrorCode: 'AMI_NOT_AVAILABLE', ErrorMessage: `${amiId} is ${image.state}.` });
    const shared =
      image.launchPermission.groups.has('all') ||
      image.launchPermission.users.has(MARKETPLACE_INGESTION_ACCOUNT);
    if (!shared)
      problems.push({
        ErrorCode: 'AMI_NOT_SHARED',
        ErrorMessage: `${amiId} is neither public nor shared with AWS Marketplace.`,
      });
    if ((product.architecture ?? architecture ?? image.architecture) !== image.architecture)
      problems.push({
        ErrorCode: 'ARCHITECTURE_MISMATCH',
        ErrorMessage: `${amiId} is ${image.architecture}; the product's AMIs are ${product.architecture ?? architecture}.`,
      });
    architecture ??= image.architecture;
    const role = String(source.AccessRoleArn ?? '');
    if (
      !new RegExp(`^arn:aws:iam::${ACCOUNT_ID}:role/[\\w+=,.@/-]{1,512}$`).test(role) ||
      state.catalog.settings.brokenRoles.has(role)
    )
      problems.push({
        ErrorCode: 'INVALID_ACCESS_ROLE',
        ErrorMessage: `AWS Marketplace cannot assume ${role || 'the AccessRoleArn'}.`,
      });
    for (const field of ['UserName', 'OperatingSystemName', 'OperatingSystemVersion'])
      if (!source[field])
        problems.push({ ErrorCode: 'MISSING_FIELD', ErrorMessage: `AmiSource.${field} is required.` });
    const port = Number(source.ScanningPort ?? 22);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      problems.push({
        ErrorCode: 'INVALID_SCANNING_PORT',
        ErrorMessage: `ScanningPort ${String(source.ScanningPort)} is not a port.`,
      });
    const sourceId = randomUUID();
    sources.push({
      Id: sourceId,
      Type: 'AmazonMachineImage',
      Image: amiId,
      Architecture: image.architecture,
      VirtualizationType: 'hvm',
      OperatingSystem: {
        Name: source.OperatingSystemName,
        Version: source.OperatingSystemVersion,
        Username: source.UserName,
        ScanningPort: port,
      },
    });
    deliveryOptions.push({
      Id: randomUUID(),
      Type: 'AmazonMachineImage',
      SourceId: sourceId,
      Instructions: { Usage: detail.UsageInstructions },
      Recommendations: {
        SecurityGroups: detail.SecurityGroups ?? [],
        InstanceType: detail.RecommendedInstanceType,
      },
      Visibility: 'Public',
      Title: `(${image.architecture}) Amazon Machine Image`,
    });
  }
  if (problems.length > 0) return problems;
  return {
    version: {
      Id: randomUUID(),
      VersionTitle: version.VersionTitle!,
      ReleaseNotes: version.ReleaseNotes,
      CreationDate: new Date(state.now()).toISOString(),
      Sources: sources,
      DeliveryOptions: deliveryOptions,
    },
    architecture: architecture!,
  };
}

/** The change set's end: every change checked, applied when all pass and the intent is APPLY. */
function finish(state: AccountState, set: ChangeSet): void {
  const catalog = state.catalog;
  if (catalog.settings.failNext > 0) {
    catalog.settings.failNext--;
    set.status = 'FAILED';
    set.failureCode = 'SERVER_FAULT';
    set.failureDescription = 'Injected: the change set failed in AWS Marketplace.';
    set.endTime = state.now();
    return;
  }
  const apply: Array<() => void> = [];
  for (const change of set.changes) {
    const product = catalog.product(change.Entity.Identifier, state.now())!;
    const body = details(change);
    if (change.ChangeType === 'AddDeliveryOptions') {
      const checked = checkAddDeliveryOptions(state, product, body);
      if (Array.isArray(checked)) change.ErrorDetailList = checked;
      else
        apply.push(() => {
          product.versions.push(checked.version);
          product.architecture ??= checked.architecture;
          product.lastModified = state.now();
        });
    } else {
      const ids = (body.DeliveryOptionIds ?? []) as string[];
      const known = product.versions.flatMap(
        (version) => version.DeliveryOptions as Array<{ Id: string; Visibility: string }>,
      );
      const unknown = ids.filter((id) => !known.some((option) => option.Id === id));
      if (ids.length === 0 || unknown.length > 0)
        change.ErrorDetailList = [
          {
            ErrorCode: 'DELIVERY_OPTION_NOT_FOUND',
            ErrorMessage: `Unknown delivery option(s): ${unknown.join(', ') || '(none given)'}.`,
          },
        ];
      else
        apply.push(() => {
          for (const option of known) if (ids.includes(option.Id)) option.Visibility = 'Restricted';
          product.lastModified = state.now();
        });
    }
  }
  set.endTime = state.now();
  if (set.changes.some((change) => change.ErrorDetailList?.length)) {
    set.status = 'FAILED';
    set.failureCode = 'CLIENT_ERROR';
    set.failureDescription = 'One or more changes failed validation; see ErrorDetailList.';
    return;
  }
  if (set.intent === 'APPLY') for (const run of apply) run();
  set.status = 'SUCCEEDED';
}

function summary(set: ChangeSet) {
  return {
    ChangeSetId: set.id,
    ChangeSetArn: arn('ChangeSet', set.id),
    ChangeSetName: set.name,
    StartTime: iso(set.startTime),
    EndTime: iso(set.endTime),
    Status: set.status,
    EntityIdList: [...new Set(set.changes.map((change) => change.Entity.Identifier))],
    FailureCode: set.failureCode,
  };
}

function requireCatalog(value: unknown): void {
  if (value !== CATALOG) throw validation(`Catalog must be ${CATALOG}.`);
}

function changeSetOf(state: AccountState, id: string | null): ChangeSet {
  const set = id ? state.catalog.changeSets.get(id) : undefined;
  if (!set) throw new AwsError('ResourceNotFoundException', `Change set ${id ?? ''} was not found.`, 404);
  return set;
}

/** What IAM authorizes: the action on the change set or entity it names (aws-marketplace:…). */
export function catalogAuthorizations(operation: string, request: RestRequest): AuthorizationRequest[] {
  const body = (request.body.length > 0 ? JSON.parse(request.body.toString('utf8')) : {}) as {
    ChangeSet?: Change[];
  };
  const action = `aws-marketplace:${operation}`;
  if (operation === 'StartChangeSet')
    return (body.ChangeSet ?? []).map((change) => ({
      action,
      resource: arn('AmiProduct', String(change.Entity?.Identifier)),
      context: {},
    }));
  if (operation === 'DescribeEntity')
    return [{ action, resource: arn('AmiProduct', request.query.get('entityId') ?? ''), context: {} }];
  if (operation === 'DescribeChangeSet' || operation === 'CancelChangeSet')
    return [{ action, resource: arn('ChangeSet', request.query.get('changeSetId') ?? ''), context: {} }];
  return [{ action, resource: '*', context: {} }];
}

export function handleCatalog(state: AccountState, request: RestRequest): RestResponse {
  const catalog = state.catalog;
  const operation = catalogOperation(request.method, request.path);
  const body = (request.body.length > 0 ? JSON.parse(request.body.toString('utf8')) : {}) as Record<
    string,
    unknown
  >;
  switch (operation) {
    case 'StartChangeSet': {
      requireCatalog(body.Catalog);
      const token = typeof body.ClientRequestToken === 'string' ? body.ClientRequestToken : undefined;
      const earlier = token ? [...catalog.changeSets.values()].find((set) => set.token === token) : undefined;
      if (earlier) return json({ ChangeSetId: earlier.id, ChangeSetArn: arn('ChangeSet', earlier.id) });
      const changes = (body.ChangeSet ?? []) as Change[];
      if (!Array.isArray(changes) || changes.length === 0 || changes.length > 20)
        throw validation('ChangeSet must hold between 1 and 20 changes.');
      const intent = body.Intent === 'VALIDATE' ? 'VALIDATE' : 'APPLY';
      for (const change of changes) {
        if (change.ChangeType !== 'AddDeliveryOptions' && change.ChangeType !== 'RestrictDeliveryOptions')
          throw validation(`Change type ${String(change.ChangeType)} is not supported by the emulator.`);
        if (change.Entity?.Type !== 'AmiProduct@1.0')
          throw validation(`Entity type ${String(change.Entity?.Type)} does not take ${change.ChangeType}.`);
        if (!catalog.product(change.Entity.Identifier, state.now()))
          throw new AwsError(
            'ResourceNotFoundException',
            `Entity ${change.Entity.Identifier} was not found.`,
            404,
          );
        details(change);
        const holder = intent === 'APPLY' ? catalog.lockOf(change.Entity.Identifier) : undefined;
        if (holder)
          throw new AwsError(
            'ResourceInUseException',
            `Requested change set has entities locked by change sets - entity: '${change.Entity.Identifier}' change sets: ${holder.id}.`,
            423,
          );
      }
      const set: ChangeSet = {
        id: randomUUID().replace(/-/g, '').slice(0, 25),
        name: typeof body.ChangeSetName === 'string' ? body.ChangeSetName : undefined,
        intent,
        token,
        status: 'PREPARING',
        startTime: state.now(),
        endTime: undefined,
        failureCode: undefined,
        failureDescription: undefined,
        changes: changes.map((change) => ({ ...change })),
      };
      catalog.changeSets.set(set.id, set);
      state.schedule(catalog.settings.preparingMs, () => {
        if (set.status !== 'PREPARING') return;
        set.status = 'APPLYING';
        state.schedule(catalog.settings.applyingMs, () => finish(state, set));
      });
      return json({ ChangeSetId: set.id, ChangeSetArn: arn('ChangeSet', set.id) });
    }
    case 'DescribeChangeSet': {
      requireCatalog(request.query.get('catalog'));
      const set = changeSetOf(state, request.query.get('changeSetId'));
      return json({
        ...summary(set),
        EntityIdList: undefined,
        Intent: set.intent,
        FailureDescription: set.failureDescription,
        ChangeSet: set.changes.map((change) => ({
          ChangeType: change.ChangeType,
          Entity: { ...change.Entity, Arn: arn('AmiProduct', change.Entity.Identifier) },
          ChangeName: change.ChangeName,
          Details: change.Details,
          DetailsDocument: change.DetailsDocument,
          ErrorDetailList: change.ErrorDetailList ?? [],
        })),
      });
    }
    case 'ListChangeSets': {
      requireCatalog(body.Catalog);
      const filters = (body.FilterList ?? []) as Array<{ Name: string; ValueList?: string[] }>;
      const matches = (set: ChangeSet) =>
        filters.every((filter) => {
          const values = filter.ValueList ?? [];
          if (filter.Name === 'EntityId')
            return set.changes.some((change) => values.includes(change.Entity.Identifier));
          if (filter.Name === 'Status') return values.includes(set.status);
          if (filter.Name === 'ChangeSetName') return set.name !== undefined && values.includes(set.name);
          if (filter.Name === 'ChangeSetId') return values.includes(set.id);
          throw validation(`Filter ${filter.Name} is not supported by the emulator.`);
        });
      return json({ ChangeSetSummaryList: [...catalog.changeSets.values()].filter(matches).map(summary) });
    }
    case 'DescribeEntity': {
      requireCatalog(request.query.get('catalog'));
      const id = request.query.get('entityId') ?? '';
      const product = catalog.product(id, state.now());
      if (!product) throw new AwsError('ResourceNotFoundException', `Entity ${id} was not found.`, 404);
      const document = { Versions: product.versions, Description: { ProductTitle: `Product ${id}` } };
      return json({
        EntityType: 'AmiProduct@1.0',
        EntityIdentifier: id,
        EntityArn: arn('AmiProduct', id),
        LastModifiedDate: iso(product.lastModified),
        Details: JSON.stringify(document),
        DetailsDocument: document,
      });
    }
    case 'CancelChangeSet': {
      requireCatalog(request.query.get('catalog'));
      const set = changeSetOf(state, request.query.get('changeSetId'));
      if (set.status !== 'PREPARING')
        throw new AwsError(
          'ResourceInUseException',
          `Change set ${set.id} is ${set.status} and can no longer be cancelled.`,
          423,
        );
      set.status = 'CANCELLED';
      set.endTime = state.now();
      return json({ ChangeSetId: set.id, ChangeSetArn: arn('ChangeSet', set.id) });
    }
    default:
      throw new AwsError(
        'UnknownOperationException',
        `${request.method} ${request.path} is not a Catalog API operation.`,
        404,
      );
  }
}
