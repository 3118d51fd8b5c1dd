import {
  DescribeChangeSetCommand,
  DescribeEntityCommand,
  ListChangeSetsCommand,
  StartChangeSetCommand,
  type MarketplaceCatalogClient,
} from '@aws-sdk/client-marketplace-catalog';
import { z } from 'zod';

/** The Marketplace Catalog calls the marketplace stage makes; the catalog is always AWSMarketplace. */

const CATALOG = 'AWSMarketplace';

export type ChangeSetState = 'PREPARING' | 'APPLYING' | 'SUCCEEDED' | 'CANCELLED' | 'FAILED';

export interface ChangeSetView {
  id: string;
  status: ChangeSetState;
  /** Every ErrorDetailList entry, as "CODE: message". */
  errors: string[];
  failure: string | undefined;
}

export interface DeliveryOption {
  id: string;
  visibility: string;
}

export interface ProductVersion {
  title: string;
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
    amis: (version.Sources ?? []).flatMap((source) => (source.Image ? [source.Image] : [])),
    deliveryOptions: (version.DeliveryOptions ?? []).map((option) => ({
      id: option.Id,
      visibility: option.Visibility ?? 'Public',
    })),
  }));
}

/** Change sets of this product with this name (fedimg names its change sets by compose and arch). */
export async function changeSetsNamed(
  client: MarketplaceCatalogClient,
  productId: string,
  name: string,
): Promise<Array<{ id: string; status: ChangeSetState }>> {
  const listed = await client.send(
    new ListChangeSetsCommand({
      Catalog: CATALOG,
      FilterList: [
        { Name: 'EntityId', ValueList: [productId] },
        { Name: 'ChangeSetName', ValueList: [name] },
      ],
    }),
  );
  return (listed.ChangeSetSummaryList ?? []).map((item) => ({
    id: item.ChangeSetId ?? '',
    status: item.Status as ChangeSetState,
  }));
}

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
  instanceType: string | undefined;
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
                    ...(version.instanceType ? { RecommendedInstanceType: version.instanceType } : {}),
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

/** StartChangeSet with RestrictDeliveryOptions for earlier versions' delivery options. */
export async function startRestrict(
  client: MarketplaceCatalogClient,
  productId: string,
  deliveryOptionIds: string[],
  name: string,
): Promise<string> {
  const started = await client.send(
    new StartChangeSetCommand({
      Catalog: CATALOG,
      ChangeSetName: name,
      ChangeSet: [
        {
          ChangeType: 'RestrictDeliveryOptions',
          Entity: { Type: 'AmiProduct@1.0', Identifier: productId },
          DetailsDocument: { DeliveryOptionIds: deliveryOptionIds },
        },
      ],
    }),
  );
  return started.ChangeSetId!;
}

export async function changeSet(client: MarketplaceCatalogClient, id: string): Promise<ChangeSetView> {
  const described = await client.send(new DescribeChangeSetCommand({ Catalog: CATALOG, ChangeSetId: id }));
  return {
    id,
    status: described.Status as ChangeSetState,
    errors: (described.ChangeSet ?? []).flatMap((change) =>
      (change.ErrorDetailList ?? []).map(
        (detail) => `${detail.ErrorCode ?? 'ERROR'}: ${detail.ErrorMessage ?? ''}`,
      ),
    ),
    failure: described.FailureDescription ?? described.FailureCode,
  };
}

export const isProductLocked = (error: unknown) =>
  (error as { name?: string })?.name === 'ResourceInUseException';
