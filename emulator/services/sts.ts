/**
 * STS (query protocol): GetCallerIdentity, which needs no permission ("No permissions are required
 * to perform this operation", STS API Reference). The administrator's key is an IAM user; every
 * other caller acts as the role the emulator's IAM policy governs, in a session named "emulator".
 */
import { ACCOUNT_ID } from '../constants.js';
import { AwsError } from '../errors.js';
import type { RestResponse } from '../http.js';
import { queryResponse } from '../wire/query-xml.js';
import { CALLER_ROLE } from './iam/state.js';

export function handleSts(operation: string, requestId: string, admin: boolean): RestResponse {
  if (operation !== 'GetCallerIdentity')
    throw new AwsError('InvalidAction', `Could not find operation ${operation}`);
  const identity = admin
    ? { Arn: `arn:aws:iam::${ACCOUNT_ID}:user/admin`, UserId: 'AIDAEMULATORADMIN' }
    : {
        Arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${CALLER_ROLE}/emulator`,
        UserId: 'AROAEMULATORFEDIMG:emulator',
      };
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: queryResponse(
      'GetCallerIdentity',
      'https://sts.amazonaws.com/doc/2011-06-15/',
      { ...identity, Account: ACCOUNT_ID },
      requestId,
    ),
  };
}
