import * as z from 'zod';
import { AWS_ID } from './tags.js';

/**
 * What a run has created but not finished (an open snapshot, a staging object, an import task, a
 * test instance). Stages add a resource before they start on it and drop it once it is complete or
 * cleaned up; whatever is left when the main step dies is removed by the post step.
 */
export type PendingResource =
  | { kind: 'snapshot'; region: string; id: string }
  | { kind: 's3-object'; region: string; bucket: string; key: string }
  | { kind: 'import-task'; region: string; id: string }
  | { kind: 'instance'; region: string; id: string };

/** Where the S3 route stages raw disks; the IAM policy grants S3 access under this prefix only. */
export const STAGING_PREFIX = 'fedimg-staging/';

/** The staging object of one image: keyed by its sha256, so concurrent runs for it share one key. */
export function stagingKey(image: { sha256: string; name: string }): string {
  return `${STAGING_PREFIX}${image.sha256.slice(0, 16)}/${image.name}.raw`;
}

const REGION = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/);
const STAGING_KEY = /^fedimg-staging\/[0-9a-f]{16}\/[A-Za-z0-9._+-]{1,200}\.raw$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const pendingSchema = z
  .array(
    z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('snapshot'), region: REGION, id: z.string().regex(AWS_ID.snapshot) }),
      z.strictObject({ kind: z.literal('instance'), region: REGION, id: z.string().regex(AWS_ID.instance) }),
      z.strictObject({
        kind: z.literal('import-task'),
        region: REGION,
        id: z.string().regex(AWS_ID.importTask),
      }),
      z.strictObject({
        kind: z.literal('s3-object'),
        region: REGION,
        bucket: z.string().regex(BUCKET),
        key: z.string().regex(STAGING_KEY),
      }),
    ]),
  )
  .max(64);

/**
 * The post step's view of the main step's state. State travels through the runner and anything
 * printed as `::save-state` could have written it, so it is parsed like any untrusted input; the
 * problem is described without echoing the value.
 */
export function parsePendingState(text: string): { items: PendingResource[] } | { problem: string } {
  if (text === '') return { items: [] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { problem: 'it is not JSON' };
  }
  const result = pendingSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { problem: `${issue.path.join('.') || '(top level)'}: ${issue.message}` };
  }
  return { items: result.data };
}

export function pendingKey(resource: PendingResource): string {
  return resource.kind === 's3-object'
    ? `s3://${resource.bucket}/${resource.key}`
    : `${resource.kind}:${resource.region}:${resource.id}`;
}

export class PendingResources {
  private readonly items = new Map<string, PendingResource>();

  /** `persist` is called with the whole list after every change (the action saves it as step state). */
  constructor(private readonly persist: (items: PendingResource[]) => void = () => undefined) {}

  add(resource: PendingResource): void {
    this.items.set(pendingKey(resource), resource);
    this.persist(this.list());
  }

  remove(resource: PendingResource): void {
    if (this.items.delete(pendingKey(resource))) this.persist(this.list());
  }

  list(): PendingResource[] {
    return [...this.items.values()];
  }
}
