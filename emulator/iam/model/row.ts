/** Where each row of the emulator's IAM model was read, and the shape of a row. */

export interface Source {
  /** The AWS document. */
  document: string;
  url: string;
  /** Which copy was read, and when. */
  read: string;
}

// The Service Authorization Reference as parsed from the copy kept in salesforce/policy_sentry
// (policy_sentry/shared/data/docs/list_*.html, commit 66e53f2 of 2026-06-22), read 2026-12-04.
const SAR_COPY = 'salesforce/policy_sentry copy of 2026-06-22 (66e53f2), read 2026-12-04';
const sar = (service: string, page: string): Source => ({
  document: `Service Authorization Reference: Actions, resources, and condition keys for ${service}`,
  url: `https://docs.aws.amazon.com/service-authorization/latest/reference/${page}.html`,
  read: SAR_COPY,
});

export const SAR = {
  ec2: sar('Amazon EC2', 'list_amazonec2'),
  ebs: sar('Amazon Elastic Block Store (EBS direct APIs)', 'list_amazonelasticblockstore'),
  catalog: sar('AWS Marketplace Catalog', 'list_awsmarketplacecatalog'),
  iam: sar('AWS Identity and Access Management (IAM)', 'list_awsidentityandaccessmanagementiam'),
  sts: sar('AWS Security Token Service', 'list_awssecuritytokenservice'),
  s3: sar('Amazon S3', 'list_amazons3'),
} as const;

/** One resource type an action authorizes, and the condition keys the SAR lists for it there. */
export interface ResourceRow {
  type: string;
  /** Marked * in the SAR: the caller must be allowed the action on a resource of this type. */
  required: boolean;
  keys: readonly string[];
}

/** One action's row in the SAR. */
export interface ActionRow {
  resources: readonly ResourceRow[];
  /** The keys of the row without a resource type: they apply to every authorization of the action. */
  actionKeys: readonly string[];
  /** Actions the SAR lists as needed besides this one (the emulator checks those it models). */
  dependentActions: readonly string[];
  source: Source;
}

/**
 * A row as the SAR prints it: `resources` is the resource-type cell ("image* snapshot", * for
 * required), `keys` the condition-key cell per resource type ('' for the row without one), each a
 * space-separated list.
 */
export function row(
  resources: string,
  keys: Record<string, string>,
  source: Source,
  dependentActions: string[] = [],
): ActionRow {
  const split = (text: string | undefined) => (text ?? '').split(/\s+/).filter(Boolean);
  return {
    resources: split(resources).map((cell) => ({
      type: cell.replace(/\*$/, ''),
      required: cell.endsWith('*'),
      keys: split(keys[cell.replace(/\*$/, '')]),
    })),
    actionKeys: split(keys['']),
    dependentActions,
    source,
  };
}
