/**
 * What an AWS error means, decided in one place by its code (the SDK's `name`) and HTTP status,
 * instead of patterns on `error.name` wherever one is caught.
 */
export interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  Reason?: string;
  $metadata?: { httpStatusCode?: number };
}

const shape = (error: unknown) => (error ?? {}) as AwsErrorShape;
export const awsErrorCode = (error: unknown): string => shape(error).name ?? '';
export const httpStatus = (error: unknown): number => shape(error).$metadata?.httpStatusCode ?? 0;

const THROTTLING = new Set([
  'RequestThrottledException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'SlowDown',
  'TooManyRequestsException',
  'RequestThrottled',
]);
const SERVER_SIDE = new Set([
  'InternalServerException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'TimeoutError',
  'RequestTimeout',
]);
const NETWORK = /ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|socket hang up|other side closed|aborted/i;

export function isThrottled(error: unknown): boolean {
  return THROTTLING.has(awsErrorCode(error)) || httpStatus(error) === 429;
}

/** Throttling, 5xx, timeouts and dropped connections: worth another attempt. */
export function isTransient(error: unknown): boolean {
  const { code, message } = shape(error);
  return (
    isThrottled(error) ||
    SERVER_SIDE.has(awsErrorCode(error)) ||
    httpStatus(error) >= 500 ||
    NETWORK.test(`${code ?? ''} ${message ?? ''}`)
  );
}

/** The resource does not exist (any service's way of saying so, e.g. InvalidSnapshot.NotFound). */
export function isNotFound(error: unknown): boolean {
  const code = awsErrorCode(error);
  return (
    /\.NotFound$|^NotFound$|^ResourceNotFoundException$|^NoSuchKey$|^InvalidConversionTaskId/.test(code) ||
    (httpStatus(error) === 404 && code !== 'ResourceNotFoundException')
  );
}

/** EBS direct: the snapshot does not exist yet (right after StartSnapshot) or any more. */
export const isSnapshotNotFound = (error: unknown) => awsErrorCode(error) === 'ResourceNotFoundException';

/** EBS direct: the snapshot no longer takes blocks (it was completed, by another run for the same image). */
export const isSnapshotClosed = (error: unknown) =>
  awsErrorCode(error) === 'ValidationException' && shape(error).Reason === 'INVALID_SNAPSHOT_ID';

/** The resource is in a state that refuses the call (a terminated instance, a finished import task). */
export const isIncorrectState = (error: unknown) =>
  /^IncorrectState|^IncorrectInstanceState/.test(awsErrorCode(error));

/** A limit such as 20 concurrent copies into a region, or the public-AMI quota. */
export const isLimitExceeded = (error: unknown) => awsErrorCode(error) === 'ResourceLimitExceeded';

/** RegisterImage: the name is taken in this region. */
export const isDuplicateName = (error: unknown) => awsErrorCode(error) === 'InvalidAMIName.Duplicate';

/** The caller's role does not allow the call. */
export const isUnauthorized = (error: unknown) =>
  /^(UnauthorizedOperation|AccessDenied|AccessDeniedException|AuthFailure)$/.test(awsErrorCode(error));

/** No AWS credentials could be found at all. */
export const isMissingCredentials = (error: unknown) => awsErrorCode(error) === 'CredentialsProviderError';
