import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { defaultSleep } from '../util/retry.js';
import { poll, type PollOptions } from '../util/poll.js';
import { isNotFound } from './errors.js';

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
