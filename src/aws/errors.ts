import { awsCallOf, describeError, FedimgError, foreignAnswer } from '../errors.js';

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

/** The connection failed or broke: nothing (or nothing whole) answered. */
export function isNetworkFailure(error: unknown): boolean {
  const { code, message } = shape(error);
  return NETWORK.test(`${code ?? ''} ${message ?? ''}`) || /ENOTFOUND/.test(`${code ?? ''} ${message ?? ''}`);
}

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

/**
 * What an operator does about the AWS codes they meet, or undefined for the rest. Each names the
 * input or the account setting to change.
 */
export function hintForAwsError(error: unknown): string | undefined {
  const code = awsErrorCode(error);
  const where = awsCallOf(error);
  const call = where?.call ?? 'the call';
  const region = where?.region ?? 'the region';
  if (isUnauthorized(error) && code !== 'AuthFailure')
    return `The role fedimg runs as may not call ${call} in ${region}: grant it as docs/iam-policy.json does (and check the conditions on fedimg's tags).`;
  if (code === 'AuthFailure')
    return `AWS did not accept the credentials in ${region}: check the role and that the region is enabled for the account.`;
  if (isMissingCredentials(error))
    return 'No AWS credentials were found: configure a role (aws-actions/configure-aws-credentials in a workflow, AWS_PROFILE or AWS_ACCESS_KEY_ID locally).';
  if (code === 'VPCIdNotSpecified' || code === 'MissingInput' || code === 'VPCResourceNotSpecified')
    return `${region} has no default VPC: set subnet-id (and security-group-ids) to where boot tests may launch.`;
  if (/^InvalidSubnetID\./.test(code) || code === 'InvalidSubnet')
    return 'Check subnet-id: the subnet must exist in this region and account.';
  if (/^InvalidGroup(Id)?\./.test(code) || code === 'InvalidSecurityGroupID.NotFound')
    return 'Check security-group-ids: each group must exist in the subnet’s VPC.';
  if (code === 'InsufficientInstanceCapacity' || code === 'Unsupported' || code === 'InvalidInstanceType')
    return `Set instance-types to a type ${region} offers for this architecture (e.g. x86_64=t3.small,arm64=t4g.small).`;
  if (/LimitExceeded$/.test(code) || code === 'ServiceQuotaExceededException')
    return `An account quota in ${region} was reached: raise it in Service Quotas, or wait for running work to finish, then re-run.`;
  return undefined;
}

/** What to do about any failed call: the code's own hint, or what kind of failure it was. */
function nextStep(error: unknown): string {
  const known = hintForAwsError(error);
  if (known) return known;
  const where = awsCallOf(error);
  const endpoint = `the endpoint of ${where?.call ?? 'the call'} in ${where?.region ?? 'its region'}`;
  if (foreignAnswer(error))
    return `Something other than AWS answered ${endpoint} (a proxy, or AWS_ENDPOINT_URL pointing elsewhere): check the endpoint settings and the runner's network, then re-run the job.`;
  if (isNetworkFailure(error))
    return `Nothing answered at ${endpoint}: check AWS_ENDPOINT_URL (when set) and the runner's network, then re-run the job.`;
  return 'Re-run the job; if AWS keeps answering this, its message says what to change in the account.';
}

/**
 * AWS refused or failed a call a stage needed. The message names the call, the region, AWS's code
 * and message; the hint says what to change for the codes operators meet.
 */
export class AwsError extends FedimgError {
  readonly code: string;

  constructor(area: string, error: unknown) {
    super(area, `${describeError(error)}.`, { hint: nextStep(error), cause: error });
    this.code = awsErrorCode(error);
  }
}

/** A failure from an AWS call (marked by the clients), or a missing-credentials error. */
export const isAwsFailure = (error: unknown) => awsCallOf(error) !== undefined || isMissingCredentials(error);
