/**
 * AWS Marketplace Catalog API (REST-JSON, signing name aws-marketplace, us-east-1) for AMI products,
 * after the API reference: StartChangeSet, DescribeChangeSet, ListChangeSets, DescribeEntity,
 * CancelChangeSet. A change set is PREPARING, then APPLYING, then SUCCEEDED, FAILED (with an
 * ErrorDetailList per change) or CANCELLED ("Working with change sets"); an APPLY change set locks
 * its entities and another is refused with ResourceInUseException ("Change set locking"); Intent
 * VALIDATE checks without changing anything ("Intent"); ClientRequestToken makes a start
 * idempotent; a change set holds 1 to 20 changes (StartChangeSet's ChangeSet member). The documents
 * each change type takes follow AWS's published shapes (shapes.ts); what a finished change set
 * checks is in versions.ts and ingestion.ts, each with its source.
 */
import { AwsError } from '../../errors.js';
import { ACCOUNT_ID } from '../../constants.js';
import { jsonResponse, type RestResponse } from '../../http.js';

export const CATALOG = 'AWSMarketplace';

export type ChangeSetStatus = 'PREPARING' | 'APPLYING' | 'SUCCEEDED' | 'CANCELLED' | 'FAILED';

export interface Change {
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
  versions: Array<Record<string, unknown> & { VersionTitle: string }>;
  lastModified: number;
}

export interface CatalogSettings {
  /** Product IDs that do not exist (any other prod-… is an AMI product this account owns). */
  missingProducts: Set<string>;
  /** Findings the next scan reports (its change set FAILS with a URL to them), for tests. */
  scanFindings: Array<{ ErrorCode: string; ErrorMessage: string }> | undefined;
  /** The next change sets that fail in AWS's systems (SERVER_FAULT), for tests. */
  failNext: number;
  /** PREPARING and APPLYING last this long (ms). */
  preparingMs: number;
  applyingMs: number;
}

export class CatalogState {
  products = new Map<string, AmiProduct>();
  changeSets = new Map<string, ChangeSet>();
  /** Scan findings by the URL a failed change set names. */
  findings = new Map<string, Array<{ ErrorCode: string; ErrorMessage: string }>>();
  settings: CatalogSettings = {
    missingProducts: new Set(),
    scanFindings: undefined,
    failNext: 0,
    preparingMs: 30,
    applyingMs: 60,
  };

  product(id: string, now: number): AmiProduct | undefined {
    if (!/^prod-[a-z0-9]{1,64}$/.test(id) || this.settings.missingProducts.has(id)) return undefined;
    let product = this.products.get(id);
    if (!product) {
      product = { id, versions: [], lastModified: now };
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

export const arn = (kind: string, id: string) =>
  `arn:aws:aws-marketplace:us-east-1:${ACCOUNT_ID}:${CATALOG}/${kind}/${id}`;
export const iso = (time: number | undefined) =>
  time === undefined ? undefined : new Date(time).toISOString();
export const validation = (message: string) => new AwsError('ValidationException', message, 422);

export const json = (body: unknown): RestResponse => jsonResponse(200, body);

export function details(change: Change): Record<string, unknown> {
  if (change.DetailsDocument) return change.DetailsDocument;
  try {
    return JSON.parse(change.Details ?? '{}') as Record<string, unknown>;
  } catch {
    throw validation(`The Details of change ${change.ChangeName ?? change.ChangeType} are not valid JSON.`);
  }
}
