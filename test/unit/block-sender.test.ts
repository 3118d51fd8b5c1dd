import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { uploadBlocks, type BlockUploadOptions } from '../../src/upload/block-sender.js';
import { isTransient } from '../../src/aws/errors.js';
import { withRetry } from '../../src/util/retry.js';
import { BLOCK_SIZE, type ImageBlock } from '../../src/image/blocks.js';

function block(index: number, fill: number): ImageBlock & { released: boolean } {
  const data = Buffer.alloc(BLOCK_SIZE, fill);
  const result = {
    index,
    data,
    sha256: createHash('sha256').update(data).digest('base64'),
    zero: fill === 0,
    released: false,
    release: () => (result.released = true),
  };
  return result;
}

async function* blocks(list: ImageBlock[]) {
  yield* list;
}

const noSleep = { attempts: 5, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined };

function fakeClient(respond: (index: number, attempt: number) => Promise<void>) {
  const attempts = new Map<number, number>();
  let inFlight = 0;
  let peak = 0;
  const writer: BlockUploadOptions['writer'] = {
    put: async (_snapshotId, block) => {
      const index = block.index;
      attempts.set(index, (attempts.get(index) ?? 0) + 1);
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        await respond(index, attempts.get(index)!);
      } finally {
        inFlight--;
      }
      // As the real writer: the checksum of what it stored.
      return createHash('sha256').update(block.data).digest('base64');
    },
  };
  return { writer, attempts, peak: () => peak };
}

const options = (
  writer: BlockUploadOptions['writer'],
  overrides: Partial<BlockUploadOptions> = {},
): BlockUploadOptions => ({
  writer,
  snapshotId: 'snap-1',
  concurrency: 4,
  omitZeroBlocks: false,
  retry: noSleep,
  startedAt: Date.now(),
  notFoundWindowMs: 120_000,
  ...overrides,
});

