import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import type { PlannedImage } from '../compose/types.js';
import type { Flavour } from '../settings/index.js';
import { amiName } from './naming.js';
import { BOOT_TEST_TAG } from './boot-test.js';
import { MANAGED_BY, TAG, tagValue } from './tags.js';

export interface ExpectedAmi {
  image: PlannedImage;
  flavour: Flavour;
  name: string;
  region: string;
  /** The AMI found there, if any. */
  found: Image | undefined;
}

/**
 * Every image × flavour AMI a compose should have in one region, looked up by name and tags: AWS is
 * the record, so publish and verify need nothing from earlier jobs.
 */
export async function expectedAmis(
  ec2: EC2Client,
  region: string,
  baseRegion: string,
  images: PlannedImage[],
  flavours: Flavour[],
  nameTemplate: string,
): Promise<ExpectedAmi[]> {
  const result: ExpectedAmi[] = [];
  for (const image of images) {
    const own = await fedimgAmisOf(ec2, image);
    for (const [index, flavour] of flavours.entries()) {
      // Names are made in the base region and kept by the copies.
      const name = amiName(nameTemplate, {
        image,
        flavour,
        isDefaultFlavour: index === 0,
        region: baseRegion,
      });
      const found = own.find((candidate) => candidate.Name === name);
      result.push({ image, flavour, name, region, found });
    }
  }
  return result;
}

/** Every AMI in the region that fedimg registered or copied from this image. */
export async function fedimgAmisOf(ec2: EC2Client, image: PlannedImage): Promise<Image[]> {
  const { Images } = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [
        { Name: `tag:${TAG.sourceSha256}`, Values: [image.sha256] },
        { Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] },
      ],
    }),
  );
  return Images ?? [];
}

/**
 * The boot test runs on one flavour per image and every flavour boots from the same snapshot, so
 * the verdict is the image's: it passed when one of its AMIs passed and none failed.
 */
export function imageVerdict(amis: Array<Image | undefined>): 'passed' | 'failed' | 'untested' {
  const verdicts = amis.map((ami) => (ami ? tagValue(ami.Tags, BOOT_TEST_TAG) : undefined));
  if (verdicts.includes('failed')) return 'failed';
  return verdicts.includes('passed') ? 'passed' : 'untested';
}

export function snapshotIds(image: Image): string[] {
  return (image.BlockDeviceMappings ?? []).flatMap((mapping) =>
    mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
  );
}
