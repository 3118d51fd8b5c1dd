import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { dispatchPayload, statusMessage } from '../fixtures/compose.js';
import { WORKFLOW_SHA } from '../helpers/rehearsal.js';
import {
  explain,
  PLAN_ROLE,
  PUBLISH_ROLE,
  readmeCallerPermissions,
  REPOSITORY,
  results,
  usePublishRehearsal,
  WORKFLOW,
} from '../helpers/publish-rehearsal.js';

const { world, nightly, doomed, location, run } = usePublishRehearsal('fedimg-rehearsal-');

describe('publish.yml, rehearsed: called from another repository', () => {
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
        client_payload: dispatchPayload(statusMessage(doomed(), location(doomed()), 'DOOMED')) as never,
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
});
