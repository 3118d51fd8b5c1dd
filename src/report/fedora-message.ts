import { z } from 'zod';
import { releaseName } from '../aws/naming.js';
import type { PlannedImage } from '../compose/types.js';

/** The topic Fedora's consumers subscribe to for AMIs (fedora-image-uploader-messages, AwsPublishedV1). */
export const PUBLISHED_TOPIC = 'fedora_image_uploader.published.v1.aws';

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
 * The release as the schema's integer, or undefined when the compose's version is a word. Rawhide
 * and ELN have no release number in their metadata, and a message with a made-up number would
 * mislead consumers (QA's release-validation bot files results by release), so fedimg sends none.
 */
export function releaseNumber(release: string): number | undefined {
  return /^\d+$/.test(release) ? Number(release) : undefined;
}

/** The message for one image public in these regions, or why there is none. */
export function publishedMessage(
  image: PlannedImage,
  imageName: string,
  regions: Record<string, string>,
): { body: AwsPublishedBody } | { skipped: string } {
  const release = releaseNumber(image.release);
  if (release === undefined)
    return {
      skipped: `${PUBLISHED_TOPIC} needs a release number and ${releaseName(image.release)} has none`,
    };
  const sorted = Object.fromEntries(Object.entries(regions).sort(([a], [b]) => a.localeCompare(b)));
  return {
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
