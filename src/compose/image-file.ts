/**
 * Fedora's image file names, in the two layouts Fedora has used:
 * - arch suffix (F28–F39, F41+): `Fedora-Cloud-Base-AmazonEC2-41-1.4.x86_64.raw.xz`,
 *   `…AmazonEC2-41_Beta-1.2.x86_64`, `…AmazonEC2-Rawhide-20260701.n.0.aarch64`;
 * - arch infix (F40): `Fedora-Cloud-Base-AmazonEC2.x86_64-40-1.14.raw.xz`.
 */
export interface ImageFileName {
  /** What the image is, without arch or version: `Fedora-Cloud-Base-AmazonEC2`. */
  product: string;
  arch: 'x86_64' | 'aarch64';
  /** The release as the file writes it: `41`, `Rawhide`, `ELN`. */
  release: string;
  /** A milestone written after the release (`41_Beta`): `Beta`. */
  milestone: string | undefined;
  /** What follows the release: a label version `1.4`, or a date and respin `20260701.n.0`. */
  version: string;
}

const RELEASE = String.raw`(?<release>\d+|[A-Za-z][A-Za-z0-9]*)(?:_(?<milestone>[A-Za-z]+))?`;
const VERSION = String.raw`(?<version>\d[0-9A-Za-z.]*?)`;
const ARCH = String.raw`(?<arch>x86_64|aarch64)`;
// The product is matched lazily: the first place where release and version fit splits the name.
const SUFFIX_LAYOUT = new RegExp(String.raw`^(?<product>.+?)-${RELEASE}-${VERSION}\.${ARCH}(?:\.raw\.xz)?$`);
const INFIX_LAYOUT = new RegExp(String.raw`^(?<product>.+?)\.${ARCH}-${RELEASE}-${VERSION}(?:\.raw\.xz)?$`);

/** The parts of an image file name (with or without `.raw.xz`), or undefined when it fits neither layout. */
export function parseImageFileName(name: string): ImageFileName | undefined {
  const groups = (INFIX_LAYOUT.exec(name) ?? SUFFIX_LAYOUT.exec(name))?.groups;
  if (!groups) return undefined;
  return {
    product: groups.product!,
    arch: groups.arch as ImageFileName['arch'],
    release: groups.release!,
    milestone: groups.milestone,
    version: groups.version!,
  };
}