const error = (name: string, status = 400) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('block uploader', () => {
  it('keeps at most `concurrency` requests in flight, releases every block and checksums LINEAR', async () => {
    const fake = fakeClient(() => new Promise((resolve) => setTimeout(resolve, 2)));
    const list = Array.from({ length: 20 }, (_, i) => block(i, (i % 3) + 1));
    const result = await uploadBlocks(blocks(list), options(fake.writer));
    expect(fake.peak()).toBe(4);
    expect(list.every((b) => b.released)).toBe(true);
    const linear = createHash('sha256');
    for (const b of list) linear.update(Buffer.from(b.sha256!, 'base64'));
    expect(result).toEqual({ sent: 20, skipped: 0, aggregateChecksum: linear.digest('base64'), retries: 0 });
  });

  it('checksums in block order however the requests finish', async () => {
    // Later blocks finish first: the aggregate is still over the blocks in index order.
    const fake = fakeClient((index) => new Promise((resolve) => setTimeout(resolve, (24 - index) * 2)));
    const list = Array.from({ length: 24 }, (_, i) => block(i, (i % 5) + 1));
    const result = await uploadBlocks(blocks(list), options(fake.writer, { concurrency: 24 }));
    const linear = createHash('sha256');
    for (const b of list) linear.update(Buffer.from(b.sha256!, 'base64'));
    expect(result.aggregateChecksum).toBe(linear.digest('base64'));
  });

  it('uploads zero blocks unless told to skip them', async () => {
    const fake = fakeClient(async () => undefined);
    const list = [block(0, 1), block(1, 0), block(2, 1)];
    expect((await uploadBlocks(blocks(list), options(fake.writer))).sent).toBe(3);
    // Progress counts skipped blocks as done: it reaches the image's block count either way.
    const progress: number[] = [];
    const skipping = await uploadBlocks(
      blocks([block(0, 0), block(1, 0), block(2, 1), block(3, 0)]),
      options(fake.writer, { omitZeroBlocks: true, onBlockDone: (done) => progress.push(done) }),
    );
    expect(skipping).toMatchObject({ sent: 1, skipped: 3 });
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it('retries throttling, 5xx and timeouts, and "snapshot does not exist" only within the window', async () => {
    const fake = fakeClient(async (index, attempt) => {
      if (attempt === 1 && index === 0) throw error('RequestThrottledException');
      if (attempt === 1 && index === 1) throw error('InternalServerException', 500);
      if (attempt === 1 && index === 2) throw error('TimeoutError');
      if (attempt <= 2 && index === 3) throw error('ResourceNotFoundException', 404);
    });
    const result = await uploadBlocks(blocks([0, 1, 2, 3].map((i) => block(i, 1))), options(fake.writer));
    expect(result.retries).toBe(5);

    const late = fakeClient(async () => {
      throw error('ResourceNotFoundException', 404);
    });
    await expect(
      uploadBlocks(blocks([block(0, 1)]), options(late.writer, { startedAt: Date.now() - 200_000 })),
    ).rejects.toThrow('ResourceNotFoundException');
    expect(late.attempts.get(0)).toBe(1);
  });

  it('waits out the whole not-found window, however many attempts that takes', async () => {
    // 30 "does not exist" answers: far more than the 5 attempts the retry policy allows for errors.
    const slow = fakeClient(async (_, attempt) => {
      if (attempt <= 30) throw error('ResourceNotFoundException', 404);
    });
    const pauses: number[] = [];
    const result = await uploadBlocks(
      blocks([block(0, 1)]),
      options(slow.writer, {
        retry: { ...noSleep, maxDelayMs: 7, sleep: async (ms) => void pauses.push(ms) },
      }),
    );
    expect(slow.attempts.get(0)).toBe(31);
    expect(result.sent).toBe(1);
    // Paused between tries as the retry policy allows at most (here 7 ms; a second at most otherwise).
    expect(pauses).toEqual(Array(30).fill(7));
  });

  it('makes room on the cancellation signal for every request in flight, so Node never warns of a leak', async () => {
    const warnings: Error[] = [];
    const warned = (warning: Error) => warnings.push(warning);
    process.on('warning', warned);
    try {
      const controller = new AbortController();
      // Each request listens on the signal twice, as a real one does.
      const fake = fakeClient(() => new Promise((resolve) => setTimeout(resolve, 5)));
      const writer: BlockUploadOptions['writer'] = {
        put: (snapshotId, data, signal) => {
          const listeners = [() => undefined, () => undefined];
          for (const listener of listeners) signal!.addEventListener('abort', listener);
          return fake.writer
            .put(snapshotId, data, signal)
            .finally(() => listeners.forEach((listener) => signal!.removeEventListener('abort', listener)));
        },
      };
      const list = Array.from({ length: 64 }, (_, i) => block(i, 1));
      await uploadBlocks(blocks(list), options(writer, { concurrency: 32, signal: controller.signal }));
      await new Promise((resolve) => setImmediate(resolve));
      expect(fake.peak()).toBe(32);
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', warned);
    }
  });

  it('stops reading after a permanent failure and lets in-flight requests settle first', async () => {
    let settled = 0;
    const fake = fakeClient(async (index) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      settled++;
      if (index === 2) throw error('ValidationException');
    });
    let pulled = 0;
    async function* many() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield block(i, 1);
      }
    }
    await expect(uploadBlocks(many(), options(fake.writer))).rejects.toThrow('ValidationException');
    expect(pulled).toBeLessThan(20);
    expect(settled).toBe(fake.attempts.size);
  });
});

describe('retry policy', () => {
  it('classifies transient errors', () => {
    expect(isTransient(error('RequestLimitExceeded', 503))).toBe(true);
    expect(isTransient(error('SlowDown', 503))).toBe(true);
    expect(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(error('InvalidAMIName.Duplicate'))).toBe(false);
    expect(isTransient(error('ValidationException'))).toBe(false);
  });

  it('gives up after the configured attempts with the last error', async () => {
    const delays: number[] = [];
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw error('Throttling');
        },
        { attempts: 4, baseDelayMs: 100, maxDelayMs: 250, sleep: async (ms) => void delays.push(ms) },
      ),
    ).rejects.toThrow('Throttling');
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
    expect(delays.every((ms) => ms >= 0 && ms <= 250)).toBe(true);
  });
});
