import * as z from 'zod';
import { releaseName } from '../aws/naming.js';
import { composeKind } from '../compose/kind.js';
import type { PlannedImage } from '../compose/types.js';

/**
 * Fedora's message for a published AMI: the schema fedora-image-uploader-messages defines
 * (AwsPublishedV1), whose name is also the base of its routing key.
 */
export const PUBLISHED_SCHEMA = 'fedora_image_uploader.published.v1.aws';

/**
 * The routing key's suffix after the schema name. Consumers written in 2025 bind
 * `….aws.rawhide.Cloud_Base.<arch>` and `….aws.nightly.Cloud_Base.<arch>`: a stream, the subvariant,
 * the architecture. (A message of 2024-09-12 went out on `….aws.Cloud_Base.41.x86_64`, the order
 * used before.) The stream of a Beta or GA compose is not confirmed by any public source; fedimg
 * uses its release number there.
 */
export const DEFAULT_TOPIC_SUFFIX = '{stream}.{subvariant}.{arch}';
export const TOPIC_PLACEHOLDERS = ['stream', 'release', 'subvariant', 'arch'] as const;

/**
 * The body of that message, mirroring its JSON schema: every property required, nothing else, and
 * `release` an integer. Every body fedimg sends is parsed with this first.
 */
export const awsPublishedBody = z.strictObject({
  architecture: z.string().min(1),
  compose_id: z.string().min(1),
  image_name: z.string().min(1),
  regions: z.record(
    z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/),
    z.string().regex(/^ami-[0-9a-f]{8,17}$/),
  ),
  release: z.number().int(),
  subvariant: z.string().min(1),
});
export type AwsPublishedBody = z.infer<typeof awsPublishedBody>;

/**
 * The release as the schema's integer: the compose's version, or for Rawhide the release number the
 * plan read from the compose's metadata. ELN has none (its composes follow RHEL, not a Fedora
 * release), and a message with a made-up number would mislead consumers (QA's release-validation
 * bot files results by release), so none is sent for it.
 */
export function releaseNumber(image: Pick<PlannedImage, 'release' | 'release_number'>): number | undefined {
  if (image.release_number !== undefined) return image.release_number;
  return /^\d+$/.test(image.release) ? Number(image.release) : undefined;
}

/** The stream a compose is announced on: rawhide, nightly (also branched and dated), or its release. */
export function messageStream(image: PlannedImage, release: number): string {
  if (/^rawhide$/i.test(image.release)) return 'rawhide';
  const kind = composeKind(image);
  return kind === 'beta' || kind === 'ga' ? String(release) : 'nightly';
}

/** The routing key: the schema name and the suffix template with its placeholders filled. */
export function messageTopic(
  template: string,
  values: Record<(typeof TOPIC_PLACEHOLDERS)[number], string>,
): string {
  const suffix = template.replace(/\{(\w+)\}/g, (_whole, name: keyof typeof values) => values[name]);
  return suffix ? `${PUBLISHED_SCHEMA}.${suffix}` : PUBLISHED_SCHEMA;
}

/** The message for one image public in these regions, or why there is none. */
export function publishedMessage(
  image: PlannedImage,
  imageName: string,
  regions: Record<string, string>,
  topicTemplate: string,
): { topic: string; body: AwsPublishedBody } | { skipped: string } {
  const release = releaseNumber(image);
  if (release === undefined)
    return {
      skipped: `${PUBLISHED_SCHEMA} needs a release number and ${releaseName(image.release)} has none`,
    };
  const sorted = Object.fromEntries(Object.entries(regions).sort(([a], [b]) => a.localeCompare(b)));
  return {
    topic: messageTopic(topicTemplate, {
      stream: messageStream(image, release),
      release: String(release),
      subvariant: image.subvariant,
      arch: image.arch,
    }),
    body: awsPublishedBody.parse({
      architecture: image.arch,
      compose_id: image.compose_id,
      image_name: imageName,
      regions: sorted,
      release,
      subvariant: image.subvariant,
    }),
  };
}
