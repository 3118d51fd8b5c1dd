import {
  DescribeChangeSetCommand,
  DescribeEntityCommand,
  paginateListChangeSets,
  StartChangeSetCommand,
  type ChangeSetSummaryListItem,
  type Filter,
  type MarketplaceCatalogClient,
} from '@aws-sdk/client-marketplace-catalog';
import * as z from 'zod';

/** The Marketplace Catalog calls the marketplace stage makes; the catalog is always AWSMarketplace. */

const CATALOG = 'AWSMarketplace';

export type ChangeSetState = 'PREPARING' | 'APPLYING' | 'SUCCEEDED' | 'CANCELLED' | 'FAILED';
export const RUNNING: ReadonlySet<string> = new Set(['PREPARING', 'APPLYING']);

export interface ErrorDetail {
  code: string;
  message: string;
}

export interface ChangeSetView {
  id: string;
  name: string;
  status: ChangeSetState;
  end: string | undefined;
  /** The version titles its AddDeliveryOptions changes add. */
  titles: string[];
  /** Every change's ErrorDetailList entries. */
  errors: ErrorDetail[];
  failure: string | undefined;
}

export interface ChangeSetSummary {
  id: string;
  name: string;
  status: ChangeSetState;
  start: string | undefined;
  end: string | undefined;
}

export interface DeliveryOption {
  id: string;
  visibility: string;
}

export interface ProductVersion {
  title: string;
  created: string | undefined;
  amis: string[];
  deliveryOptions: DeliveryOption[];
}

