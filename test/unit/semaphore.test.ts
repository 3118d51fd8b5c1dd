import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/aws/copy.js';

// Copies into one region wait their turn: AWS allows 20 concurrent copies per destination region.
describe('copy semaphore', () => {
  it('runs at most its limit at once and starts the waiting ones in order as slots free up', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const release: Array<() => void> = [];
    const tasks = [0, 1, 2, 3, 4].map((n) =>
      semaphore.run(async () => {
        started.push(n);
        most = Math.max(most, ++running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
        return n * 10;
      }),
    );
    const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
    await settle();
    expect(started).toEqual([0, 1]);
    release.shift()!();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    while (release.length) {
      release.shift()!();
      await settle();
    }
    expect(await Promise.all(tasks)).toEqual([0, 10, 20, 30, 40]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('frees the slot of a task that failed', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await expect(semaphore.run(async () => 'next')).resolves.toBe('next');
  });
});
