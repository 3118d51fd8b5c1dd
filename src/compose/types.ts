import type { ComposeType } from './compose-id.js';
import type { ComposeStatus } from './payload.js';
import type { Ec2Architecture } from './select.js';

/**
 * One image to publish. This is also one entry of the plan stage's `images` output, which workflows
 * feed to `strategy.matrix`, so the field names are snake_case and stable.
 */
export interface PlannedImage {
  /** File name without `.raw.xz`: `Fedora-Cloud-Base-AmazonEC2-43-1.6.x86_64`. */
  name: string;
  file: string;
  /** Fedora architecture: x86_64, aarch64. */
  arch: string;
  ec2_arch: Ec2Architecture;
  url: string;
  /** Size of the compressed file in bytes. */
  size: number;
  sha256: string;
  compose_id: string;
  /** Release version: `41`, `Rawhide`. */
  release: string;
  subvariant: string;
  variant: string;
  compose_type: ComposeType;
  compose_date: string;
  compose_respin: number;
  /** Compose label such as `RC-1.4` or `Beta-1.2`; empty for nightlies. */
  label: string;
}

export interface ComposePlan {
  /** Where the images came from: a Pungi compose, or one image URL given directly. */
  source: 'compose' | 'image-url';
  composeId: string;
  status: ComposeStatus;
  /** True when the compose is not publishable (not FINISHED*): nothing to do, not an error. */
  skipped: boolean;
  reason: string | undefined;
  location: string | undefined;
  images: PlannedImage[];
  /** Remarks worth a notice in the log (cross-checks skipped and similar). */
  notes: string[];
}
