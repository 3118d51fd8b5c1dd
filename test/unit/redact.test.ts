import { describe, expect, it } from 'vitest';
import { redact, redactValue } from '../../src/report/redact.js';
import { releaseBody } from '../../src/stages/release.js';
import { summaryText } from '../../src/report/table.js';

// AWS's own wording of an EC2 refusal, with the caller's ARN and the encoded message.
const REFUSAL =
  'You are not authorized to perform this operation. User: arn:aws:sts::210987654321:assumed-role/fedimg-publish/GitHubActions is not authorized to perform: ec2:CopyImage on resource: arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0 because no identity-based policy allows the ec2:CopyImage action. Encoded authorization failure message: q8ZxW3m-Mz7-0-nfXd_uEE2n8tE8yV1aZ9HhE0xQ';

describe('what fedimg publishes', () => {
  it('names no account, role, session or encoded authorization message', () => {
    const text = redact(REFUSAL);
    expect(text).not.toContain('210987654321');
    expect(text).not.toContain('fedimg-publish');
    expect(text).not.toContain('GitHubActions');
    expect(text).not.toContain('q8ZxW3m');
    expect(text).toBe(
      'You are not authorized to perform this operation. User: <sts ARN> is not authorized to perform: ec2:CopyImage on resource: <ec2 ARN> because no identity-based policy allows the ec2:CopyImage action. Encoded authorization failure message: <redacted>',
    );
  });

  it('replaces ARNs of every partition and bare account IDs, and keeps what a reader needs', () => {
    expect(redact('role arn:aws-us-gov:iam::123456789012:role/x, then')).toBe('role <iam ARN>, then');
    expect(redact('arn:aws-cn:s3:::bucket/key.raw')).toBe('<s3 ARN>');
    expect(redact('owner 123456789012 shared')).toBe('owner <account> shared');
    expect(redact('"123456789012"')).toBe('"<account>"');
    // IDs, checksums, sizes and times are not account data.
    const kept =
      'ami-0123456789abcdef0 snap-012345678901234567 vol-123456789012 sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 size 1234567890123 at 2026-12-04T10:17:00.000Z in Fedora-Cloud-41-20241201.0';
    expect(redact(kept)).toBe(kept);
  });

  it('redacts every string of a JSON value and keeps its numbers and shape', () => {
    const event = { extra: { error: REFUSAL, sizes: [123456789012] }, owner: '123456789012', ok: true };
    expect(redactValue(event)).toEqual({
      extra: { error: redact(REFUSAL), sizes: [123456789012] },
      owner: '<account>',
      ok: true,
    });
  });

  it('reaches summaries (escaped) and release notes', () => {
    expect(summaryText(REFUSAL)).toContain('User: &#60;sts ARN&#62; is not authorized');
    // Compose metadata is untrusted: a file name may carry anything.
    const image = {
      architecture: 'x86_64',
      compose_id: 'Fedora-Cloud-41-20241201.0',
      image_name: 'Fedora-Cloud-Base-AmazonEC2-41-20241201.0.x86_64',
      regions: {},
      release: 41,
      release_name: '41',
      subvariant: 'Cloud_Base',
      source: { file: 'Fedora 123456789012.raw.xz', url: 'https://example.org/x', sha256: 'ab'.repeat(32) },
      flavours: {},
    };
    const body = releaseBody({
      compose_id: 'Fedora-Cloud-41-20241201.0',
      generated_at: '2024-12-01T00:00:00Z',
      images: [image],
    });
    expect(body).toContain('`Fedora <account>.raw.xz`');
    expect(body).not.toContain('123456789012');
  });
});
