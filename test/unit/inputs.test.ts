import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseSettings, secretsOf, type InputName } from '../../src/settings/index.js';

const parse = (values: Partial<Record<InputName, string>>) => parseSettings((name) => values[name] ?? '');
const compose = { 'compose-id': 'Fedora-41-20241027.0' };

describe('notify-url and secrets', () => {
  it('refuses a notify-url with user:password@ credentials', () => {
    expect(() => parse({ ...compose, 'notify-url': 'https://user:pw@hooks.example.org/x' })).toThrow(
      InputError,
    );
    expect(() => parse({ ...compose, 'notify-url': 'https://user:pw@hooks.example.org/x' })).toThrow(
      /credentials/,
    );
  });

  it('names every value that must be masked: the secret, query-string credentials, the token', () => {
    const settings = parse({
      ...compose,
      'notify-url': 'https://hooks.example.org/x?token=abc123&team=cloud',
      'notify-secret': 's3cret',
      'github-token': 'ghs_token',
    });
    expect(secretsOf(settings).sort()).toEqual(['abc123', 'cloud', 'ghs_token', 's3cret']);
    expect(secretsOf(parse(compose))).toEqual([]);
  });
});

describe('fedora-message-topic', () => {
  it('takes dot-separated words and the known placeholders, and refuses anything else by name', () => {
    expect(
      parse({ ...compose, 'fedora-message-topic': '{stream}.{subvariant}.{arch}' }).publish.messageTopic,
    ).toBe('{stream}.{subvariant}.{arch}');
    expect(parse({ ...compose, 'fedora-message-topic': 'aws-{release}.{arch}' }).publish.messageTopic).toBe(
      'aws-{release}.{arch}',
    );
    for (const bad of ['{stream}..{arch}', '{compose}.{arch}', 'a b', '#', '{arch}.*'])
      expect(() => parse({ ...compose, 'fedora-message-topic': bad }), bad).toThrow(
        /fedora-message-topic .* is not a routing-key suffix/,
      );
  });
});

describe('the plan handed down (images)', () => {
  const entry = (compose: string, arch: string) => ({
    name: `Fedora-Cloud-Base-AmazonEC2-41-1.4.${arch}`,
    file: `Fedora-Cloud-Base-AmazonEC2-41-1.4.${arch}.raw.xz`,
    arch,
    ec2_arch: arch === 'aarch64' ? 'arm64' : 'x86_64',
    url: `https://kojipkgs.fedoraproject.org/compose/41/${compose}/compose/Cloud/${arch}/images/Fedora-Cloud-Base-AmazonEC2-41-1.4.${arch}.raw.xz`,
    size: 500_000_000,
    sha256: 'ab'.repeat(32),
    compose_id: compose,
    release: '41',
    subvariant: 'Cloud_Base',
    variant: 'Cloud',
    compose_type: 'production',
    compose_date: '20241027',
    compose_respin: 0,
    label: 'RC-1.4',
  });
  const output = (...entries: object[]) => JSON.stringify({ include: entries });

  it('takes the plan output, or what fedimg plan --json prints, and reads no compose', () => {
    const images = [entry('Fedora-41-20241027.0', 'x86_64'), entry('Fedora-41-20241027.0', 'aarch64')];
    for (const text of [
      output(...images),
      JSON.stringify({ matrix: { include: images }, names: [] }),
      JSON.stringify(images),
    ])
      expect(parse({ stage: 'copy', images: text }).images).toEqual({ kind: 'planned', images });
  });

  it('refuses entries of two composes, an invalid entry, and a plan given with a compose', () => {
    expect(() =>
      parse({
        images: output(entry('Fedora-41-20241027.0', 'x86_64'), entry('Fedora-41-20241028.0', 'aarch64')),
      }),
    ).toThrow(/more than one compose/);
    expect(() =>
      parse({ images: output({ ...entry('Fedora-41-20241027.0', 'x86_64'), sha256: 'x' }) }),
    ).toThrow(/Entry 1 of the plan's images is invalid/);
    expect(() => parse({ ...compose, images: output(entry('Fedora-41-20241027.0', 'x86_64')) })).toThrow(
      /was given with a compose/,
    );
    expect(() => parse({ images: '{"include": 3}' })).toThrow(/not a list of matrix entries/);
  });
});
