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
