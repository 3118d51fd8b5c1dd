/** STS (query protocol): GetCallerIdentity, which needs no permission (SAR: no resource, no key). */
import { ACCOUNT_ID } from '../constants.js';
import { AwsError } from '../errors.js';
import type { RestResponse } from '../http.js';

export function handleSts(operation: string, requestId: string): RestResponse {
  if (operation !== 'GetCallerIdentity')
    throw new AwsError('InvalidAction', `Could not find operation ${operation}`);
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT_ID}:user/fedimg-emulator</Arn><UserId>AIDAEMULATOR</UserId><Account>${ACCOUNT_ID}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  };
}
