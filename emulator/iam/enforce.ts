import { ACCOUNT_ID } from '../constants.js';
import { AwsError } from '../errors.js';
import { DENIED, type Service } from '../responses.js';
import { evaluate, type AuthorizationRequest, type Decision, type PolicyDocument } from './evaluate.js';

const PRINCIPAL = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/fedimg/emulator`;

/**
 * STS DecodeAuthorizationMessage: "if a user is not authorized to perform an operation … the request
 * returns a Client.UnauthorizedOperation response … Some AWS operations additionally return an
 * encoded message" holding the decision, the principal, the action, the resource and the condition
 * keys' values. Which operations do is left to each operation's page; EC2's refusals carry it in
 * practice, so every EC2 refusal here does. AWS encrypts it; the emulator only encodes it
 * (base64url), since nothing may depend on reading it.
 */
function encodedMessage(request: AuthorizationRequest, decision: Decision): string {
  const context = {
    allowed: false,
    explicitDeny: decision === 'explicit-deny',
    context: {
      principal: { arn: PRINCIPAL },
      action: request.action,
      resource: request.resource,
      conditions: request.context,
    },
  };
  return Buffer.from(JSON.stringify(context)).toString('base64url');
}

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
    const message = `User: ${PRINCIPAL} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
    const error = new AwsError(
      code,
      service === 'ec2'
        ? `You are not authorized to perform this operation. ${message}. Encoded authorization failure message: ${encodedMessage(request, decision)}`
        : message,
      status,
    );
    if (service === 'ebs') (error as AwsError & { reason?: string }).reason = 'UNAUTHORIZED_ACCOUNT';
    throw error;
  }
}
