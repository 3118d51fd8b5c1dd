import { composeKind } from '../compose/kind.js';
import { parseComposeLabel } from '../compose/compose-id.js';
import type { PlannedImage } from '../compose/types.js';
import { MarketplaceError } from '../errors.js';
import type { MarketplaceSettings } from '../settings/marketplace.js';
import type { NewVersion } from '../aws/marketplace.js';
import { ACCESS_ROLE_ARN, INSTANCE_TYPE, USER_NAME } from './patterns.js';

/**
 * AWS's limits on a new AMI version (the AmiProduct_1_0 change-type shapes AWS publishes in
 * awslabs/aws-marketplace-catalog-api-shapes-for-python: AddVersion, AmiSource,
 * AddAmiDeliveryOptionDetails), checked before StartChangeSet so a version AWS cannot take is
 * never submitted. Each names AWS's field.
 */
const BLANK_START = /^\s/;
const LIMITS: Array<{ field: string; value: (version: NewVersion) => string; max: number }> = [
  { field: 'Version.VersionTitle', value: (v) => v.title, max: 64 },
  { field: 'Version.ReleaseNotes', value: (v) => v.releaseNotes, max: 30000 },
  { field: 'AmiDeliveryOptionDetails.UsageInstructions', value: (v) => v.usageInstructions, max: 4000 },
  { field: 'AmiSource.OperatingSystemName', value: (v) => v.osName, max: 100 },
  { field: 'AmiSource.OperatingSystemVersion', value: (v) => v.osVersion, max: 100 },
];

export function checkNewVersion(version: NewVersion, where: string): void {
  const problems: string[] = [];
  for (const { field, value, max } of LIMITS) {
    const text = value(version);
    if (text.length === 0 || BLANK_START.test(text))
      problems.push(`${field} must start with a non-blank character`);
    else if (text.length > max)
      problems.push(`${field} has ${text.length} characters; AWS takes at most ${max}`);
  }
  if (!USER_NAME.test(version.user))
    problems.push(`AmiSource.UserName "${version.user}" does not match ${USER_NAME.source}`);
  if (!ACCESS_ROLE_ARN.test(version.accessRoleArn))
    problems.push(`AmiSource.AccessRoleArn must be an IAM role ARN of the aws partition`);
  if (!INSTANCE_TYPE.test(version.instanceType))
    problems.push(`RecommendedInstanceType "${version.instanceType}" does not match ${INSTANCE_TYPE.source}`);
  if (problems.length > 0)
    throw new MarketplaceError(`The new version of ${where} is not one AWS takes: ${problems.join('; ')}.`, {
      hint: 'Shorten or correct the marketplace-* input behind each field; nothing was submitted.',
    });
}

/** "Beta" for a Beta compose, empty for a GA one: the {milestone} of the version title. */
export function milestone(image: PlannedImage): string {
  return composeKind(image) === 'beta' ? parseComposeLabel(image.label).name : '';
}

/** A template filled for one image: {release}, {compose_id}, {arch}, {label}, {milestone}. */
export function fill(template: string, image: PlannedImage): string {
  return template
    .replaceAll('{release}', image.release)
    .replaceAll('{compose_id}', image.compose_id)
    .replaceAll('{arch}', image.arch)
    .replaceAll('{label}', image.label)
    .replaceAll('{milestone}', milestone(image));
}

/** The version title: a GA's empty {milestone} leaves no double or trailing space. */
export const versionTitle = (template: string, image: PlannedImage) =>
  fill(template, image).replace(/ {2,}/g, ' ').trim();

/** The version fedimg asks AWS to add for `image`, its AMI and its change set's name and token. */
export function newVersion(
  options: MarketplaceSettings,
  image: PlannedImage,
  amiId: string,
  name: string,
  token: string,
): NewVersion {
  return {
    productId: options.products[image.arch]!,
    name,
    token,
    validateOnly: options.validateOnly,
    title: versionTitle(options.versionTitle, image),
    releaseNotes: fill(options.releaseNotes, image),
    amiId,
    accessRoleArn: options.accessRoleArn!,
    user: options.user,
    osName: options.osName,
    osVersion: fill(options.osVersion, image),
    scanningPort: options.scanningPort,
    usageInstructions: options.usageInstructions,
    instanceType: options.instanceTypes[image.arch]!,
  };
}
