import { composeKind } from '../compose/kind.js';
import type { ComposePlan, PlannedImage } from '../compose/types.js';
import type { PublishSettings } from '../settings/index.js';
import type { Table } from './table.js';

/** What happens to the image's AMIs over time, under the expiry policy. */
export function expiryOf(image: PlannedImage, policy: PublishSettings): string {
  const kind = composeKind(image);
  if (policy.expiringKinds.includes(kind))
    return `${kind}: deprecated after ${policy.deprecationDays} days, then removed by cleanup`;
  return policy.releaseDeprecationDays
    ? `${kind}: kept, deprecated after ${policy.releaseDeprecationDays} days`
    : `${kind}: kept`;
}

/** The plan as a table; rendered into the job summary by the action and as text by the CLI. */
export function planTable(plan: ComposePlan, policy: PublishSettings): Table {
  return {
    title: `fedimg plan — ${plan.composeId || 'direct image'} (${plan.status})`,
    header: ['Image', 'AMI name', 'Expiry', 'Arch', 'EC2 arch', 'Subvariant', 'Size (bytes)', 'sha256'],
    rows: plan.images.map((image) => [
      image.file,
      image.ami_name ?? '',
      expiryOf(image, policy),
      image.arch,
      image.ec2_arch,
      image.subvariant,
      String(image.size),
      image.sha256,
    ]),
    note: plan.skipped
      ? `Nothing to do: ${plan.reason}.`
      : plan.images.length === 0
        ? 'Nothing to publish: no image of this compose matches the selection (subvariants, architectures).'
        : undefined,
  };
}
