import { describe, expect, it } from 'vitest';
import { readSettled } from '../../src/aws/consistency.js';
import { capturedLog } from '../helpers/log.js';

describe('reading again while a change does not show', () => {
  it('reads again after pauses that double, six times at most, and returns the last read', async () => {
    const { lines, log } = capturedLog();
    let reads = 0;
    const value = await readSettled(
      async () => ++reads,
      (read) => `read ${read} not settled`,
      { firstWaitMs: 20, log },
    );
    expect([value, reads]).toEqual([7, 7]);
    expect(lines).toEqual(
      [0.02, 0.04, 0.08, 0.16, 0.32, 0.64].map(
        (seconds, round) =>
          `read ${round + 1} not settled; AWS can take a moment to show a change, reading again in ${seconds.toFixed(2)} s.`,
      ),
    );
  });

  it('stops reading once the change shows', async () => {
    const { lines, log } = capturedLog();
    let reads = 0;
    const value = await readSettled(
      async () => ++reads,
      (read) => (read < 3 ? 'not yet' : undefined),
      { firstWaitMs: 20, log },
    );
    expect([value, reads, lines.length]).toEqual([3, 3, 2]);
  });
});
