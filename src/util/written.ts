import { describeError, InputError } from '../errors.js';

/** Why a file could not be written, in words, from Node's error code. */
function why(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'its directory does not exist';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'writing there is not permitted';
    default:
      return describeError(error);
  }
}

const refusal = (input: string, path: string, error: unknown) =>
  new InputError(`Cannot write ${input} ${path}: ${why(error)}.`, {
    hint: `Give ${input} a path in a directory that exists and can be written.`,
    cause: error,
  });

/**
 * Runs a write of a file an input names (events-file, manifest-file, index-dir, the CLI's
 * summary-file); a path fedimg cannot write is the input's error, named with the input and why.
 */
export function writingTo<T>(input: string, path: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    throw refusal(input, path, error);
  }
}

/** `writingTo` for writes that are promises. */
export async function writingToAsync<T>(input: string, path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw refusal(input, path, error);
  }
}
