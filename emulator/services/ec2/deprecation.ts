/**
 * When an AMI may be deprecated, from the Amazon EC2 API Reference (EnableImageDeprecation,
 * DeprecateAt) and the EC2 User Guide ("Deprecate an AMI"):
 * - seconds are rounded to the nearest minute; a date in the past is refused;
 * - the latest date is 10 years from now, or for a public AMI 2 years from its creation date;
 * - every public AMI is deprecated by default 2 years after its creation date;
 * - a public AMI's deprecation can be moved earlier, but cancelling it or moving it later needs the
 *   AMI made private first.
 * The documents are silent on the error codes of these refusals (InvalidParameterValue here, as for
 * a malformed date), on how "2 years" is counted (calendar years here) and on what going public does
 * to a deprecation set later than the default (left as it is here).
 */
import { AwsError } from '../../errors.js';
import type { Image } from '../../state.js';
import { isPublic } from './common.js';

const MINUTE = 60_000;

const yearsAfter = (time: number, years: number) => {
  const at = new Date(time);
  at.setUTCFullYear(at.getUTCFullYear() + years);
  return at.getTime();
};

/** The default deprecation of a public AMI, and the latest one it may have: 2 years after creation. */
export const publicDeprecationLimit = (image: Image): number => yearsAfter(image.createdAt, 2);

/** The deprecation time EnableImageDeprecation gives `image` for `at`, or the refusal. */
export function checkedDeprecation(image: Image, at: Date, now: number): Date {
  if (Number.isNaN(at.getTime()) || at.getTime() <= now)
    throw new AwsError('InvalidParameterValue', 'DeprecateAt must be a date in the future');
  const rounded = new Date(Math.round(at.getTime() / MINUTE) * MINUTE);
  if (rounded.getTime() > yearsAfter(now, 10))
    throw new AwsError('InvalidParameterValue', 'DeprecateAt can be at most 10 years from now');
  if (!isPublic(image.launchPermission)) return rounded;
  if (rounded.getTime() > publicDeprecationLimit(image))
    throw new AwsError(
      'InvalidParameterValue',
      `DeprecateAt for a public AMI can be at most 2 years after its creation date (${new Date(image.createdAt).toISOString()})`,
    );
  if (image.deprecationTime && rounded.getTime() > image.deprecationTime.getTime())
    throw new AwsError(
      'InvalidParameterValue',
      `${image.id} is public: its deprecation can only be moved earlier; make it private to move it later`,
    );
  return rounded;
}

/** DisableImageDeprecation: refused while the AMI is public. */
export function checkCancellable(image: Image): void {
  if (isPublic(image.launchPermission) && image.deprecationTime)
    throw new AwsError(
      'InvalidParameterValue',
      `${image.id} is public: make it private before cancelling its deprecation`,
    );
}

/** An AMI that has just become public gets the default deprecation when it has none. */
export function deprecateWhenPublic(image: Image): void {
  if (isPublic(image.launchPermission) && !image.deprecationTime)
    image.deprecationTime = new Date(publicDeprecationLimit(image));
}
