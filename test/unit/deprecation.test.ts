import { describe, expect, it } from 'vitest';
import type { Ami } from '../../src/aws/images.js';
import type { PlannedImage } from '../../src/compose/types.js';
import { parseSettings, type InputName } from '../../src/settings/index.js';
import { plannedDeprecation } from '../../src/stages/deprecation.js';

const DAY = 24 * 3600 * 1000;
const NOW = Date.parse('2026-12-06T10:20:30.456Z');
const CREATED = '2026-11-26T08:00:00.000Z';

const settings = (values: Partial<Record<InputName, string>> = {}) =>
  parseSettings((name) => ({ stage: 'publish', ...values })[name] ?? '');

const image = (compose_type: PlannedImage['compose_type'], label?: string) =>
  ({ compose_type, ...(label ? { label } : {}) }) as PlannedImage;
const nightly = image('nightly');
const release = image('production', 'RC-1.4');

const ami = (deprecation?: string): Ami => ({
  ImageId: 'ami-0123456789abcdef0',
  CreationDate: CREATED,
  ...(deprecation ? { DeprecationTime: deprecation } : {}),
});
const iso = (time: number) => new Date(time).toISOString();
/** 730 days after CREATED, on the minute. */
const LIMIT = iso(Date.parse(CREATED) + 730 * DAY);

describe('the deprecation publish gives an AMI', () => {
  it('is the asked days from now, on the minute, for a nightly without one', () => {
    const planned = plannedDeprecation(settings(), nightly, ami(), true, NOW);
    expect(planned).toEqual({ at: new Date('2027-01-05T10:20:00.000Z'), set: true });
  });

  it('keeps a sooner one it already has, and moves a later one (AWS default) earlier', () => {
    const sooner = '2026-12-20T00:00:00.000Z';
    expect(plannedDeprecation(settings(), nightly, ami(sooner), true, NOW)).toEqual({
      at: new Date(sooner),
      set: false,
    });
    const awsDefault = '2028-11-26T08:00:00.000Z';
    expect(plannedDeprecation(settings(), nightly, ami(awsDefault), true, NOW)).toMatchObject({
      at: new Date('2027-01-05T10:20:00.000Z'),
      set: true,
    });
  });

  it('gives a public release AMI 730 days after its creation, a shared one none', () => {
    expect(plannedDeprecation(settings(), release, ami(), true, NOW)).toEqual({
      at: new Date(LIMIT),
      set: true,
    });
    expect(plannedDeprecation(settings(), release, ami(), false, NOW)).toEqual({ at: undefined, set: false });
    // Already there on a re-run: nothing to set.
    expect(plannedDeprecation(settings(), release, ami(LIMIT), true, NOW)).toEqual({
      at: new Date(LIMIT),
      set: false,
    });
  });

  it('sets no date in the past for a public AMI made over 2 years ago', () => {
    const old = { ...ami(), CreationDate: '2024-01-01T00:00:00.000Z' };
    expect(plannedDeprecation(settings(), release, old, true, NOW)).toEqual({ at: undefined, set: false });
  });

  it('holds what is asked to 730 days after creation for a public AMI, and says so', () => {
    const asked = settings({ 'release-deprecation-days': '730' });
    const planned = plannedDeprecation(asked, release, ami(), true, NOW);
    expect(planned).toMatchObject({ at: new Date(LIMIT), set: true });
    expect(planned.note).toBe(
      `ami-0123456789abcdef0: 730 days from now is past the 2 years after its creation that AWS allows a public AMI; it is deprecated at ${LIMIT}.`,
    );
    // Shared, not public: AWS allows 10 years, so as asked.
    expect(plannedDeprecation(asked, release, ami(), false, NOW)).toEqual({
      at: new Date(Math.floor((NOW + 730 * DAY) / 60_000) * 60_000),
      set: true,
    });
  });
});
