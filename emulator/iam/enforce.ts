import { ACCOUNT_ID } from '../constants.js';
import { AwsError } from '../errors.js';
import { DENIED, type Service } from '../responses.js';
import { evaluate, type AuthorizationRequest, type PolicyDocument } from './evaluate.js';

/**
 * Refuses a request unless `policy` allows every authorization it needs, with the refusal the
 * service answers (UnauthorizedOperation for EC2, AccessDeniedException for EBS and the Catalog
 * API, AccessDenied for S3 and IAM) and AWS's wording of who was refused what on which resource.
 */
export function enforce(
  policy: PolicyDocument,
  service: Exclude<Service, 'sts'>,
  requests: AuthorizationRequest[],
): void {
  for (const request of requests) {
    const decision = evaluate(policy, request);
    if (decision === 'allow') continue;
    const why =
      decision === 'explicit-deny'
        ? `with an explicit deny in an identity-based policy`
        : `because no identity-based policy allows the ${request.action} action`;
    const { code, status } = DENIED[service];
    const error = new AwsError(
      code,
      `${service === 'ec2' ? 'You are not authorized to perform this operation. ' : ''}User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/fedimg/emulator is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`,
      status,
    );
    if (service === 'ebs') (error as AwsError & { reason?: string }).reason = 'UNAUTHORIZED_ACCOUNT';
    throw error;
  }
}
