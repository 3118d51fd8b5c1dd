import { randomUUID } from 'node:crypto';
import { AwsError } from '../../errors.js';
import type { RestRequest, RestResponse } from '../../http.js';
import type { AccountState } from '../../state.js';
import { arn, CATALOG, details, iso, json, validation, type Change, type ChangeSet } from './state.js';
import { addDeliveryOptions, restrictDeliveryOptions, shaped } from './shapes.js';
import { finish } from './versions.js';

export { CatalogState, type CatalogSettings } from './state.js';
export { MARKETPLACE_INGESTION_ACCOUNT } from './ingestion.js';

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

/**
 * ListChangeSets as the API reference has it: FilterList (ChangeSetId, ChangeSetName, EntityId,
 * Status; AfterStartTime, BeforeStartTime, AfterEndTime, BeforeEndTime with one ISO 8601 value),
 * MaxResults 1–20 (default 20), NextToken; newest first (AWS documents no default order: the
 * emulator picks one and fedimg never relies on it).
 */
function listChangeSets(sets: Map<string, ChangeSet>, body: Record<string, unknown>) {
  const filters = (body.FilterList ?? []) as Array<{ Name: string; ValueList?: string[] }>;
  const time = (value: string | undefined) => (value ? Date.parse(value) : NaN);
  const matches = (set: ChangeSet) =>
    filters.every((filter) => {
      const values = filter.ValueList ?? [];
      const at = time(values[0]);
      switch (filter.Name) {
        case 'EntityId':
          return set.changes.some((change) => values.includes(change.Entity.Identifier));
        case 'Status':
          return values.includes(set.status);
        case 'ChangeSetName':
          return set.name !== undefined && values.includes(set.name);
        case 'ChangeSetId':
          return values.includes(set.id);
        case 'AfterStartTime':
          return set.startTime > at;
        case 'BeforeStartTime':
          return set.startTime < at;
        case 'AfterEndTime':
          return set.endTime !== undefined && set.endTime > at;
        case 'BeforeEndTime':
          return set.endTime !== undefined && set.endTime < at;
        default:
          throw validation(`Filter ${filter.Name} is not a ListChangeSets filter.`);
      }
    });
  const max = body.MaxResults === undefined ? 20 : Number(body.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 20) throw validation('MaxResults must be between 1 and 20.');
  const all = [...sets.values()].filter(matches).sort((a, b) => b.startTime - a.startTime);
  const start = typeof body.NextToken === 'string' ? Number(body.NextToken) : 0;
  const page = all.slice(start, start + max);
  return {
    ChangeSetSummaryList: page.map(summary),
    ...(start + max < all.length ? { NextToken: String(start + max) } : {}),
  };
}

/** An optional string member held to its length and pattern, refused as AWS's request validation does. */
function constrained(member: string, value: unknown, max: number, pattern: RegExp): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length < 1 || value.length > max || !pattern.test(value))
    throw validation(
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length between 1 and ${max} and match the pattern ${pattern.source}`,
    );
}

function requireCatalog(value: unknown): void {
  if (value !== CATALOG) throw validation(`Catalog must be ${CATALOG}.`);
}

function changeSetOf(state: AccountState, id: string | null): ChangeSet {
  const set = id ? state.catalog.changeSets.get(id) : undefined;
  if (!set) throw new AwsError('ResourceNotFoundException', `Change set ${id ?? ''} was not found.`, 404);
  return set;
}

export function handleCatalog(state: AccountState, request: RestRequest): RestResponse {
  const catalog = state.catalog;
  // Where the emulator is reached, for the URLs it hands out (scan findings).
  const origin = `http://${String(request.headers.host ?? '127.0.0.1')}`;
  const operation = catalogOperation(request.method, request.path);
  const body = (request.body.length > 0 ? JSON.parse(request.body.toString('utf8')) : {}) as Record<
    string,
    unknown
  >;
  switch (operation) {
    case 'StartChangeSet': {
      requireCatalog(body.Catalog);
      // Marketplace Catalog API Reference, StartChangeSet: ChangeSetName 1–100 characters of
      // ^[\w\s+=.:@-]+$, ClientRequestToken 1–64 of ^[!-~]+$. (The reference's pattern for an
      // entity's Type, letters only, is not modelled: its own examples send AmiProduct@1.0.)
      constrained('ChangeSetName', body.ChangeSetName, 100, /^[\w\s+=.:@-]+$/);
      constrained('ClientRequestToken', body.ClientRequestToken, 64, /^[!-~]+$/);
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
        if (change.ChangeType === 'AddDeliveryOptions')
          shaped(addDeliveryOptions, change.ChangeType, details(change));
        else shaped(restrictDeliveryOptions, change.ChangeType, details(change));
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
        state.schedule(catalog.settings.applyingMs, () => finish(state, set, origin));
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
    case 'ListChangeSets':
      return json(listChangeSets(catalog.changeSets, body));
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
