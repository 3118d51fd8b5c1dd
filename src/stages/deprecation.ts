import type { Ami } from '../aws/images.js';
import { isoTime } from '../aws/tags.js';
import { composeKind } from '../compose/kind.js';
import type { PlannedImage } from '../compose/types.js';
import type { Settings } from '../settings/index.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/**
 * AWS deprecates every public AMI 2 years after its creation unless set earlier, and refuses a
 * later date for one (EC2 User Guide, "Deprecate an AMI"; EnableImageDeprecation). The documents do
 * not say how 2 years are counted: 730 days is the shorter reading, so within the limit either way.
 */
const PUBLIC_LIMIT_DAYS = 730;

const onMinute = (time: number) => new Date(Math.floor(time / MINUTE) * MINUTE);

/** The days to deprecation this run asks for: the expiring kinds' or the releases' setting. */
function askedDays(settings: Settings, image: PlannedImage): number | undefined {
  return settings.publish.expiringKinds.includes(composeKind(image))
    ? settings.publish.deprecationDays
    : settings.publish.releaseDeprecationDays;
}

export interface PlannedDeprecation {
  /** The deprecation the AMI has once published (undefined: none). */
  at: Date | undefined;
  /** Whether EnableImageDeprecation must set `at`. */
  set: boolean;
  /** Why `at` is earlier than asked for, to be said. */
  note?: string;
}

/**
 * An AMI's deprecation: what this run asks for, at the latest the limit AWS sets a public AMI (which
 * is also AWS's default for one, so set whether asked for or not, and reported the same on every
 * run), and never later than a deprecation it already has, so that a nightly re-published daily
 * still expires. Set before the AMI is made public: once public, AWS only lets it move earlier.
 */
export function plannedDeprecation(
  settings: Settings,
  image: PlannedImage,
  found: Ami,
  makePublic: boolean,
  now = Date.now(),
): PlannedDeprecation {
  const days = askedDays(settings, image);
  const asked = days === undefined ? undefined : onMinute(now + days * DAY);
  const created = isoTime(found.CreationDate);
  const limit = makePublic && created ? onMinute(created.getTime() + PUBLIC_LIMIT_DAYS * DAY) : undefined;
  const wanted = asked && limit && asked > limit ? limit : (asked ?? limit);
  const existing = isoTime(found.DeprecationTime);
  if (existing && (!wanted || existing <= wanted)) return { at: existing, set: false };
  // An AMI made over 2 years ago: no date in the past can be set (AWS's own default applies).
  if (!wanted || wanted.getTime() <= now) return { at: existing, set: false };
  const note =
    asked && wanted < asked
      ? `${found.ImageId}: ${days} days from now is past the 2 years after its creation that AWS allows a public AMI; it is deprecated at ${wanted.toISOString()}.`
      : undefined;
  return { at: wanted, set: true, ...(note ? { note } : {}) };
}
