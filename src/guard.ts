import { describeError, FedimgError } from './errors.js';

/** Something failed outside any stage's own error handling (a library's event handler threw). */
export class UnexpectedError extends FedimgError {
  constructor(cause: unknown) {
    super('internal', `fedimg hit an unexpected failure: ${describeError(cause)}.`, {
      hint: 'The stage was cancelled and removed what it had not finished. Re-run the job; if it happens again, report it with this message.',
      cause,
    });
  }
}

/** How long a stage may take to clean up after an unexpected failure before the process gives up. */
const CLEANUP_GRACE_MS = 120_000;

/**
 * Runs a stage so that nothing thrown outside its own promise chain (an exception in a socket's
 * event handler, a rejection nobody awaited) ends the process behind its back: it cancels the stage
 * through `signal`, so the stage's own clean-up runs, and becomes the stage's error.
 */
export async function runGuarded<T>(
  work: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
  let fail: (error: UnexpectedError) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  let unexpected = false;
  const onFailure = (cause: unknown) => {
    if (unexpected) return; // the first one decided; the clean-up goes on
    unexpected = true;
    const error = new UnexpectedError(cause);
    controller.abort(error);
    fail(error);
    // The stage cleans up in the background; a process left unable to finish still ends.
    setTimeout(() => process.exit(process.exitCode ?? 1), CLEANUP_GRACE_MS).unref();
  };
  process.on('uncaughtException', onFailure);
  process.on('unhandledRejection', onFailure);
  try {
    return await Promise.race([work(signal), failed]);
  } finally {
    // After an unexpected failure the handlers stay: the clean-up still running must not be cut short.
    if (!unexpected) {
      process.off('uncaughtException', onFailure);
      process.off('unhandledRejection', onFailure);
    }
  }
}
