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
  runUrl: 'fedimg:run-url',
  uploadToken: 'fedimg:upload-token',
  sourceSnapshot: 'fedimg:source-snapshot',
  kmsKey: 'fedimg:kms-key',
} as const;

export const MANAGED_BY = 'fedimg';

export type TagList = Array<{ Key: string; Value: string }>;

/** The workflow run, when running in GitHub Actions. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
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
    [TAG.runUrl]: runUrl(),
    ...extra,
  };
  return Object.entries(tags)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([Key, Value]) => ({ Key, Value: Value.slice(0, 256) }));
}

export function tagValue(
  tags: Array<{ Key?: string; Value?: string }> | undefined,
  key: string,
): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}
