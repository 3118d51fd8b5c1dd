/** Errors answered the way each AWS service answers them: its codes, statuses and body format. */
import { AwsError } from './errors.js';
import type { RestResponse } from './http.js';
import { s3ErrorBody } from './services/s3.js';
import { encodeEc2Error, escapeXml } from './wire/ec2-query.js';

/** Services by their SigV4 signing name (the Marketplace Catalog API signs as aws-marketplace). */
export type Service = 'ec2' | 'ebs' | 's3' | 'sts' | 'iam' | 'aws-marketplace';

export const THROTTLE: Record<Service, { code: string; status: number }> = {
  ec2: { code: 'RequestLimitExceeded', status: 503 },
  ebs: { code: 'RequestThrottledException', status: 400 },
  s3: { code: 'SlowDown', status: 503 },
  sts: { code: 'Throttling', status: 400 },
  iam: { code: 'Throttling', status: 400 },
  'aws-marketplace': { code: 'ThrottlingException', status: 429 },
};
export const SERVER_ERROR: Record<Service, { code: string; status: number }> = {
  ec2: { code: 'InternalError', status: 500 },
  ebs: { code: 'InternalServerException', status: 500 },
  s3: { code: 'InternalError', status: 500 },
  sts: { code: 'InternalFailure', status: 500 },
  iam: { code: 'ServiceFailure', status: 500 },
  'aws-marketplace': { code: 'InternalServiceException', status: 500 },
};

export const DENIED: Record<Exclude<Service, 'sts'>, { code: string; status: number }> = {
  ec2: { code: 'UnauthorizedOperation', status: 403 },
  ebs: { code: 'AccessDeniedException', status: 403 },
  s3: { code: 'AccessDenied', status: 403 },
  iam: { code: 'AccessDenied', status: 403 },
  'aws-marketplace': { code: 'AccessDeniedException', status: 403 },
};

export function errorResponse(service: Service, error: unknown, requestId: string): RestResponse {
  const aws =
    error instanceof AwsError
      ? error
      : new AwsError(
          service === 'ebs'
            ? 'InternalServerException'
            : service === 'aws-marketplace'
              ? 'InternalServiceException'
              : 'InternalError',
          error instanceof Error ? error.message : String(error),
          500,
        );
  if (service === 'ebs' || service === 'aws-marketplace') {
    const reason = (aws as AwsError & { reason?: string }).reason;
    return {
      status: aws.status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': aws.code },
      body: JSON.stringify({
        __type: aws.code,
        message: aws.message,
        Message: aws.message,
        ...(reason ? { Reason: reason } : {}),
      }),
    };
  }
  if (service === 's3')
    return {
      status: aws.status,
      headers: { 'content-type': 'application/xml' },
      body: s3ErrorBody(aws.code, aws.message, requestId),
    };
  if (service === 'sts' || service === 'iam') {
    const namespace =
      service === 'sts'
        ? 'https://sts.amazonaws.com/doc/2011-06-15/'
        : 'https://iam.amazonaws.com/doc/2010-05-08/';
    return {
      status: aws.status,
      headers: { 'content-type': 'text/xml' },
      body: `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${escapeXml(aws.code)}</Code><Message>${escapeXml(aws.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status: aws.status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: encodeEc2Error(aws.code, aws.message, requestId),
  };
}
