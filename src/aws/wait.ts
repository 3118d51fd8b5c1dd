import { DescribeImagesCommand, DescribeSnapshotsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { defaultSleep } from './retry.js';

export interface PollOptions {
  timeoutMs: number;
  /** Longest pause between looks; the first ones are shorter. */
  intervalMs: number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * Polls until `check` returns a value. `check` returns undefined to keep waiting; it throws to stop.
 * Unlike the SDK waiters, it has no built-in error states, so eventual consistency ("not found" for
 * a new ID) can be handled by the caller.
 */
export async function poll<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const deadline = Date.now() + options.timeoutMs;
  // Quick first looks (most things finish soon), then every intervalMs.
  let interval = Math.min(250, options.intervalMs);
  for (;;) {
    options.signal?.throwIfAborted();
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(interval);
    interval = Math.min(options.intervalMs, interval * 2);
  }
}

const isNotFound = (error: unknown) => /\.NotFound$/.test((error as { name?: string }).name ?? '');

/**
 * Snapshot state once it is no longer pending ('completed' or 'error'). An unknown ID is retried
 * for a while (eventual consistency); a snapshot that disappears after it was seen fails the wait.
 */
export async function waitForSnapshot(
  ec2: EC2Client,
  snapshotId: string,
  options: PollOptions & { unknownForMs?: number },
): Promise<{ state: string; message: string | undefined }> {
  const unknownUntil = Date.now() + (options.unknownForMs ?? 120_000);
  let seen = false;
  return poll(
    `snapshot ${snapshotId}`,
    async () => {
      try {
        const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
        const snapshot = Snapshots?.[0];
        if (snapshot) seen = true;
        if (!snapshot || snapshot.State === 'pending') return undefined;
        return { state: snapshot.State ?? 'unknown', message: snapshot.StateMessage };
      } catch (error) {
        if (!isNotFound(error)) throw error;
        if (seen || Date.now() > unknownUntil)
          throw new Error(`snapshot ${snapshotId} no longer exists (deleted by another run or by hand)`, {
            cause: error,
          });
        return undefined;
      }
    },
    options,
  );
}

/**
 * Waits until an AMI reads `available` `consecutive` times in a row (peers do this because a single
 * read can be stale); 'failed' and similar states end the wait with that state. The confirming reads
 * come a second apart, not at the back-off interval of the wait itself.
 */
export async function waitForImage(
  ec2: EC2Client,
  imageId: string,
  options: PollOptions & { consecutive?: number },
): Promise<{ state: string; reason: string | undefined }> {
  const sleep = options.sleep ?? defaultSleep;
  const read = async (): Promise<{ state: string; reason: string | undefined } | undefined> => {
    try {
      const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
      const image = Images?.[0];
      if (!image || image.State === 'pending') return undefined;
      return { state: image.State ?? 'unknown', reason: image.StateReason?.Message };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const first = await poll(`AMI ${imageId}`, read, {
      ...options,
      timeoutMs: Math.max(1, deadline - Date.now()),
    });
    if (first.state !== 'available') return first;
    let streak = 1;
    while (streak < (options.consecutive ?? 2)) {
      await sleep(Math.min(1000, options.intervalMs));
      const again = await read();
      if (again?.state !== 'available') break;
      streak++;
    }
    if (streak >= (options.consecutive ?? 2)) return first;
  }
}
