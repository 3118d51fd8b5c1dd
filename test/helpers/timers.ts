/**
 * Which timers a piece of code leaves armed. Counting every Timeout in the process is not enough:
 * a timer of a test server (or an earlier test) that ends meanwhile hides one that was leaked.
 */
import { vi } from 'vitest';

interface Tracked {
  timer: NodeJS.Timeout;
  armed: boolean;
}

/**
 * Runs `work` and reports how many timers created from a file whose path contains `fromFile`
 * were created, and how many are still armed (neither fired nor cleared) when it ends.
 */
export async function timersLeftBy(
  fromFile: string,
  work: () => Promise<void>,
): Promise<{ created: number; pending: number }> {
  const tracked: Tracked[] = [];
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const set = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
    callback: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    if (!new Error().stack?.includes(fromFile)) return realSetTimeout(callback, ms, ...args);
    const entry = { armed: true } as Tracked;
    entry.timer = realSetTimeout(
      (...callArgs: unknown[]) => {
        entry.armed = false;
        callback(...callArgs);
      },
      ms,
      ...args,
    );
    // refresh() re-arms a timer that has already fired.
    const refresh = entry.timer.refresh.bind(entry.timer);
    entry.timer.refresh = () => {
      entry.armed = true;
      return refresh();
    };
    tracked.push(entry);
    return entry.timer;
  }) as typeof setTimeout);
  const clear = vi.spyOn(globalThis, 'clearTimeout').mockImplementation((timer) => {
    const entry = tracked.find((candidate) => candidate.timer === timer);
    if (entry) entry.armed = false;
    realClearTimeout(timer);
  });
  try {
    await work();
  } finally {
    set.mockRestore();
    clear.mockRestore();
  }
  return { created: tracked.length, pending: tracked.filter((entry) => entry.armed).length };
}
