export interface RetryPolicy {
  /** Attempts in all, the first included. */
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

const THROTTLING = new Set([
  'RequestThrottledException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'SlowDown',
  'TooManyRequestsException',
  'RequestThrottled',
]);
const TRANSIENT = new Set([
  'InternalServerException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'TimeoutError',
  'RequestTimeout',
]);
const NETWORK = /ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|socket hang up|other side closed|aborted/i;

export interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Throttling, 5xx, timeouts and dropped connections are worth another attempt. */
export function isTransient(error: unknown): boolean {
  const e = (error ?? {}) as ErrorShape;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    THROTTLING.has(e.name ?? '') ||
    TRANSIENT.has(e.name ?? '') ||
    status >= 500 ||
    status === 429 ||
    NETWORK.test(`${e.code ?? ''} ${e.message ?? ''}`)
  );
}

/** "Full jitter" back-off: a random delay up to base·2^n, capped. */
export function backoff(policy: RetryPolicy, failures: number): number {
  return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(failures, 20));
}

/**
 * The one retry layer around a call. `retryable` decides per error (transient errors by default);
 * `onRetry` sees each failure that will be retried.
 */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: {
    retryable?: (error: unknown) => boolean;
    onRetry?: (error: unknown, attempt: number) => void;
    signal?: AbortSignal;
  } = {},
): Promise<T> {
  const retryable = options.retryable ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await call(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !retryable(error) || options.signal?.aborted) throw error;
      options.onRetry?.(error, attempt);
      await policy.sleep(backoff(policy, attempt - 1));
    }
  }
}
