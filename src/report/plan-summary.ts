import type { ComposePlan } from '../compose/types.js';
import type { Table } from './table.js';

/** The plan as a table; rendered into the job summary by the action and as text by the CLI. */
export function planTable(plan: ComposePlan): Table {
  return {
    title: `fedimg plan — ${plan.composeId || 'direct image'} (${plan.status})`,
    header: ['Image', 'AMI name', 'Arch', 'EC2 arch', 'Subvariant', 'Size (bytes)', 'sha256'],
    rows: plan.images.map((image) => [
      image.file,
      image.ami_name ?? '',
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
