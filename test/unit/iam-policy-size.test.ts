import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fillPlaceholders } from '../../emulator/iam/policies.js';

// IAM User Guide, "IAM and AWS STS quotas": all inline policies of a role together at most 10,240
// characters, and a role's trust policy at most 2,048 (the default quota); IAM does not count white
// space. Past either, put-role-policy or create-role (account-setup.md's steps) is refused.
const ROLE_POLICIES = 10_240;
const TRUST_POLICY = 2_048;

/** A document as account-setup.md has it filled in, with long but real-shaped values. */
function filled(path: string, products = 1): string {
  let text = readFileSync(new URL(`../../docs/${path}`, import.meta.url), 'utf8');
  // One resource per Marketplace product (account-setup.md): a lone ARN becomes a list of them.
  const arns = (quoted: string) =>
    Array.from({ length: products }, (_, index) =>
      JSON.stringify(
        (JSON.parse(quoted) as string).replace('<MARKETPLACE_PRODUCT_ID>', `prod-${'a'.repeat(9)}${index}`),
      ),
    );
  text = text
    .replace(
      /"Resource": ("[^"]*<MARKETPLACE_PRODUCT_ID>")/g,
      (_whole, arn: string) => `"Resource": [${arns(arn).join(', ')}]`,
    )
    .replace(
      /^(\s*)("[^"]*<MARKETPLACE_PRODUCT_ID>")(,?)$/gm,
      (_whole, indent: string, arn: string, comma: string) =>
        `${indent}${arns(arn).join(`,\n${indent}`)}${comma}`,
    );
  const values: Record<string, string> = {
    ACCOUNT_ID: '123456789012',
    PUBLISH_ROLE_NAME: 'fedimg-publish',
    MARKETPLACE_ACCESS_ROLE_NAME: 'fedimg-marketplace-ingestion',
    KMS_KEY_ID: 'mrk-1234abcd12ab34cd56ef1234567890ab',
    STAGING_BUCKET: 'fedora-cloud-fedimg-staging-us-east-1',
    OWNER: 'fedora-cloud-infrastructure',
    CALLER_OWNER: 'fedora-cloud-infrastructure',
    CALLER_REPOSITORY: 'fedora-cloud-release-automation',
    FEDIMG_REF: 'refs/tags/v1.12.3',
  };
  text = fillPlaceholders(text, values);
  expect(text, `${path} has a placeholder this test does not fill`).not.toMatch(/<[A-Z_]+>/);
  return text;
}

const characters = (document: unknown) => JSON.stringify(document).replace(/\s/g, '').length;

describe('the documented IAM policies', () => {
  it('fit a role’s 10,240 characters of inline policy together, with ten Marketplace products', () => {
    const policies = ['iam-policy.json', 'iam-policy-encrypted.json', 'iam-policy-import-snapshot.json'].map(
      (path) => JSON.parse(filled(path, 10)) as { Statement: Array<{ Resource: unknown }> },
    );
    const marketplace = JSON.stringify(
      policies[0]!.Statement.filter((statement) => /prod-/.test(JSON.stringify(statement))),
    );
    expect(marketplace.match(/prod-a{9}\d/g)).toHaveLength(20);
    expect(policies.map(characters).reduce((sum, size) => sum + size, 0)).toBeLessThanOrEqual(ROLE_POLICIES);
  });

  it('keep each trust policy within a role’s 2,048 characters', () => {
    for (const path of ['oidc-trust-policy.json', 'oidc-trust-policy-caller.json'])
      expect(characters(JSON.parse(filled(path))), path).toBeLessThanOrEqual(TRUST_POLICY);
    const { TrustPolicy } = JSON.parse(filled('marketplace-access-role.json')) as { TrustPolicy: object };
    expect(characters(TrustPolicy)).toBeLessThanOrEqual(TRUST_POLICY);
  });
});
