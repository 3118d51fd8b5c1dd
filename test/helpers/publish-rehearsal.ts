/**
 * What the rehearsals of publish.yml share (test/workflow/publish-rehearsal*.test.ts, split so they
 * run side by side): the world (a nightly and a DOOMED compose, the emulator), a stand-in for
 * GitHub's API, the repository variables, and the ways to read a rehearsal's outcome.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { GeneratedCompose } from '../fixtures/compose.js';
import { startFakeGitHub, type FakeGitHub } from '../fixtures/github-api.js';
import { rehearse, type Rehearsal, type RehearsalEvent } from './rehearsal.js';
import { useWorld } from './world.js';

export const WORKFLOW = '.github/workflows/publish.yml';
export const REPOSITORY = 'fedora-cloud/fedimg';
/** Two destinations: the matrix has several legs, one of them (ca-central-1) the faulted one. */
export const REGIONS = ['eu-west-1', 'ca-central-1'];
export const PUBLISH_ROLE = 'arn:aws:iam::123456789012:role/fedimg-publish';
export const PLAN_ROLE = 'arn:aws:iam::123456789012:role/fedimg-plan';
export const JOBS = ['plan', 'import', 'boot-test', 'copy', 'publish', 'marketplace', 'release'];

export function usePublishRehearsal(prefix: string) {
  const world = useWorld(prefix, [
    { composeId: 'Fedora-Rawhide-20261120.n.0', rawSize: 3 * 1024 * 1024 + 5 },
    { composeId: 'Fedora-Rawhide-20261121.n.0', rawSize: 1024 * 1024, status: 'DOOMED' },
  ]);
  const state = { github: undefined as FakeGitHub | undefined };
  beforeAll(async () => {
    state.github = await startFakeGitHub(REPOSITORY);
  });
  afterAll(() => state.github?.close());
  beforeEach(() => {
    state.github!.releases.length = 0;
  });
  const location = (compose: GeneratedCompose) => world.location(compose);
  const run = (event: RehearsalEvent, rerunOf?: Rehearsal): Promise<Rehearsal> => {
    world.emulator.addCredentials('AKIDREHEARSAL', 'secret');
    return rehearse(WORKFLOW, {
      event,
      rerunOf,
      repository: REPOSITORY,
      vars: {
        FEDIMG_AWS_ROLE_ARN: PUBLISH_ROLE,
        FEDIMG_PLAN_ROLE_ARN: PLAN_ROLE,
        FEDIMG_REGIONS: REGIONS.join(','),
        FEDIMG_ALLOWED_HOSTS: world.files.host,
        FEDIMG_ALLOW_HTTP: 'true',
        FEDIMG_PAGES: 'true',
        FEDIMG_MARKETPLACE_PRODUCTS: 'x86_64=prod-fedorax86,aarch64=prod-fedoraarm',
        FEDIMG_MARKETPLACE_ACCESS_ROLE_ARN: 'arn:aws:iam::123456789012:role/fedimg-marketplace',
      },
      aws: {
        AWS_ENDPOINT_URL: world.emulator.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDREHEARSAL',
        AWS_SECRET_ACCESS_KEY: 'secret',
      },
      runnerEnv: { GITHUB_API_URL: state.github!.url },
    });
  };
  return {
    world,
    get github() {
      return state.github!;
    },
    nightly: () => world.composes[0]!,
    doomed: () => world.composes[1]!,
    location,
    run,
  };
}

export const dispatch = (payload: object): RehearsalEvent => ({
  name: 'repository_dispatch',
  payload: { action: 'compose-finished', client_payload: payload as never },
});

/** pages.yml as GitHub starts it once a publish run has completed (workflow_run). */
export const deployPages = (after: Rehearsal, conclusion = 'success') =>
  rehearse('.github/workflows/pages.yml', {
    event: {
      name: 'workflow_run',
      payload: { workflow_run: { id: Number(after.runId), conclusion, name: 'Publish a compose' } },
    },
    runId: String(Number(after.runId) + 1),
    runs: [after],
    repository: REPOSITORY,
    vars: { FEDIMG_PAGES: 'true' },
    aws: {},
  });

/** The permissions of the README's example of calling publish.yml from another repository. */
export async function readmeCallerPermissions(): Promise<Record<string, string>> {
  const readme = await readFile('README.md', 'utf8');
  const block = /```yaml\n(jobs:\n {2}publish:\n {4}uses: [^\n]*publish\.yml@[^`]*)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no example calling publish.yml');
  return (parseYaml(block) as { jobs: { publish: { permissions: Record<string, string> } } }).jobs.publish
    .permissions;
}

/** Every job's expected result: the ones named, and 'skipped' for the rest. */
export const outcome = (named: Record<string, string>) =>
  Object.fromEntries(JOBS.map((job) => [job, named[job] ?? 'skipped']));

export function results(rehearsal: Rehearsal): Record<string, string> {
  return Object.fromEntries([...rehearsal.jobs].map(([id, job]) => [id, job.result]));
}

export function explain(rehearsal: Rehearsal): string {
  const failed = [...rehearsal.jobs.values()]
    .flatMap((job) => job.legs)
    .flatMap((leg) => leg.steps.filter((step) => step.result === 'failure'));
  return `${rehearsal.trace.join('\n')}\n${failed.map((step) => step.log.slice(-3000)).join('\n---\n')}`;
}
