import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statusMessage, type GeneratedCompose } from '../fixtures/compose.js';
import { startFakeGitHub, type FakeGitHub } from '../fixtures/github-api.js';
import { expectClean } from '../helpers/aws.js';
import { useWorld } from '../helpers/world.js';
import { parse as parseYaml } from 'yaml';
import { rehearse, WORKFLOW_SHA, type Rehearsal, type RehearsalEvent } from '../helpers/rehearsal.js';

const WORKFLOW = '.github/workflows/publish.yml';
const REPOSITORY = 'fedora-cloud/fedimg';
const REGIONS = ['eu-west-1', 'ap-southeast-2', 'ca-central-1', 'us-west-2'];
const PUBLISH_ROLE = 'arn:aws:iam::123456789012:role/fedimg-publish';
const PLAN_ROLE = 'arn:aws:iam::123456789012:role/fedimg-plan';

const world = useWorld('fedimg-rehearsal-', [
  { composeId: 'Fedora-Rawhide-20261120.n.0', rawSize: 3 * 1024 * 1024 + 5 },
  { composeId: 'Fedora-Rawhide-20261121.n.0', rawSize: 1024 * 1024, status: 'DOOMED' },
]);
const nightly = () => world.composes[0]!;
const doomed = () => world.composes[1]!;
let github: FakeGitHub;

beforeAll(async () => {
  github = await startFakeGitHub(REPOSITORY);
});
afterAll(() => github?.close());
beforeEach(() => {
  github.releases.length = 0;
});

const location = (compose: GeneratedCompose) => world.location(compose);

function run(event: RehearsalEvent, rerunOf?: Rehearsal): Promise<Rehearsal> {
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
    runnerEnv: { GITHUB_API_URL: github.url },
  });
}

const dispatch = (payload: object): RehearsalEvent => ({
  name: 'repository_dispatch',
  payload: { action: 'compose-finished', client_payload: payload as never },
});

const JOBS = ['plan', 'import', 'boot-test', 'copy', 'publish', 'marketplace', 'release'];

/** pages.yml as GitHub starts it once a publish run has completed (workflow_run). */
const deployPages = (after: Rehearsal, conclusion = 'success') =>
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
async function readmeCallerPermissions(): Promise<Record<string, string>> {
  const readme = await readFile('README.md', 'utf8');
  const block = /```yaml\n(jobs:\n {2}publish:\n {4}uses: [^\n]*publish\.yml@[^`]*)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no example calling publish.yml');
  return (parseYaml(block) as { jobs: { publish: { permissions: Record<string, string> } } }).jobs.publish
    .permissions;
}

/** Every job's expected result: the ones named, and 'skipped' for the rest. */
const outcome = (named: Record<string, string>) =>
  Object.fromEntries(JOBS.map((job) => [job, named[job] ?? 'skipped']));

function results(rehearsal: Rehearsal): Record<string, string> {
  return Object.fromEntries([...rehearsal.jobs].map(([id, job]) => [id, job.result]));
}

function explain(rehearsal: Rehearsal): string {
  const failed = [...rehearsal.jobs.values()]
    .flatMap((job) => job.legs)
    .flatMap((leg) => leg.steps.filter((step) => step.result === 'failure'));
  return `${rehearsal.trace.join('\n')}\n${failed.map((step) => step.log.slice(-3000)).join('\n---\n')}`;
}

