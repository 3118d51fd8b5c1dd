import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatchPayload, statusMessage } from '../fixtures/compose.js';
import {
  deployPages,
  dispatch,
  explain,
  outcome,
  PUBLISH_ROLE,
  results,
  usePublishRehearsal,
} from '../helpers/publish-rehearsal.js';

const setup = usePublishRehearsal('fedimg-rehearsal-');
const { world, nightly, doomed, location, run } = setup;
const github = () => setup.github;

describe('publish.yml, rehearsed: where a run stops', () => {
  it('stops before copy and publish when an AMI fails its boot test', async () => {
    world.emulator.state.bootRules.push({ match: '*aarch64*', verdict: 'fail' });
    const rehearsal = await run(dispatch(dispatchPayload(statusMessage(nightly(), location(nightly())))));
    expect(results(rehearsal), explain(rehearsal)).toEqual(
      outcome({ plan: 'success', import: 'success', 'boot-test': 'failure' }),
    );
    const inventory = world.emulator.inventory();
    expect(inventory.images.map((image) => image.region)).toEqual(['us-east-1', 'us-east-1']);
    expect(inventory.images.some((image) => image.public)).toBe(false);
    expect(inventory.instances.every((instance) => instance.state === 'terminated')).toBe(true);
    expect(github().releases).toHaveLength(0);
  }, 300_000);

  it('ends after the plan for a DOOMED compose, with nothing created', async () => {
    const rehearsal = await run(
      dispatch(dispatchPayload(statusMessage(doomed(), location(doomed()), 'DOOMED'))),
    );
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
      compose_label: '${{ github().token }}',
    };
    const rehearsal = await run(dispatch(dispatchPayload(payload)));
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
});
