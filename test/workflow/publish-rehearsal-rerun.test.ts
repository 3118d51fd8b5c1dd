import { describe, expect, it } from 'vitest';
import { dispatchPayload, statusMessage } from '../fixtures/compose.js';
import {
  dispatch,
  explain,
  JOBS,
  outcome,
  REGIONS,
  results,
  usePublishRehearsal,
} from '../helpers/publish-rehearsal.js';

const { world, nightly, location, run } = usePublishRehearsal('fedimg-rehearsal-');

// Apart from the call rehearsal so that the two long runs share the machine instead of queueing.
describe('publish.yml, rehearsed: re-run failed jobs', () => {
  it('re-runs failed jobs (as the README recommends): the next attempt uploads beside the first and finishes', async () => {
    world.emulator.setRegion('ca-central-1', { copyFault: 'fail' });
    const first = await run(dispatch(dispatchPayload(statusMessage(nightly(), location(nightly())))));
    expect(results(first), explain(first)).toMatchObject({
      'boot-test': 'success',
      copy: 'failure',
      publish: 'skipped',
    });
    world.emulator.setRegion('ca-central-1', { copyFault: undefined });
    const again = await run(dispatch(dispatchPayload(statusMessage(nightly(), location(nightly())))), first);
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
    // Nothing duplicated by the second attempt: two images in the base region and each destination.
    expect(world.emulator.inventory().images.filter((image) => image.public)).toHaveLength(
      2 * (1 + REGIONS.length),
    );
    expect(world.emulator.inventory().images).toHaveLength(2 * (1 + REGIONS.length));
  }, 300_000);
});
