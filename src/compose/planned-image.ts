import * as z from 'zod';
import { ComposeError, InputError } from '../errors.js';
import { parseComposeId, type ComposeId } from './compose-id.js';
import { fileNameOf } from './location.js';
import { checkUrl, type HostPolicy } from '../net/host-policy.js';
import { EC2_ARCHITECTURES } from './select.js';
import type { PlannedImage } from './types.js';

const word = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9._-]*$/);

const plannedImageSchema = z.strictObject({
  name: word(200).min(1),
  file: z.string().regex(/^[A-Za-z0-9._+-]{1,200}\.raw\.xz$/),
  arch: z.enum(['x86_64', 'aarch64']),
  ec2_arch: z.enum(['x86_64', 'arm64']),
  url: z.string().max(2048),
  size: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  compose_id: word(100),
  release: word(32),
  release_number: z.number().int().min(1).max(999).optional(),
  subvariant: word(64),
  variant: word(64),
  compose_type: z.enum(['production', 'nightly', 'test', 'ci', 'development']),
  compose_date: z.string().regex(/^(\d{8})?$/),
  compose_respin: z.number().int().nonnegative(),
  label: word(64),
  /** Set by the plan: the name the default flavour's AMI gets, for people reading the matrix. */
  ami_name: z
    .string()
    .regex(/^[A-Za-z0-9 ()[\]./\-'@_]{3,128}$/)
    .optional(),
});

/**
 * What is wrong with a would-be plan-matrix entry, or undefined when nothing is. The plan checks
 * every image it discovers with exactly this, and later jobs check their `image` input with it
 * again, so the plan refuses exactly what import would refuse.
 */
export function plannedImageProblem(data: unknown, policy: HostPolicy): string | undefined {
  const result = plannedImageSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return `${issue.path.join('.') || '(top level)'}: ${issue.message}`;
  }
  const image = result.data;
  if ((image.arch === 'aarch64') !== (image.ec2_arch === 'arm64'))
    return `arch is ${image.arch} but ec2_arch is ${image.ec2_arch}`;
  try {
    checkUrl(image.url, policy, 'image URL');
    if (image.compose_id) parseComposeId(image.compose_id);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/**
 * One entry of the plan's matrix, handed to a later job's `image` input. It passed through the
 * workflow, so it is validated again like any other untrusted input.
 */
export function parsePlannedImage(text: string, policy: HostPolicy): PlannedImage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`Input image is not JSON (${(error as Error).message}).`, {
      hint: 'Pass one entry of the plan output: ${{ toJSON(matrix) }}.',
    });
  }
  const problem = plannedImageProblem(data, policy);
  if (problem) {
    throw new InputError(`Input image is invalid: ${problem}.`, {
      hint: 'Pass one entry of the plan output unchanged.',
    });
  }
  return data as PlannedImage;
}

/**
 * The plan's images, as a later stage is handed them: the plan's `images` output (`{"include":
 * […]}`), what `fedimg plan --json` prints (`{"matrix": {"include": […]}, …}`), or a bare list.
 * Every entry is checked as a matrix entry is, and they must all be of one compose.
 */
export function parsePlannedImages(text: string, policy: HostPolicy): PlannedImage[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`The plan's images are not JSON (${(error as Error).message}).`, {
      hint: "Pass the plan job's images output, or the file `fedimg plan --json` wrote.",
    });
  }
  const record = (value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const entries = Array.isArray(data)
    ? data
    : (record(data).include ?? record(record(data).matrix).include ?? record(record(data).plan).images);
  if (!Array.isArray(entries) || entries.length > 64)
    throw new InputError("The plan's images are not a list of matrix entries (at most 64).", {
      hint: "Pass the plan job's images output unchanged.",
    });
  const images = entries.map((entry, index) => {
    const problem = plannedImageProblem(entry, policy);
    if (problem)
      throw new InputError(`Entry ${index + 1} of the plan's images is invalid: ${problem}.`, {
        hint: "Pass the plan job's images output unchanged.",
      });
    return entry as PlannedImage;
  });
  if (new Set(images.map((image) => image.compose_id)).size > 1)
    throw new InputError("The plan's images are of more than one compose.", {
      hint: 'Give the images of one plan.',
    });
  return images;
}

/** A discovered image, checked by the same rules as a plan-matrix entry before anything uses it. */
export function plannedImage(
  url: URL,
  arch: string,
  size: number,
  sha256: string,
  compose: ComposeId,
  extra: { release: string; releaseNumber?: number; label: string; subvariant: string; variant: string },
  policy: HostPolicy,
): PlannedImage {
  const file = fileNameOf(url, 'image file name');
  const image: PlannedImage = {
    name: file.replace(/\.raw\.xz$/, ''),
    file,
    arch,
    ec2_arch: EC2_ARCHITECTURES[arch]!,
    url: url.href,
    size,
    sha256,
    compose_id: compose.id,
    release: extra.release,
    ...(extra.releaseNumber !== undefined ? { release_number: extra.releaseNumber } : {}),
    subvariant: extra.subvariant,
    variant: extra.variant,
    compose_type: compose.type,
    compose_date: compose.date,
    compose_respin: compose.respin,
    label: extra.label,
  };
  const problem = plannedImageProblem(image, policy);
  if (problem) {
    throw new ComposeError(`The compose lists an image fedimg cannot publish, ${url.href}: ${problem}.`, {
      hint: 'Nothing was started. The compose metadata does not look like Fedora’s; ask release engineering.',
    });
  }
  return image;
}
