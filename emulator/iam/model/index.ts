/**
 * The emulator's IAM model: what AWS authorizes for each action, as AWS's documents state it, kept
 * as data. The request builders (../requests/) say what a request touches and what is known about
 * it; this model decides which of those facts AWS puts in the request context for each resource,
 * so a key the SAR does not list for a resource (aws:ResourceTag on CopySnapshot's source, say) is
 * absent there, as it is in AWS, however the emulator could have filled it.
 */
import type { AuthorizationRequest } from '../evaluate.js';
import { EC2_ROWS } from './ec2.js';
import { SAR, type ActionRow, type Source } from './row.js';
import { SERVICE_ROWS } from './services.js';

export { SAR, type ActionRow, type ResourceRow, type Source } from './row.js';

export const IAM_MODEL: Readonly<Record<string, ActionRow>> = { ...EC2_ROWS, ...SERVICE_ROWS };

/**
 * What AWS's documents say about these actions beyond their SAR rows. Each is modelled by the
 * request builders and names where it is written.
 */
export const DOCUMENTED_BEHAVIOUR: ReadonlyArray<{ action: string; rule: string; source: Source }> = [
  {
    action: 'ec2:CopySnapshot',
    rule: 'Resource-level permissions apply to both the snapshot copy and the source snapshot: both are authorized as snapshot*, the source without aws:ResourceTag.',
    source: { ...SAR.ec2, document: `${SAR.ec2.document} (CopySnapshot's description)` },
  },
  {
    action: 'ec2:CopyImage',
    rule: 'Since 2024-10-28 the source AMI is authorized as image* as well as the new AMI, with the keys of the image* row (no aws:ResourceTag); the new snapshots as snapshot*.',
    source: {
      document: 'Amazon EC2 User Guide: Grant permissions to copy Amazon EC2 AMIs',
      url: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/copy-ami-permissions.html',
      read: '2026-12-04',
    },
  },
  {
    action: 'ec2:ImportSnapshot',
    rule: 'TagSpecifications tag the import snapshot task only; the snapshot the task creates carries no tags.',
    source: {
      document: 'Amazon EC2 API Reference: ImportSnapshot (TagSpecifications)',
      url: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportSnapshot.html',
      read: '2026-12-04',
    },
  },
  {
    action: 'aws-marketplace:StartChangeSet',
    rule: 'An AmiSource with an AccessRoleArn passes that role to AWS Marketplace: the caller needs iam:PassRole on it with iam:PassedToService assets.marketplace.amazonaws.com. The SAR row lists no dependent action; AWS grants it in its managed policy for sellers.',
    source: {
      document:
        'AWS managed policy AWSMarketplaceSellerFullAccess v12, statement AssetScanning; AWS Marketplace Seller Guide: Giving AWS Marketplace access to your AMI',
      url: 'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSMarketplaceSellerFullAccess.html',
      read: 'zoph-io/MAMIP copy of v12 (2024-07-25), read 2026-12-04',
    },
  },
  {
    action: 'ec2:RunInstances',
    rule: 'subnet* is authorized only when the request names a subnet (the SAR scenarios EC2-VPC-EBS-Subnet vs EC2-VPC-EBS); an instance profile passes its role (iam:PassRole, iam:PassedToService ec2.amazonaws.com).',
    source: { ...SAR.ec2, document: `${SAR.ec2.document} (RunInstances' scenarios and dependent actions)` },
  },
];

/** A key the SAR lists (with ${TagKey}-style parts) matches a context key of that shape. */
function listed(keys: readonly string[], contextKey: string): boolean {
  const lower = contextKey.toLowerCase();
  return keys.some((key) => {
    const variable = key.search(/\$\{|<key>/);
    if (variable < 0) return key.toLowerCase() === lower;
    return lower.startsWith(key.slice(0, variable).toLowerCase());
  });
}

/** One thing a request touches, with everything known about it (the model picks what AWS shows). */
export interface Candidate {
  action: string;
  /** The SAR resource type, or undefined for an action without resource-level permissions. */
  resourceType: string | undefined;
  /** The resource's ARN (a `*` for the last part while it is being created), or * . */
  resource: string;
  facts: Record<string, string | string[]>;
}

/** The authorization AWS makes for a candidate: its context holds only the keys the SAR lists. */
export function authorizationFor(candidate: Candidate): AuthorizationRequest {
  const entry = IAM_MODEL[candidate.action];
  if (!entry) throw new Error(`the emulator's IAM model has no SAR row for ${candidate.action}`);
  const resourceRow =
    candidate.resourceType === undefined
      ? undefined
      : entry.resources.find((resource) => resource.type === candidate.resourceType);
  if (candidate.resourceType !== undefined && !resourceRow)
    throw new Error(`the SAR row for ${candidate.action} has no resource type ${candidate.resourceType}`);
  const keys = [...(resourceRow?.keys ?? []), ...entry.actionKeys];
  const context = Object.fromEntries(Object.entries(candidate.facts).filter(([key]) => listed(keys, key)));
  return {
    action: candidate.action,
    resource: candidate.resourceType === undefined ? '*' : candidate.resource,
    context,
    ...(candidate.resourceType === undefined ? {} : { resourceType: candidate.resourceType }),
  };
}
