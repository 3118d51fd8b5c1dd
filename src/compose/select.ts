import type { ProductmdImage } from './productmd.js';

export type Ec2Architecture = 'x86_64' | 'arm64';

/** Fedora architectures that have an EC2 equivalent; ppc64, ppc64le, s390x and armhfp have none. */
export const EC2_ARCHITECTURES: Readonly<Record<string, Ec2Architecture>> = {
  x86_64: 'x86_64',
  aarch64: 'arm64',
};

/** The productmd image type of the AWS input: a raw disk compressed with xz. */
export const AWS_IMAGE_TYPE = 'raw-xz';

export interface SelectionCriteria {
  subvariants: readonly string[];
  /** Fedora architecture names (x86_64, aarch64). */
  architectures: readonly string[];
}

/**
 * Pick the AWS images of a compose by productmd type and subvariant, never by file suffix: a release
 * compose carries many other raw.xz files (Server, Workstation, Spins, ARM -sda images, AtomicHost).
 */
export function selectImages(
  images: readonly ProductmdImage[],
  criteria: SelectionCriteria,
): ProductmdImage[] {
  const seen = new Set<string>();
  return images.filter((image) => {
    const wanted =
      image.type === AWS_IMAGE_TYPE &&
      image.format === 'raw.xz' &&
      criteria.subvariants.includes(image.subvariant) &&
      criteria.architectures.includes(image.arch) &&
      image.arch in EC2_ARCHITECTURES;
    if (!wanted) return false;
    // The same file can be listed under several variants (e.g. Cloud and CloudImages).
    const key = `${image.subvariant}/${image.arch}/${image.path.split('/').pop()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