describe('publish.yml, rehearsed', () => {
  it('runs a dispatched compose from plan to release: an AMI for every image × region, a summary per job', async () => {
    const rehearsal = await run(dispatch(statusMessage(nightly(), location(nightly()))));
    expect(results(rehearsal), explain(rehearsal)).toEqual(
      outcome(Object.fromEntries(JOBS.map((job) => [job, 'success']))),
    );
    // The matrices came from the plan's real outputs: one leg per image, one per region.
    expect(
      rehearsal.jobs
        .get('import')!
        .legs.map((leg) => leg.matrix!.arch)
        .sort(),
    ).toEqual(['aarch64', 'x86_64']);
    expect(
      rehearsal.jobs
        .get('copy')!
        .legs.map((leg) => leg.matrix!.region)
        .sort(),
    ).toEqual([...REGIONS].sort());

    const manifestDir = rehearsal.artifacts.get('fedimg-manifest')!;
    const manifest = JSON.parse(await readFile(join(manifestDir, 'manifest.json'), 'utf8'));
    expect(manifest.compose_id).toBe(nightly().composeId);
    expect(manifest.images).toHaveLength(2);
    for (const image of manifest.images) {
      expect(Object.keys(image.regions).sort()).toEqual(['us-east-1', ...REGIONS].sort());
      for (const ami of Object.values(image.regions)) expect(ami).toMatch(/^ami-[0-9a-f]+$/);
    }
    // Events from every job's legs were gathered into one log.
    const events = (await readFile(join(manifestDir, 'events.ndjson'), 'utf8')).trim().split('\n');
    expect(events.length).toBeGreaterThan(4);

    // Every job leg wrote what it did, with AMI IDs, to its job summary.
    for (const [id, job] of rehearsal.jobs) {
      for (const leg of job.legs) {
        expect(leg.summary, `${id} ${JSON.stringify(leg.matrix)}`).toContain('fedimg');
        // A nightly gets no Marketplace version: that summary names none.
        if (id !== 'plan' && id !== 'marketplace') expect(leg.summary, id).toMatch(/ami-[0-9a-f]+/);
      }
    }

    // The release is tagged by the compose, carries the AMI table and both world.files, with the job's token.
    expect(github.releases).toHaveLength(1);
    const release = github.releases[0]!;
    expect(release.tag_name).toBe(nightly().composeId);
    expect(release.prerelease).toBe(true);
    expect(release.body).toContain(manifest.images[0].regions['eu-west-1']);
    expect(release.assets.map((asset) => asset.name).sort()).toEqual([
      'events.ndjson',
      'index.json',
      'manifest.json',
    ]);

    // The index was regenerated from AWS after publishing; pages.yml, started by the completed run,
    // deploys it from the run's fedimg-index artifact.
    expect(rehearsal.pages).toEqual([]);
    const pages = await deployPages(rehearsal);
    expect(results(pages), explain(pages)).toEqual({ deploy: 'success' });
    expect(pages.pages.map((deployment) => deployment.job)).toEqual(['deploy']);
    const page = await readFile(join(pages.pages[0]!.site, 'index.html'), 'utf8');
    for (const image of manifest.images)
      for (const ami of Object.values<string>(image.regions)) expect(page).toContain(ami);
    expect(pages.jobs.get('deploy')!.permissions).toEqual({
      actions: 'read',
      pages: 'write',
      'id-token': 'write',
    });
    // The Marketplace job ran (its products are configured) and, for a nightly, added nothing.
    expect(rehearsal.jobs.get('marketplace')!.legs[0]!.summary).toMatch(/nightly compose/);
    expect(world.emulator.state.catalog.changeSets.size).toBe(0);
    expect([...github.tokens]).toEqual(['token ghs_rehearsal_token']);

    // Permissions: AWS only where OIDC is configured; contents: write only for the release.
    expect(rehearsal.jobs.get('release')!.permissions).toEqual({ contents: 'write' });
    // Every job ran this workflow file's own commit, as its OIDC token named it.
    expect(rehearsal.checkouts.length).toBeGreaterThan(6);
    for (const checkout of rehearsal.checkouts)
      expect(checkout, checkout.job).toMatchObject({ repository: REPOSITORY, ref: WORKFLOW_SHA });
    // The plan, which parses untrusted metadata, ran with the read-only role; the rest with the publish role.
    for (const { job, role } of rehearsal.roles)
      expect(role, job).toBe(job === 'plan' ? PLAN_ROLE : PUBLISH_ROLE);

    expectClean(world.emulator, expect);
    const inventory = world.emulator.inventory();
    expect(inventory.images).toHaveLength(10);
    expect(inventory.images.every((image) => image.public)).toBe(true);

    // Run again (a re-delivered dispatch): everything is found done, nothing is duplicated, and the
    // release is updated in place with its assets replaced.
    const again = await run(dispatch(statusMessage(nightly(), location(nightly()))));
    expect(results(again), explain(again)).toMatchObject({ publish: 'success', release: 'success' });
    expect(world.emulator.inventory().images).toHaveLength(10);
    expect(world.emulator.inventory().snapshots).toHaveLength(inventory.snapshots.length);
    expect(github.releases).toHaveLength(1);
    expect(github.releases[0]!.assets).toHaveLength(3);
  }, 300_000);

  it('stops before copy and publish when an AMI fails its boot test', async () => {
    world.emulator.state.bootRules.push({ match: '*aarch64*', verdict: 'fail' });
    const rehearsal = await run(dispatch(statusMessage(nightly(), location(nightly()))));
    expect(results(rehearsal), explain(rehearsal)).toEqual(
      outcome({ plan: 'success', import: 'success', 'boot-test': 'failure' }),
    );
    const inventory = world.emulator.inventory();
    expect(inventory.images.map((image) => image.region)).toEqual(['us-east-1', 'us-east-1']);
    expect(inventory.images.some((image) => image.public)).toBe(false);
    expect(inventory.instances.every((instance) => instance.state === 'terminated')).toBe(true);
    expect(github.releases).toHaveLength(0);
  }, 300_000);

  it('ends after the plan for a DOOMED compose, with nothing created', async () => {
    const rehearsal = await run(dispatch(statusMessage(doomed(), location(doomed()), 'DOOMED')));
    expect(results(rehearsal), explain(rehearsal)).toEqual(outcome({ plan: 'success' }));
    expect(rehearsal.jobs.get('plan')!.outputs.skipped).toBe('true');
    const inventory = world.emulator.inventory();
    expect([inventory.snapshots, inventory.images, inventory.instances]).toEqual([[], [], []]);
    // The run left no index: pages.yml says so, deploys nothing and does not fail.
    const pages = await deployPages(rehearsal);
    expect(results(pages), explain(pages)).toEqual({ deploy: 'success' });
    expect(pages.pages).toEqual([]);
    expect(
      pages.jobs
        .get('deploy')!
        .legs[0]!.steps.map((step) => step.log)
        .join(''),
    ).toContain('left no fedimg-index artifact');
  }, 120_000);

  it('refuses a payload carrying shell and expression injection: nothing created, no injected command run', async () => {
    const marker = join(world.dir, 'injected');
    const payload = {
      ...statusMessage(nightly(), location(nightly())),
      compose_id: `Fedora-Rawhide-20261120.n.0"; touch ${marker}; echo "`,
      location: `${location(nightly())}$(touch ${marker})`,
      compose_label: '${{ github.token }}',
    };
    const rehearsal = await run(dispatch(payload));
    expect(results(rehearsal), explain(rehearsal)).toEqual(outcome({ plan: 'failure' }));
    const plan = rehearsal.jobs.get('plan')!.legs[0]!.steps.find((step) => step.id === 'plan')!;
    expect(plan.log).toMatch(/payload|compose/i);
    expect(plan.log).not.toContain('ghs_rehearsal_token');
    expect(existsSync(marker)).toBe(false);
    const inventory = world.emulator.inventory();
    expect([inventory.snapshots, inventory.images, inventory.instances]).toEqual([[], [], []]);
  }, 120_000);

  it('refuses to plan as the publish role (role names are case-insensitive), before assuming any role', async () => {
    const rehearsal = await run({
      name: 'workflow_dispatch',
      inputs: {
        'compose-location': location(nightly()),
        'plan-role-arn': PUBLISH_ROLE.replace('fedimg-publish', 'Fedimg-Publish'),
      },
    });
    expect(results(rehearsal), explain(rehearsal)).toEqual(outcome({ plan: 'failure' }));
    const log = rehearsal.jobs
      .get('plan')!
      .legs[0]!.steps.map((step) => step.log)
      .join('');
    expect(log).toContain(
      '::error title=fedimg plan::plan-role-arn (vars.FEDIMG_PLAN_ROLE_ARN) must be a read-only role of its own',
    );
    expect(rehearsal.roles).toEqual([]);
    expect(world.emulator.inventory().snapshots).toEqual([]);
  }, 60_000);

  it('runs by hand (workflow_dispatch) with the inputs given, and plans only on a dry run', async () => {
    const rehearsal = await run({
      name: 'workflow_dispatch',
      inputs: { 'compose-location': location(nightly()), regions: 'eu-west-1', 'dry-run': true },
    });
    expect(results(rehearsal), explain(rehearsal)).toMatchObject({ plan: 'success', import: 'skipped' });
    expect(JSON.parse(rehearsal.jobs.get('plan')!.outputs.regions!)).toEqual({ region: ['eu-west-1'] });
    expect(world.emulator.inventory().snapshots).toEqual([]);
  }, 120_000);

  it('asks a caller for exactly the permissions the README’s call grants, and GitHub refuses a call that grants less', async () => {
    const granted = await readmeCallerPermissions();
    const workflow = parseYaml(await readFile(WORKFLOW, 'utf8')) as {
      jobs: Record<string, { permissions?: Record<string, string> }>;
    };
    const requested: Record<string, string> = {};
    for (const job of Object.values(workflow.jobs))
      for (const [scope, level] of Object.entries(job.permissions ?? {}))
        if (requested[scope] !== 'write') requested[scope] = level;
    expect(granted).toEqual(requested);
    // Without contents: write (the release job's), the run does not start, whatever the job's `if:`.
    const { contents: _contents, ...less } = granted;
    await expect(
      run({
        name: 'workflow_call',
        callerPermissions: less,
        inputs: {
          'compose-location': location(nightly()),
          'aws-role-arn': PUBLISH_ROLE,
          'plan-role-arn': PLAN_ROLE,
        },
      }),
    ).rejects.toThrow(
      "The nested job 'release' is requesting 'contents: write', but is only allowed 'contents: none'.",
    );
    expect(world.emulator.inventory().snapshots).toEqual([]);
  });

  it('gives every input the same meaning when called from a run another repository started by dispatch', async () => {
    // The caller was started by repository_dispatch with a payload of its own (a DOOMED compose);
    // what it passes to fedimg is another compose, to publish privately. It grants what the README's
    // example grants.
    const rehearsal = await run({
      name: 'workflow_call',
      callerPermissions: await readmeCallerPermissions(),
      callerEvent: 'repository_dispatch',
      payload: {
        action: 'something',
        client_payload: statusMessage(doomed(), location(doomed()), 'DOOMED') as never,
      },
      inputs: {
        'compose-payload': JSON.stringify(statusMessage(nightly(), location(nightly()))),
        regions: 'eu-west-1',
        public: false,
        'aws-role-arn': PUBLISH_ROLE,
        'plan-role-arn': PLAN_ROLE,
      },
    });
    expect(results(rehearsal), explain(rehearsal)).toMatchObject({ plan: 'success', publish: 'success' });
    expect(rehearsal.jobs.get('plan')!.outputs['compose-id']).toBe(nightly().composeId);
    const inventory = world.emulator.inventory();
    expect(inventory.images).toHaveLength(4);
    expect(inventory.images.some((image) => image.public)).toBe(false);
    for (const checkout of rehearsal.checkouts)
      expect(checkout).toMatchObject({ repository: REPOSITORY, ref: WORKFLOW_SHA });
  }, 300_000);

  it('re-runs failed jobs (as the README recommends): the next attempt uploads beside the first and finishes', async () => {
    world.emulator.setRegion('ca-central-1', { copyFault: 'fail' });
    const first = await run(dispatch(statusMessage(nightly(), location(nightly()))));
    expect(results(first), explain(first)).toMatchObject({
      'boot-test': 'success',
      copy: 'failure',
      publish: 'skipped',
    });
    world.emulator.setRegion('ca-central-1', { copyFault: undefined });
    const again = await run(dispatch(statusMessage(nightly(), location(nightly()))), first);
    expect(again.attempt).toBe(2);
    expect(results(again), explain(again)).toEqual(
      outcome(Object.fromEntries(JOBS.map((job) => [job, 'success']))),
    );
    // Jobs that had succeeded were not run again; both attempts' copy events are kept.
    expect(again.trace).toContain('job import: kept from attempt 1');
    const names = [...again.artifacts.keys()];
    expect(names.filter((name) => name.startsWith('fedimg-events-copy-ca-central-1-'))).toEqual([
      'fedimg-events-copy-ca-central-1-1',
      'fedimg-events-copy-ca-central-1-2',
    ]);
    expect(world.emulator.inventory().images.filter((image) => image.public)).toHaveLength(10);
  }, 300_000);
});
