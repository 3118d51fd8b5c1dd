import { describe, expect, it } from 'vitest';
import { keyInRegion } from '../../src/aws/kms.js';

describe('a KMS key named for the region that uses it', () => {
  it.each([
    [
      'arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd',
      'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd',
    ],
    ['arn:aws:kms:us-east-1:123456789012:alias/fedimg', 'arn:aws:kms:eu-west-1:123456789012:alias/fedimg'],
    [
      'arn:aws-cn:kms:cn-north-1:123456789012:alias/fedimg',
      'arn:aws-cn:kms:eu-west-1:123456789012:alias/fedimg',
    ],
    ['alias/fedimg', 'alias/fedimg'],
    ['mrk-1234abcd', 'mrk-1234abcd'],
    ['1234abcd-12ab-34cd-56ef-1234567890ab', '1234abcd-12ab-34cd-56ef-1234567890ab'],
  ])('%s → %s', (key, inEuWest1) => {
    expect(keyInRegion(key, 'eu-west-1')).toBe(inEuWest1);
  });
});
