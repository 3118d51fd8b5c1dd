import { composeKind } from '../compose/kind.js';
import type { PlannedImage } from '../compose/types.js';

/** Tag keys fedimg puts on everything it creates; AWS is the record between jobs and re-runs. */
export const TAG = {
  name: 'Name',
  managedBy: 'ManagedBy',
  composeId: 'fedimg:compose-id',
  image: 'fedimg:image',
  sourceSha256: 'fedimg:source-sha256',
  arch: 'fedimg:arch',
  flavour: 'fedimg:flavour',
  release: 'fedimg:release',
  composeType: 'fedimg:compose-type',
  /** nightly, test, ci, development, dated, beta or ga: what decides whether the AMI expires. */
  composeKind: 'fedimg:compose-kind',
  runUrl: 'fedimg:run-url',
  uploadToken: 'fedimg:upload-token',
  sourceSnapshot: 'fedimg:source-snapshot',
  sourceAmi: 'fedimg:source-ami',
  kmsKey: 'fedimg:kms-key',
  /** On an AMI: the boot-test verdict that gates copy and publish. On an instance: the AMI it tests. */
  bootTest: 'fedimg:boot-test',
  /** When cleanup made an expired AMI private; it is deleted a grace period later. */
  expiredAt: 'fedimg:expired-at',
  /**
   * On a subnet or security group, value `allowed`: the account's operator lets boot tests launch
   * there (docs/iam-policy.json allows RunInstances only in a network carrying it; fedimg never sets it).
   */
  bootTestNetwork: 'fedimg:boot-test-network',
} as const;

export const MANAGED_BY = 'fedimg';

export type TagList = Array<{ Key: string; Value: string }>;

/** The workflow run, when running in GitHub Actions. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

/** S3 user metadata that marks a staging object as fedimg's, and as this run's. */
export function ownerMetadata(): Record<string, string> {
  const run = runUrl();
  return { 'managed-by': MANAGED_BY, ...(run ? { 'run-url': run } : {}) };
}

export function imageTags(image: PlannedImage, extra: Record<string, string | undefined> = {}): TagList {
  const tags: Record<string, string | undefined> = {
    [TAG.managedBy]: MANAGED_BY,
    [TAG.composeId]: image.compose_id || undefined,
    [TAG.image]: image.file,
    [TAG.sourceSha256]: image.sha256,
    [TAG.arch]: image.arch,
    [TAG.release]: image.release || undefined,
    [TAG.composeType]: image.compose_type,
    [TAG.composeKind]: composeKind(image),
    [TAG.runUrl]: runUrl(),
    ...extra,
  };
  // A value is cut at 255 characters: EC2 takes 256, StartSnapshot 255 (EBS direct API Reference,
  // Tag), and the same tags go to both.
  return Object.entries(tags)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([Key, Value]) => ({ Key, Value: Value.slice(0, 255) }));
}

export function tagValue(
  tags: Array<{ Key?: string; Value?: string }> | undefined,
  key: string,
): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

// Times fedimg writes (toISOString) and AWS returns: UTC, to the second or finer. Nothing looser:
// Date.parse would accept free text around a date, and tag values are anyone's to write.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** A time read back from AWS (a tag or an attribute), or undefined when it is not strictly ISO 8601. */
export function isoTime(value: string | undefined): Date | undefined {
  if (value === undefined || !ISO_INSTANT.test(value)) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** The shapes of the AWS IDs fedimg reads back and acts on. */
export const AWS_ID = {
  snapshot: /^snap-[0-9a-f]{8,17}$/,
  image: /^ami-[0-9a-f]{8,17}$/,
  instance: /^i-[0-9a-f]{8,17}$/,
  importTask: /^import-snap-[0-9a-f]{8,17}$/,
} as const;
