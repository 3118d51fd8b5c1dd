import type { Log } from '../log.js';
import { poll } from '../util/poll.js';
import { defaultSleep } from '../util/retry.js';

/**
 * Reads again while a change just made may not show yet. EC2 Developer Guide,
 * "Eventual consistency in the Amazon EC2 API": "the result of an API command you run that affects
 * your Amazon EC2 resources might not be immediately visible to all subsequent commands you run",
 * and its advice is to read again with exponential back-off, from a couple of seconds up to a few
 * minutes. So while `unsettled` names something not yet shown, `read` runs again after 2, 4, 8, 16,
 * 32 and 64 seconds (about two minutes in all; from `firstWaitMs` when that is shorter, as the tests'
 * shortened polls are); the last read is returned whatever it shows. The one poller (util/poll.ts)
 * does the waiting: its time ends with the last pause, so reads that take long leave fewer rounds.
 */
const ROUNDS = 6;
const FIRST_WAIT_MS = 2000;

export async function readSettled<T>(
  read: () => Promise<T>,
  unsettled: (value: T) => string | undefined,
  options: { firstWaitMs: number; log: Log },
): Promise<T> {
  const first = Math.min(FIRST_WAIT_MS, options.firstWaitMs);
  let last!: { value: T };
  let notShown: string | undefined;
  const settled = await poll(
    'a change to show',
    async () => {
      last = { value: await read() };
      notShown = unsettled(last.value);
      return notShown === undefined ? last : undefined;
    },
    {
      firstIntervalMs: first,
      intervalMs: first * 2 ** (ROUNDS - 1),
      // The rounds' pauses together: the read after the last one is the last.
      timeoutMs: first * (2 ** ROUNDS - 1),
      sleep: (ms) => {
        const seconds = (ms / 1000).toFixed(ms < 1000 ? 2 : 0);
        options.log.info(
          `${notShown}; AWS can take a moment to show a change, reading again in ${seconds} s.`,
        );
        return defaultSleep(ms);
      },
      onTimeout: () => last,
    },
  );
  return settled.value;
}
