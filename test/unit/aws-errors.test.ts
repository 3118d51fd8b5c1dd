import { describe, expect, it } from 'vitest';
import { AwsError, hintForAwsError } from '../../src/aws/errors.js';
import { describeError, markAwsCall } from '../../src/errors.js';

/** An error as the SDK throws it, marked by fedimg's clients with the call and region. */
function refused(code: string, message: string, call = 'ec2:RunInstances', region = 'eu-west-1'): Error {
  const error = Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: 400 } });
  return markAwsCall(error, call, region) as Error;
}

describe('AWS refusals', () => {
  it('are described with the call, the region and the code', () => {
    expect(
      describeError(refused('UnauthorizedOperation', 'You are not authorized to perform this operation.')),
    ).toBe(
      'ec2:RunInstances in eu-west-1 failed: UnauthorizedOperation: You are not authorized to perform this operation.',
    );
  });

  it.each([
    ['UnauthorizedOperation', /may not call ec2:RunInstances in eu-west-1.*docs\/iam-policy.json/],
    ['AccessDeniedException', /docs\/iam-policy.json/],
    ['VPCIdNotSpecified', /no default VPC: set subnet-id/],
    ['InvalidSubnetID.NotFound', /subnet-id/],
    ['InvalidGroup.NotFound', /security-group-ids/],
    ['InsufficientInstanceCapacity', /instance-types/],
    ['Unsupported', /instance-types/],
    ['InstanceLimitExceeded', /Service Quotas/],
    ['VcpuLimitExceeded', /Service Quotas/],
  ])('%s gets a hint that names what to change', (code, hint) => {
    expect(hintForAwsError(refused(code, 'refused'))).toMatch(hint);
  });

  it('become an AwsError titled by the stage, with a generic next step for other codes', () => {
    const error = new AwsError('boot-test', refused('SomethingNew', 'odd'));
    expect(error.area).toBe('boot-test');
    expect(error.code).toBe('SomethingNew');
    expect(error.message).toMatch(
      /^ec2:RunInstances in eu-west-1 failed: SomethingNew: odd\. Re-run the job/,
    );
  });
});
