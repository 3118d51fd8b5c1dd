/**
 * One base error for everything fedimg reports, one subclass per area. Messages name the resource
 * (and the region where there is one) and say what to do next, because they end up as the
 * annotation a release engineer reads first.
 */
export class FedimgError extends Error {
  /** The pipeline area that failed, used as the annotation title. */
  readonly area: string;
  /** What the person reading the log should do about it. */
  readonly hint: string | undefined;

  constructor(area: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    // After a message of several lines (console output, say) the hint gets a line of its own.
    const separator = message.includes('\n') ? '\n' : ' ';
    super(options.hint ? `${message}${separator}${options.hint}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.area = area;
    this.hint = options.hint;
  }
}

/** Invalid action inputs, CLI options or configuration files. */
export class InputError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('inputs', message, options);
  }
}

/** Compose metadata that is missing, malformed, disallowed or inconsistent. */
export class ComposeError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('compose', message, options);
  }
}

export type ImageSourceFailure =
  'http' | 'checksum-mismatch' | 'size-mismatch' | 'truncated' | 'corrupt' | 'decoder';

/**
 * The image could not be read as published. Every kind means the same to a consumer: all data it
 * has already received from this source must be discarded, so an uploader never completes a
 * snapshot from it.
 */
export class ImageSourceError extends FedimgError {
  readonly kind: ImageSourceFailure;
  readonly url: string;

  constructor(
    kind: ImageSourceFailure,
    url: string,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super('image', message, options);
    this.kind = kind;
    this.url = url;
  }
}

/** Uploading a snapshot (EBS direct or S3 + ImportSnapshot) failed. */
export class UploadError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('upload', message, options);
  }
}

/** Registering an AMI failed. */
export class RegisterError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('register', message, options);
  }
}

/** An AMI did not pass its boot test. */
export class BootTestError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('boot-test', message, options);
  }
}

/** Copying an AMI to another region failed. */
export class CopyError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('copy', message, options);
  }
}

/** Making AMIs public, deprecating or verifying them failed. */
export class PublishError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('publish', message, options);
  }
}

/** Verification found AMIs missing, unavailable, registered or shared otherwise than configured. */
export class VerifyError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('verify', message, options);
  }
}

/** Adding a version to an AWS Marketplace product failed, or its change set did. */
export class MarketplaceError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('marketplace', message, options);
  }
}

/** fedimg doctor found the role or the account unready (its table says what to change). */
export class DoctorError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('doctor', message, options);
  }
}

/** Creating or updating the GitHub release failed. */
export class ReleaseError extends FedimgError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('release', message, options);
  }
}

/** Where a failed AWS call was going: `ec2:RunInstances` in `eu-west-1` (set by the clients). */
export interface AwsCall {
  call: string;
  region: string;
}

const CALL = Symbol('fedimg.awsCall');

/** Records on the error which call failed and where; errors that are not objects are wrapped. */
export function markAwsCall(error: unknown, call: string, region: string): unknown {
  const target = typeof error === 'object' && error !== null ? error : new Error(String(error));
  if (!(CALL in target)) Object.defineProperty(target, CALL, { value: { call, region }, enumerable: false });
  return target;
}

export function awsCallOf(error: unknown): AwsCall | undefined {
  return typeof error === 'object' && error !== null && CALL in error
    ? ((error as Record<typeof CALL, AwsCall>)[CALL] ?? undefined)
    : undefined;
}

interface SdkFailure {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

/**
 * An answer the SDK could not read as AWS's (a proxy's error page, an endpoint that is not AWS):
 * the query and XML services call it "Unknown", the JSON ones throw a SyntaxError pointing at their
 * hidden $response. What helps is the HTTP status and what kind of document came back.
 */
export function foreignAnswer(error: unknown): string | undefined {
  const failure = (error ?? {}) as SdkFailure;
  const status = failure.$metadata?.httpStatusCode ?? failure.$response?.statusCode;
  const unreadable =
    failure.name === 'Unknown' ||
    failure.name === 'UnknownError' ||
    /Deserialization error|\$response/.test(failure.message ?? '');
  if (!status || !unreadable) return undefined;
  const type = failure.$response?.headers?.['content-type']?.split(';')[0]?.trim();
  return `HTTP ${status}${type ? ` (${type})` : ''}, an answer that is not AWS's`;
}

/**
 * Describe any thrown value in one line for logs; a failed AWS call says which call, where, and
 * AWS's code: `ec2:RunInstances in eu-west-1 failed: UnauthorizedOperation: You are not authorized…`.
 */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const where = awsCallOf(error);
  if (!where) return message;
  const foreign = foreignAnswer(error);
  if (foreign) return `${where.call} in ${where.region} failed: ${foreign}`;
  const code = (error as { name?: string }).name;
  const coded = code && code !== 'Error' && !message.startsWith(code) ? `${code}: ${message}` : message;
  return `${where.call} in ${where.region} failed: ${coded}`;
}