// DescribeEntity's Details is a JSON document Marketplace writes: parsed, never trusted blindly.
const productDocument = z
  .object({
    Versions: z
      .array(
        z
          .object({
            VersionTitle: z.string(),
            CreationDate: z.string().optional(),
            Sources: z.array(z.object({ Image: z.string().optional() }).passthrough()).optional(),
            DeliveryOptions: z
              .array(z.object({ Id: z.string(), Visibility: z.string().optional() }).passthrough())
              .optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();

export async function productVersions(
  client: MarketplaceCatalogClient,
  productId: string,
): Promise<ProductVersion[]> {
  const entity = await client.send(new DescribeEntityCommand({ Catalog: CATALOG, EntityId: productId }));
  const parsed = productDocument.safeParse(entity.DetailsDocument ?? JSON.parse(entity.Details ?? '{}'));
  if (!parsed.success) return [];
  return (parsed.data.Versions ?? []).map((version) => ({
    title: version.VersionTitle,
    created: version.CreationDate,
    amis: (version.Sources ?? []).flatMap((source) => (source.Image ? [source.Image] : [])),
    deliveryOptions: (version.DeliveryOptions ?? []).map((option) => ({
      id: option.Id,
      visibility: option.Visibility ?? 'Public',
    })),
  }));
}

const summaryOf = (item: ChangeSetSummaryListItem): ChangeSetSummary => ({
  id: item.ChangeSetId ?? '',
  name: item.ChangeSetName ?? '',
  status: item.Status as ChangeSetState,
  start: item.StartTime,
  end: item.EndTime,
});

/** Every change set of a product that `filters` select (ListChangeSets, all pages). */
export async function changeSetsOf(
  client: MarketplaceCatalogClient,
  productId: string,
  filters: Filter[] = [],
): Promise<ChangeSetSummary[]> {
  const found: ChangeSetSummary[] = [];
  const pages = paginateListChangeSets(
    { client },
    { Catalog: CATALOG, FilterList: [{ Name: 'EntityId', ValueList: [productId] }, ...filters] },
  );
  for await (const page of pages) found.push(...(page.ChangeSetSummaryList ?? []).map(summaryOf));
  return found;
}

/** Change sets of this product with this name (fedimg names its change sets by compose and arch). */
export const changeSetsNamed = (client: MarketplaceCatalogClient, productId: string, name: string) =>
  changeSetsOf(client, productId, [{ Name: 'ChangeSetName', ValueList: [name] }]);

export interface NewVersion {
  productId: string;
  name: string;
  token: string;
  validateOnly: boolean;
  title: string;
  releaseNotes: string;
  amiId: string;
  accessRoleArn: string;
  user: string;
  osName: string;
  osVersion: string;
  scanningPort: number;
  usageInstructions: string;
  /** Required by AWS's shape (AddAmiDeliveryOptionDetails.RecommendedInstanceType). */
  instanceType: string;
}

/** StartChangeSet with AddDeliveryOptions: one version, one AMI delivery option. */
export async function startAddVersion(
  client: MarketplaceCatalogClient,
  version: NewVersion,
): Promise<string> {
  const started = await client.send(
    new StartChangeSetCommand({
      Catalog: CATALOG,
      ChangeSetName: version.name,
      ClientRequestToken: version.token,
      Intent: version.validateOnly ? 'VALIDATE' : 'APPLY',
      ChangeSet: [
        {
          ChangeType: 'AddDeliveryOptions',
          Entity: { Type: 'AmiProduct@1.0', Identifier: version.productId },
          DetailsDocument: {
            Version: { VersionTitle: version.title, ReleaseNotes: version.releaseNotes },
            DeliveryOptions: [
              {
                Details: {
                  AmiDeliveryOptionDetails: {
                    AmiSource: {
                      AmiId: version.amiId,
                      AccessRoleArn: version.accessRoleArn,
                      UserName: version.user,
                      OperatingSystemName: version.osName,
                      OperatingSystemVersion: version.osVersion,
                      ScanningPort: version.scanningPort,
                    },
                    UsageInstructions: version.usageInstructions,
                    RecommendedInstanceType: version.instanceType,
                    SecurityGroups: [
                      {
                        IpProtocol: 'tcp',
                        FromPort: version.scanningPort,
                        ToPort: version.scanningPort,
                        IpRanges: ['0.0.0.0/0'],
                      },
                    ],
                  },
                },
              },
            ],
          },
        },
      ],
    }),
  );
  return started.ChangeSetId!;
}

/** RestrictDeliveryOptionsChangeDetail takes 1 to 50 IDs; a change set 1 to 20 changes. */
export const RESTRICT_PER_CHANGE = 50;
export const CHANGES_PER_SET = 20;

/** StartChangeSet with RestrictDeliveryOptions: up to 1000 IDs, 50 to a change. */
export async function startRestrict(
  client: MarketplaceCatalogClient,
  productId: string,
  deliveryOptionIds: string[],
  name: string,
  token: string,
): Promise<string> {
  if (deliveryOptionIds.length > RESTRICT_PER_CHANGE * CHANGES_PER_SET)
    throw new Error(
      `one change set restricts at most ${RESTRICT_PER_CHANGE * CHANGES_PER_SET} delivery options`,
    );
  const changes = [];
  for (let start = 0; start < deliveryOptionIds.length; start += RESTRICT_PER_CHANGE)
    changes.push({
      ChangeType: 'RestrictDeliveryOptions',
      Entity: { Type: 'AmiProduct@1.0', Identifier: productId },
      DetailsDocument: { DeliveryOptionIds: deliveryOptionIds.slice(start, start + RESTRICT_PER_CHANGE) },
    });
  const started = await client.send(
    new StartChangeSetCommand({
      Catalog: CATALOG,
      ChangeSetName: name,
      ClientRequestToken: token,
      ChangeSet: changes,
    }),
  );
  return started.ChangeSetId!;
}

function safeJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export async function changeSet(client: MarketplaceCatalogClient, id: string): Promise<ChangeSetView> {
  const described = await client.send(new DescribeChangeSetCommand({ Catalog: CATALOG, ChangeSetId: id }));
  const titles = (described.ChangeSet ?? []).flatMap((change) => {
    const document = (change.DetailsDocument ?? safeJson(change.Details)) as
      { Version?: { VersionTitle?: unknown } } | undefined;
    const title = document?.Version?.VersionTitle;
    return change.ChangeType === 'AddDeliveryOptions' && typeof title === 'string' ? [title] : [];
  });
  return {
    id,
    name: described.ChangeSetName ?? '',
    status: described.Status as ChangeSetState,
    end: described.EndTime,
    titles,
    errors: (described.ChangeSet ?? []).flatMap((change) =>
      (change.ErrorDetailList ?? []).map((detail) => ({
        code: detail.ErrorCode ?? 'ERROR',
        message: detail.ErrorMessage ?? '',
      })),
    ),
    failure: described.FailureDescription ?? described.FailureCode,
  };
}

export const isProductLocked = (error: unknown) =>
  (error as { name?: string })?.name === 'ResourceInUseException';
