import { defaultSleep } from './retry.js';

export interface PollOptions {
  timeoutMs: number;
  /** Longest pause between looks; the first ones are shorter. */
  intervalMs: number;
  /** The first pause, doubled at each look after (default: the shorter of 250 ms and intervalMs). */
  firstIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * The one poller: calls `check` until it returns a value. `check` returns undefined to keep waiting
 * and throws to stop. Unlike the SDK waiters it has no built-in error states, so eventual
 * consistency ("not found" for a new ID) is the caller's to handle.
 */
export async function poll<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: PollOptions & {
    /** Instead of failing when time runs out, end with what this gives. */
    onTimeout?: () => T;
  },
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const deadline = Date.now() + options.timeoutMs;
  // Quick first looks (most things finish soon), then every intervalMs.
  let interval = options.firstIntervalMs ?? Math.min(250, options.intervalMs);
  for (;;) {
    options.signal?.throwIfAborted();
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() >= deadline) {
      if (options.onTimeout) return options.onTimeout();
      throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}`);
    }
    await sleep(interval);
    interval = Math.min(options.intervalMs, interval * 2);
  }
}
