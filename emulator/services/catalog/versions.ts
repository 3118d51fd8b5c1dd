/** What a change set does when it finishes: each change checked, and applied when all pass. */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID } from '../../constants.js';
import type { AccountState } from '../../state.js';
import { details, MARKETPLACE_INGESTION_ACCOUNT, type AmiProduct, type ChangeSet } from './state.js';

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
export function finish(state: AccountState, set: ChangeSet): void {
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
