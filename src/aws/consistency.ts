import type { Log } from '../log.js';
import { defaultSleep } from '../util/retry.js';

/**
 * Reads again while a change just made may not show yet. EC2 Developer Guide,
 * "Eventual consistency in the Amazon EC2 API": "the result of an API command you run that affects
 * your Amazon EC2 resources might not be immediately visible to all subsequent commands you run",
 * and its advice is to read again with exponential back-off, from a couple of seconds up to a few
 * minutes. So while `unsettled` names something not yet shown, `read` runs again after 2, 4, 8, 16,
 * 32 and 64 seconds (about two minutes in all; from `firstWaitMs` when that is shorter, as the tests'
 * shortened polls are); the last read is returned whatever it shows.
 */
const ROUNDS = 6;
const FIRST_WAIT_MS = 2000;

export async function readSettled<T>(
  read: () => Promise<T>,
  unsettled: (value: T) => string | undefined,
  options: { firstWaitMs: number; log: Log },
): Promise<T> {
  let value = await read();
  let wait = Math.min(FIRST_WAIT_MS, options.firstWaitMs);
  for (let round = 0; round < ROUNDS; round++) {
    const what = unsettled(value);
    if (what === undefined) break;
    const seconds = (wait / 1000).toFixed(wait < 1000 ? 2 : 0);
    options.log.info(`${what}; AWS can take a moment to show a change, reading again in ${seconds} s.`);
    await defaultSleep(wait);
    value = await read();
    wait *= 2;
  }
  return value;
}
