/**
 * One request to its service, after IAM: when the caller is held to a policy, every authorization
 * the request needs (built per service by iam/requests, scoped by the SAR model) must be allowed,
 * or the service's refusal is the answer and nothing changes.
 */
import { createRequire } from 'node:module';
import { AwsError } from './errors.js';
import type { RestRequest, RestResponse } from './http.js';
import { enforce } from './iam/enforce.js';
import type { AuthorizationRequest, PolicyDocument } from './iam/evaluate.js';
import { authorizationFor, type Candidate } from './iam/model/index.js';
import { ec2Candidates } from './iam/requests/ec2.js';
import { catalogCandidates, ebsCandidates, iamCandidates, s3Candidates } from './iam/requests/services.js';
import type { Service } from './responses.js';
import { handleCatalog } from './services/catalog/index.js';
import { handleEbs } from './services/ebs.js';
import { ec2Operations } from './services/ec2/index.js';
import { handleIam } from './services/iam/index.js';
import { handleS3 } from './services/s3.js';
import { handleSts } from './services/sts.js';
import type { AccountState } from './state.js';
import { decodeEc2Request, encodeEc2Response } from './wire/ec2-query.js';

const ec2Models = createRequire(import.meta.url)('@aws-sdk/client-ec2') as Record<string, unknown>;

export function dispatch(
  state: AccountState,
  /** The account's administrator (never refused), or the role every other caller acts as. */
  admin: boolean,
  /** The policy that role is held to (undefined: none set, everything is allowed). */
  callerPolicy: PolicyDocument | undefined,
  service: Service,
  operation: string,
  region: string,
  params: URLSearchParams | undefined,
  request: RestRequest,
  requestId: string,
  /** Receives the authorizations a governed request needed, refused or not (the request log keeps them). */
  audit: (authorizations: AuthorizationRequest[]) => void = () => {},
): RestResponse {
  const policy = admin ? undefined : callerPolicy;
  const authorize = (candidates: () => Candidate[]) => {
    if (!policy || service === 'sts') return;
    const authorizations = candidates().map(authorizationFor);
    audit(authorizations);
    enforce(policy, service, authorizations);
  };
  switch (service) {
    case 'ec2': {
      const handler = ec2Operations[operation];
      const model = ec2Models[`${operation}$`] as unknown[] | undefined;
      if (!handler || !model)
        throw new AwsError('InvalidAction', `The action ${operation} is not valid for this web service.`);
      const input = decodeEc2Request(params!, model[4]);
      authorize(() => ec2Candidates(state, region, operation, input));
      const output = handler({ state, region }, input);
      return {
        status: 200,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: encodeEc2Response(operation, output, model[5], requestId),
      };
    }
    // GetCallerIdentity needs no permission: "No permissions are required to perform this
    // operation" (STS API Reference); the SAR lists it without a resource.
    case 'sts':
      return handleSts(operation, requestId, admin);
    case 'iam':
      authorize(() => iamCandidates(state, operation, params!));
      return handleIam(state, operation, params!, requestId, callerPolicy);
    case 'ebs':
      authorize(() => ebsCandidates(state, region, operation, request));
      return handleEbs(state, region, request);
    case 's3':
      authorize(() => s3Candidates(operation, request.path));
      return handleS3(state, region, request);
    case 'aws-marketplace':
      authorize(() => catalogCandidates(operation, request));
      return handleCatalog(state, request);
    default:
      throw new AwsError('UnknownService', `The emulator does not speak ${String(service)}`, 400);
  }
}
