import {
  CreateTagsCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
  paginateDescribeImages,
  type DescribeImagesCommandInput,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import type { PlannedImage } from '../compose/types.js';
import { everyItem, PAGE_SIZE } from './pages.js';
import type { Flavour } from '../settings/index.js';
import { defaultSleep } from '../util/retry.js';
import { poll, type PollOptions } from '../util/poll.js';
import { isNotFound } from './errors.js';
import { amiName } from './naming.js';
import { MANAGED_BY, TAG, tagValue, type TagList } from './tags.js';

/** AMIs: finding fedimg's, waiting for them, sharing, deprecating and removing them. */

/** An AMI as DescribeImages returns it. */
export type Ami = Image;

export interface ExpectedAmi {
  image: PlannedImage;
  flavour: Flavour;
  name: string;
  region: string;
  /** The AMI found there, if any. */
  found: Image | undefined;
}

/** Who may launch an AMI or create volumes from a snapshot: everyone, or listed accounts. */
export type Grant = { public: true } | { public: false; accounts: string[] };

/** Who may use an AMI or a snapshot, as read back from AWS. */
export interface Audience {
  public: boolean;
  accounts: string[];
}

export function audienceOf(permissions: Array<{ Group?: string; UserId?: string }>): Audience {
  return {
    public: permissions.some((permission) => permission.Group === 'all'),
    accounts: permissions.flatMap((permission) => (permission.UserId ? [permission.UserId] : [])),
  };
}

/** Who may launch the AMI. */
export async function launchPermissions(ec2: EC2Client, imageId: string): Promise<Audience> {
  const { LaunchPermissions } = await ec2.send(
    new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }),
  );
  return audienceOf(LaunchPermissions ?? []);
}

export function permissionsOf(grant: Grant): Array<{ Group?: 'all'; UserId?: string }> {
  return grant.public ? [{ Group: 'all' }] : grant.accounts.map((UserId) => ({ UserId }));
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

/** Every AMI a DescribeImages that may list many finds, asked in pages. */
const everyImage = (ec2: EC2Client, input: DescribeImagesCommandInput): Promise<Image[]> =>
  everyItem(paginateDescribeImages({ client: ec2, pageSize: PAGE_SIZE }, input), (page) => page.Images);

/** Every AMI in the region that fedimg registered or copied from this image. */
export function fedimgAmisOf(ec2: EC2Client, image: PlannedImage): Promise<Image[]> {
  return everyImage(ec2, {
    Owners: ['self'],
    Filters: [
      { Name: `tag:${TAG.sourceSha256}`, Values: [image.sha256] },
      { Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] },
    ],
  });
}

/** fedimg's AMI of this image with this name, if it exists (another owner's same name is ignored). */
export async function fedimgAmiNamed(
  ec2: EC2Client,
  image: PlannedImage,
  name: string,
): Promise<Image | undefined> {
  const { Images } = await ec2.send(
    new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }),
  );
  return Images?.find(
    (candidate) =>
      tagValue(candidate.Tags, TAG.managedBy) === MANAGED_BY &&
      tagValue(candidate.Tags, TAG.sourceSha256) === image.sha256,
  );
}

/** Every AMI the account owns in the region, fedimg's or not. */
export function ownAmis(ec2: EC2Client): Promise<Image[]> {
  return everyImage(ec2, { Owners: ['self'] });
}

/** fedimg's public AMIs in the region (deprecated ones included: the caller decides). */
export function publicFedimgAmis(ec2: EC2Client): Promise<Image[]> {
  return everyImage(ec2, {
    Owners: ['self'],
    ExecutableUsers: ['all'],
    IncludeDeprecated: true,
    Filters: [{ Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] }],
  });
}

/** How many of the account's AMIs in the region are public (they count against a quota). */
export async function publicAmiCount(ec2: EC2Client): Promise<number> {
  return (await everyImage(ec2, { Owners: ['self'], ExecutableUsers: ['all'] })).length;
}

/**
 * The boot test runs on one flavour per image and every flavour boots from the same snapshot, so
 * the verdict is the image's: it passed when one of its AMIs passed and none failed.
 */
export function imageVerdict(amis: Array<Image | undefined>): 'passed' | 'failed' | 'untested' {
  const verdicts = amis.map((ami) => (ami ? tagValue(ami.Tags, TAG.bootTest) : undefined));
  if (verdicts.includes('failed')) return 'failed';
  return verdicts.includes('passed') ? 'passed' : 'untested';
}

export function snapshotIds(image: Image): string[] {
  return (image.BlockDeviceMappings ?? []).flatMap((mapping) =>
    mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
  );
}

export async function grantLaunch(ec2: EC2Client, imageId: string, grant: Grant): Promise<void> {
  await ec2.send(
    new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: permissionsOf(grant) } }),
  );
}

export async function revokePublicLaunch(ec2: EC2Client, imageId: string): Promise<void> {
  await ec2.send(
    new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Remove: [{ Group: 'all' }] } }),
  );
}

export async function deprecateAmi(ec2: EC2Client, imageId: string, at: Date): Promise<void> {
  await ec2.send(new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: at }));
}

/** Deregisters an AMI and deletes the snapshots it was made from. */
export async function deleteAmiWithSnapshots(ec2: EC2Client, imageId: string): Promise<void> {
  await ec2.send(new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }));
}

/** Adds or overwrites tags on AMIs, snapshots or instances. */
export async function addTags(ec2: EC2Client, resourceIds: string[], tags: TagList): Promise<void> {
  await ec2.send(new CreateTagsCommand({ Resources: resourceIds, Tags: tags }));
}

/**
 * Waits until an AMI reads `available` `consecutive` times in a row (peers do this because a single
 * read can be stale); 'failed' and similar states end the wait with that state. The confirming reads
 * come a second apart, not at the back-off interval of the wait itself.
 */
export async function waitForImage(
  ec2: EC2Client,
  imageId: string,
  options: PollOptions & { consecutive?: number },
): Promise<{ state: string; reason: string | undefined }> {
  const sleep = options.sleep ?? defaultSleep;
  const read = async (): Promise<{ state: string; reason: string | undefined } | undefined> => {
    try {
      const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
      const image = Images?.[0];
      if (!image || image.State === 'pending') return undefined;
      return { state: image.State ?? 'unknown', reason: image.StateReason?.Message };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const first = await poll(`AMI ${imageId}`, read, {
      ...options,
      timeoutMs: Math.max(1, deadline - Date.now()),
    });
    if (first.state !== 'available') return first;
    let streak = 1;
    while (streak < (options.consecutive ?? 2)) {
      await sleep(Math.min(1000, options.intervalMs));
      const again = await read();
      if (again?.state !== 'available') break;
      streak++;
    }
    if (streak >= (options.consecutive ?? 2)) return first;
  }
}
