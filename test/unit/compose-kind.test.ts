import { describe, expect, it } from 'vitest';
import { composeKind } from '../../src/compose/kind.js';
import { InputError } from '../../src/errors.js';
import { expiryOf } from '../../src/stages/plan.js';
import { fastSettings } from '../helpers/settings.js';

const settings = (values: Record<string, string> = {}) =>
  fastSettings({ 'compose-id': 'Fedora-41-20241020.0', ...values });

describe('what a compose is, and whether its AMIs expire', () => {
  it.each([
    [{ compose_type: 'nightly', label: '' }, 'nightly'],
    [{ compose_type: 'test', label: '' }, 'test'],
    [{ compose_type: 'production', label: '' }, 'dated'],
    [{ compose_type: 'production', label: 'Beta-1.2' }, 'beta'],
    [{ compose_type: 'production', label: 'RC-1.4' }, 'ga'],
    // Fedora's rule (Releng SOP "Clean AMIs Process", clean-amis.py): a label that carries a date is
    // a dated compose, cleaned like a nightly; the real Fedora-Cloud-27-20180317.0 is labelled so.
    [{ compose_type: 'production', label: 'RC-20180317.0' }, 'dated'],
    [{ compose_type: 'production', label: 'Update-20260226.0' }, 'dated'],
    [{ compose_type: 'production', label: 'Beta-20260226.0' }, 'dated'],
  ] as const)('%o is %s', (image, kind) => {
    expect(composeKind(image)).toBe(kind);
  });

  it("follows Fedora's old practice by default: nightlies and dated composes expire, GA and Beta are kept", () => {
    const policy = settings().publish;
    expect(policy.expiringKinds).toEqual(['nightly', 'test', 'ci', 'development', 'dated']);
    const image = (compose_type: 'nightly' | 'production', label: string) =>
      ({ compose_type, label }) as Parameters<typeof expiryOf>[0];
    expect(expiryOf(image('production', ''), policy)).toBe(
      'dated: deprecated after 30 days, then removed by cleanup',
    );
    expect(expiryOf(image('production', 'Beta-1.2'), policy)).toBe('beta: kept');
    expect(
      expiryOf(image('production', 'RC-1.4'), settings({ 'release-deprecation-days': '400' }).publish),
    ).toBe('ga: kept, deprecated after 400 days');
  });

  it('refuses an unknown kind, naming the ones it knows', () => {
    expect(() => settings({ 'expiring-composes': 'nightly,weekly' })).toThrow(InputError);
    expect(() => settings({ 'expiring-composes': 'weekly' })).toThrow(
      /expected one of nightly, test, ci, development, dated, beta, ga/,
    );
  });
});
