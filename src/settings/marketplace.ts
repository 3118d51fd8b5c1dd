import { InputError } from '../errors.js';
import { ACCESS_ROLE_ARN, INSTANCE_TYPE, USER_NAME } from '../marketplace/patterns.js';
import { integer, list, parseBoolean, type InputReader } from './inputs.js';

/** The marketplace stage: which products get a new version, and what the version says. */
export interface MarketplaceSettings {
  /** Product ID per architecture (x86_64, aarch64); empty: the stage has nothing to do. */
  products: Record<string, string>;
  accessRoleArn: string | undefined;
  /** Templates: {release}, {compose_id}, {arch}, {label}, {milestone}. */
  versionTitle: string;
  releaseNotes: string;
  osName: string;
  osVersion: string;
  user: string;
  scanningPort: number;
  /** RecommendedInstanceType per architecture: AWS requires one; both arches always have one. */
  instanceTypes: Record<string, string>;
  usageInstructions: string;
  includeBeta: boolean;
  restrictPrevious: boolean;
  /** Intent VALIDATE: AWS checks the change, nothing is published (the dry-run input). */
  validateOnly: boolean;
  /**
   * How often to look at a change set, and how long a run waits for it (AMI scans take hours; a
   * version still scanning when the wait ends is recorded as submitted).
   */
  pollIntervalMs: number;
  waitMs: number;
}

/** A type AWS offers for each architecture, used when marketplace-instance-types names none. */
const DEFAULT_INSTANCE_TYPES: Record<string, string> = { x86_64: 't3.medium', aarch64: 't4g.medium' };

/** `x86_64=prod-abc,aarch64=prod-def` → {x86_64: 'prod-abc', aarch64: 'prod-def'}. */
function perArch(name: string, value: string, pattern: RegExp, what: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of list(value)) {
    const [arch, entry, ...rest] = pair.split('=');
    if (!arch || !['x86_64', 'aarch64'].includes(arch) || !entry || rest.length > 0 || !pattern.test(entry)) {
      throw new InputError(`${name} has "${pair}", which is not <x86_64|aarch64>=<${what}>.`, {
        hint: `Example: x86_64=${what === 'product ID' ? 'prod-abc123' : 't3.medium'},aarch64=${what === 'product ID' ? 'prod-def456' : 't4g.medium'}.`,
      });
    }
    result[arch] = entry;
  }
  return result;
}

export function marketplaceSettings(read: InputReader): MarketplaceSettings {
  const products = perArch(
    'marketplace-products',
    read('marketplace-products'),
    /^prod-[a-z0-9]{1,64}$/,
    'product ID',
  );
  const role = read('marketplace-access-role-arn');
  if (role && !ACCESS_ROLE_ARN.test(role))
    throw new InputError(
      `marketplace-access-role-arn "${role}" is not what AWS takes as AmiSource.AccessRoleArn (${ACCESS_ROLE_ARN.source}).`,
      {
        hint: 'Give the ARN of a role of the aws partition (AWS Marketplace is not in the other partitions).',
      },
    );
  const user = read('marketplace-user');
  if (!USER_NAME.test(user))
    throw new InputError(
      `marketplace-user "${user}" is not what AWS takes as AmiSource.UserName (${USER_NAME.source}).`,
    );
  const instanceTypes = {
    ...DEFAULT_INSTANCE_TYPES,
    ...perArch(
      'marketplace-instance-types',
      read('marketplace-instance-types'),
      INSTANCE_TYPE,
      'instance type',
    ),
  };
  if (Object.keys(products).length > 0 && !role)
    throw new InputError('marketplace-products is set but marketplace-access-role-arn is empty.', {
      hint: 'AWS Marketplace copies and scans the AMI with that role: see docs/marketplace-access-role.json.',
    });
  return {
    products,
    accessRoleArn: role || undefined,
    versionTitle: read('marketplace-version-title'),
    releaseNotes: read('marketplace-release-notes'),
    osName: read('marketplace-os-name'),
    osVersion: read('marketplace-os-version'),
    user,
    scanningPort: integer('marketplace-scanning-port', read('marketplace-scanning-port'), 1, 65535),
    instanceTypes,
    usageInstructions: read('marketplace-usage-instructions'),
    includeBeta: parseBoolean('marketplace-include-beta', read('marketplace-include-beta')),
    restrictPrevious: parseBoolean('marketplace-restrict-previous', read('marketplace-restrict-previous')),
    validateOnly: parseBoolean('dry-run', read('dry-run')),
    pollIntervalMs: 30_000,
    waitMs: integer('marketplace-wait-minutes', read('marketplace-wait-minutes'), 0, 300) * 60_000,
  };
}
