/** How a call is retried: attempts in all (the first included) and a capped, jittered back-off. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 8,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
  sleep: defaultSleep,
};

/** "Full jitter" back-off: a random delay up to base·2^n, capped. */
export function backoff(policy: RetryPolicy, failures: number): number {
  return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(failures, 20));
}

export interface RetryOptions {
  /** Which errors are worth another attempt (default: every error). */
  retryable?: (error: unknown) => boolean;
  /** Sees each failure that will be retried. */
  onRetry?: (error: unknown, attempt: number) => void;
  signal?: AbortSignal;
  /** Keep retrying until this time (ms since the epoch), whatever `attempts` says. */
  deadline?: number;
}

/**
 * The one retry layer around a call: it stops at the first error `retryable` refuses, after
 * `policy.attempts` attempts (or, with a deadline, once it has passed), or when `signal` aborts.
 */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions = {},
): Promise<T> {
  const retryable = options.retryable ?? (() => true);
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await call(attempt);
    } catch (error) {
      const exhausted =
        options.deadline !== undefined ? Date.now() >= options.deadline : attempt >= policy.attempts;
      if (exhausted || !retryable(error) || options.signal?.aborted) throw error;
      options.onRetry?.(error, attempt);
      await policy.sleep(backoff(policy, attempt - 1));
    }
  }
}
