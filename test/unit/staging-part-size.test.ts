import { describe, expect, it } from 'vitest';
import { stagingPartSize } from '../../src/upload/import-snapshot.js';

const MIB = 2 ** 20;
const GIB = 2 ** 30;

describe('stagingPartSize', () => {
  it('stays at 16 MiB up to the 156 GiB that 10,000 such parts hold (the default allows 64 GiB)', () => {
    expect(stagingPartSize(64 * GIB)).toBe(16 * MIB);
    expect(stagingPartSize(10_000 * 16 * MIB)).toBe(16 * MIB);
  });

  it('grows in whole MiB so that the largest image allowed fits in 10,000 parts', () => {
    for (const gib of [157, 1024, 5120, 16_384]) {
      const part = stagingPartSize(gib * GIB);
      expect(part % MIB).toBe(0);
      expect(part * 10_000).toBeGreaterThanOrEqual(gib * GIB);
      expect((part - MIB) * 10_000).toBeLessThan(gib * GIB);
    }
  });
});
