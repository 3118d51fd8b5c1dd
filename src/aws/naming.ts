import { parseComposeLabel } from '../compose/compose-id.js';
import { parseImageFileName } from '../compose/image-file.js';
import type { PlannedImage } from '../compose/types.js';
import { InputError } from '../errors.js';

/** RegisterImage: 3–128 characters of letters, digits, space and ( ) [ ] . / - ' @ _ */
export const AMI_NAME = /^[A-Za-z0-9 ()[\]./\-'@_]{3,128}$/;

/** Fedora's current names: Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4 (…-41-Prerelease-1.2, …-43-20260226.0). */
export const DEFAULT_NAME_TEMPLATE = '{product}.{arch}-{release}-{version}';
/** What the old fedimg service called its AMIs. */
export const CLASSIC_NAME_TEMPLATE = '{stem}-hvm-{region}-{volume_type}-0';

export const NAME_VARIABLES = [
  'stem',
  'product',
  'arch',
  'ec2_arch',
  'release',
  'version',
  'label',
  'compose_id',
  'date',
  'respin',
  'volume_type',
  'flavour',
  'region',
] as const;

export function resolveNameTemplate(template: string): string {
  if (template === 'fedora' || template === '') return DEFAULT_NAME_TEMPLATE;
  if (template === 'classic') return CLASSIC_NAME_TEMPLATE;
  for (const [, name] of template.matchAll(/\{([^}]*)\}/g)) {
    if (!(NAME_VARIABLES as readonly string[]).includes(name!)) {
      throw new InputError(`name-template uses {${name}}, which is not a known variable.`, {
        hint: `Use ${NAME_VARIABLES.map((v) => `{${v}}`).join(', ')}.`,
      });
    }
  }
  return template;
}

/** The release as Fedora writes it in AMI names: `41`, `Rawhide`, `ELN` (productmd says `eln`). */
export function releaseName(release: string): string {
  if (/^eln$/i.test(release)) return 'ELN';
  if (/^rawhide$/i.test(release)) return 'Rawhide';
  return release;
}

/**
 * The image's own version as Fedora writes it in AMI names: the label's version for a release
 * compose (`1.4`; `Prerelease-1.2` for a Beta), else the compose date and respin (`20260226.0`). A
 * nightly of a numbered release is a branched compose, not yet released: `Prerelease-20250820.0`.
 */
export function imageVersion(image: PlannedImage): string {
  if (image.label) {
    const label = parseComposeLabel(image.label);
    return label.prerelease ? `Prerelease-${label.version}` : label.version;
  }
  const dated = `${image.compose_date}.${image.compose_respin}`;
  return image.compose_type === 'nightly' && /^\d+$/.test(image.release) ? `Prerelease-${dated}` : dated;
}

/** What the image is, without arch or version: `Fedora-Cloud-Base-AmazonEC2`, in either file-name layout. */
export function imageProduct(image: PlannedImage): string {
  return parseImageFileName(image.name)?.product ?? image.name.replace(/\.(x86_64|aarch64)$/, '');
}

export interface NameContext {
  image: PlannedImage;
  flavour: { name: string; volumeType: string };
  /** The default flavour keeps the plain name; others get "-<flavour>" unless the template names it. */
  isDefaultFlavour: boolean;
  region: string;
}

export function amiName(template: string, { image, flavour, isDefaultFlavour, region }: NameContext): string {
  const values: Record<(typeof NAME_VARIABLES)[number], string> = {
    stem: image.name,
    product: imageProduct(image),
    arch: image.arch,
    ec2_arch: image.ec2_arch,
    release: releaseName(image.release),
    version: imageVersion(image),
    label: image.label,
    compose_id: image.compose_id,
    date: image.compose_date,
    respin: String(image.compose_respin),
    volume_type: flavour.volumeType,
    flavour: flavour.name,
    region,
  };
  let name = template.replace(/\{([a-z_0-9]+)\}/g, (_, key: keyof typeof values) => values[key] ?? '');
  if (!isDefaultFlavour && !/\{(flavour|volume_type)\}/.test(template)) name += `-${flavour.name}`;
  if (!AMI_NAME.test(name)) {
    throw new InputError(`The AMI name "${name}" (template ${template}) is not a valid AMI name.`, {
      hint: "AMI names are 3-128 characters of letters, digits, spaces and ( ) [ ] . / - ' @ _; change name-template.",
    });
  }
  return name;
}
