/**
 * What a change set does when it finishes: each change checked, and applied when all pass.
 *
 * AddDeliveryOptions (its document already matched AWS's shape at StartChangeSet) fails with:
 * - DUPLICATE_VERSION_TITLE, "The version title must be different from any other version titles of
 *   this product." (the API reference's "Errors in the AMI products API");
 * - RECOMMENDED_INSTANCE_TYPE_NOT_AVAILABLE (same table) when the type's architecture is not the
 *   AMI's;
 * - INVALID_AMI when the AMI is not an available AMI of this account in us-east-1, where AWS
 *   Marketplace ingests (a requirement the seller guide states; the code is the emulator's own);
 * - the access role's problems (ingestion.ts);
 * - a scan that found problems (setMarketplace({ scanFindings })): the ErrorMessage is then a URL to
 *   a JSON list of findings ({ErrorCode, ErrorMessage}). AWS's documents say nothing of this;
 *   release-engineering/cloudpub, a production publisher, has handled it since 2024-09, and the
 *   emulator serves what it handles; the code SCAN_FAILED is the emulator's name.
 * Neither "the AMI must be public or shared with AWS Marketplace" (the access role does the
 * sharing) nor "one architecture per product" is in AWS's documents, so neither is checked.
 * The version it adds has the entity shape DescribeEntity returns (AmiProduct_1_0 entity type:
 * Version, Source with OperatingSystem, DeliveryOption with Instructions and Recommendations, whose
 * SecurityGroups are {Protocol, FromPort, ToPort, CidrIps}, not the request's shape).
 */
import { randomUUID } from 'node:crypto';
import type { AccountState } from '../../state.js';
import { instanceTypeArchitecture } from '../ec2/instances.js';
import { ingestionProblems, type Problem } from './ingestion.js';
import { addDeliveryOptions, restrictDeliveryOptions, shaped } from './shapes.js';
import { details, type AmiProduct, type ChangeSet } from './state.js';

/** What AddDeliveryOptions would add, or the problems that stop it. */
function checkAddDeliveryOptions(
  state: AccountState,
  product: AmiProduct,
  body: Record<string, unknown>,
  findingsUrl: () => string,
): AmiProduct['versions'][number] | Problem[] {
  const { Version, DeliveryOptions } = shaped(addDeliveryOptions, 'AddDeliveryOptions', body);
  const detail = DeliveryOptions[0]!.Details.AmiDeliveryOptionDetails;
  const source = detail.AmiSource;
  const problems: Problem[] = [];
  if (product.versions.some((existing) => existing.VersionTitle === Version.VersionTitle))
    problems.push({
      ErrorCode: 'DUPLICATE_VERSION_TITLE',
      ErrorMessage: 'The version title must be different from any other version titles of this product.',
    });
  const image = state.images.get(source.AmiId);
  if (!image || image.region !== 'us-east-1' || image.state !== 'available') {
    problems.push({
      ErrorCode: 'INVALID_AMI',
      ErrorMessage: `${source.AmiId} is not an available AMI of this account in us-east-1, where AWS Marketplace ingests.`,
    });
    return problems;
  }
  if (instanceTypeArchitecture(detail.RecommendedInstanceType) !== image.architecture)
    problems.push({
      ErrorCode: 'RECOMMENDED_INSTANCE_TYPE_NOT_AVAILABLE',
      ErrorMessage: `${detail.RecommendedInstanceType} is not available for ${image.architecture} AMIs.`,
    });
  problems.push(...ingestionProblems(state, source.AccessRoleArn, image));
  const findings = state.catalog.settings.scanFindings;
  if (problems.length === 0 && findings) {
    const url = findingsUrl();
    state.catalog.findings.set(url, findings);
    state.catalog.settings.scanFindings = undefined;
    problems.push({ ErrorCode: 'SCAN_FAILED', ErrorMessage: url });
  }
  if (problems.length > 0) return problems;
  const sourceId = randomUUID();
  return {
    Id: randomUUID(),
    VersionTitle: Version.VersionTitle,
    ReleaseNotes: Version.ReleaseNotes,
    CreationDate: new Date(state.now()).toISOString(),
    Sources: [
      {
        Id: sourceId,
        Type: 'AmazonMachineImage',
        Image: image.id,
        Architecture: image.architecture,
        VirtualizationType: 'hvm',
        OperatingSystem: {
          Name: source.OperatingSystemName,
          Version: source.OperatingSystemVersion,
          Username: source.UserName,
          ScanningPort: source.ScanningPort ?? 22,
        },
      },
    ],
    DeliveryOptions: [
      {
        Id: randomUUID(),
        Type: 'AmazonMachineImage',
        SourceId: sourceId,
        Title: `(${image.architecture}) Amazon Machine Image`,
        Instructions: { Usage: detail.UsageInstructions },
        Recommendations: {
          SecurityGroups: detail.SecurityGroups.map((group) => ({
            Protocol: group.IpProtocol,
            FromPort: group.FromPort,
            ToPort: group.ToPort,
            CidrIps: group.IpRanges,
          })),
          InstanceType: detail.RecommendedInstanceType,
        },
        Visibility: 'Public',
      },
    ],
  };
}

/** The change set's end: every change checked, applied when all pass and the intent is APPLY. */
export function finish(state: AccountState, set: ChangeSet, origin: string): void {
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
      const checked = checkAddDeliveryOptions(
        state,
        product,
        body,
        () => `${origin}/__emulator/marketplace-findings/${set.id}`,
      );
      if (Array.isArray(checked)) change.ErrorDetailList = checked;
      else
        apply.push(() => {
          product.versions.push(checked);
          product.lastModified = state.now();
        });
    } else {
      const ids = shaped(restrictDeliveryOptions, 'RestrictDeliveryOptions', body).DeliveryOptionIds;
      const known = product.versions.flatMap(
        (version) => version.DeliveryOptions as Array<{ Id: string; Visibility: string }>,
      );
      const unknown = ids.filter((id) => !known.some((option) => option.Id === id));
      if (unknown.length > 0)
        change.ErrorDetailList = [
          {
            // The emulator's own code: the part of AWS's table that was readable lists none for this.
            ErrorCode: 'DELIVERY_OPTION_NOT_FOUND',
            ErrorMessage: `Unknown delivery option(s): ${unknown.join(', ')}.`,
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
