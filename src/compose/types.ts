import type { ComposeType } from './compose-id.js';
import type { ComposeStatus } from './payload.js';
import type { HostPolicy } from '../net/host-policy.js';
import type { Ec2Architecture, SelectionCriteria } from './select.js';

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
  /**
   * Rawhide's release number (the version of its fedora-release package in the compose's
   * rpms.json), which Fedora's message needs; absent when the release is a number itself, or unknown.
   */
  release_number?: number;
  subvariant: string;
  variant: string;
  compose_type: ComposeType;
  compose_date: string;
  compose_respin: number;
  /** Compose label such as `RC-1.4` or `Beta-1.2`; empty for nightlies. */
  label: string;
  /** In the plan's matrix: the AMI name the default flavour will get (a dry run shows it). */
  ami_name?: string;
}

export interface ComposePlan {
  /**
   * Where the images came from: a Pungi compose, one image URL given directly, or the plan a
   * caller handed down (no compose metadata is read again).
   */
  source: 'compose' | 'image-url' | 'plan';
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

/** What to plan from: a compose, or one image URL. */
export type DiscoveryRequest =
  | {
      kind: 'compose';
      location: string;
      /** From the dispatch payload or the compose-id input: cross-checked against the metadata. */
      composeId?: string | undefined;
      /** From the payload; when it is not publishable nothing is fetched at all. */
      status?: ComposeStatus | undefined;
      label?: string | undefined;
    }
  | { kind: 'image'; url: string; sha256?: string | undefined; composeId?: string | undefined };

export interface DiscoveryOptions {
  policy: HostPolicy;
  selection: SelectionCriteria;
}
