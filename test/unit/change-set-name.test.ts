import { describe, expect, it } from 'vitest';
import { changeSetName } from '../../src/marketplace/change-sets.js';

describe('changeSetName', () => {
  it('keeps the names fedimg has always given Fedora’s composes', () => {
    expect(changeSetName('Fedora-41-20241027.0', 'x86_64', 'apply')).toBe(
      'fedimg Fedora-41-20241027.0 x86_64 apply',
    );
    expect(changeSetName('Fedora-41-20241027.0', 'aarch64', 'restrict')).toBe(
      'fedimg Fedora-41-20241027.0 aarch64 restrict',
    );
  });

  it('fits a long compose ID into the 100 characters for every action, told apart by a hash, the same in each', () => {
    const long = `Fedora-${'Cloud-'.repeat(15)}42-20251028.0`;
    const other = long.replace('20251028', '20251029');
    const names = (['apply', 'validate', 'restrict'] as const).map((action) =>
      changeSetName(long, 'aarch64', action),
    );
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(100);
      expect(name).toMatch(/^[\w\s+=.:@-]+$/);
    }
    // observe.ts turns an apply set's name into its restrict set's by the last word alone.
    expect(names[0]!.replace(/ apply$/, ' restrict')).toBe(names[2]);
    expect(changeSetName(other, 'aarch64', 'apply')).not.toBe(names[0]);
  });
});
