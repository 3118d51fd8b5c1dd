import { parseComposeLabel } from './compose-id.js';
import type { PlannedImage } from './types.js';

/**
 * What a compose is, for how long its AMIs live: a nightly, test, ci or development compose; a dated
 * production compose (no label, or a label that carries a date, such as the Fedora-Cloud composes'
 * `RC-20180317.0`); a Beta (a pre-release milestone, `Beta-1.2`); a GA release (`RC-1.4`).
 */
export const COMPOSE_KINDS = ['nightly', 'test', 'ci', 'development', 'dated', 'beta', 'ga'] as const;
export type ComposeKind = (typeof COMPOSE_KINDS)[number];

/** Fedora's old practice: nightlies and dated composes expire; GA and Beta are kept. */
export const DEFAULT_EXPIRING_KINDS: ComposeKind[] = ['nightly', 'test', 'ci', 'development', 'dated'];

export function composeKind(image: Pick<PlannedImage, 'compose_type' | 'label'>): ComposeKind {
  if (image.compose_type !== 'production') return image.compose_type;
  if (!image.label) return 'dated';
  const label = parseComposeLabel(image.label);
  if (label.dated) return 'dated';
  return label.prerelease ? 'beta' : 'ga';
}
