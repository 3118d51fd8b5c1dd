import type { Image } from '@aws-sdk/client-ec2';
import { parseComposeId } from '../compose/compose-id.js';
import { imageVerdict } from '../aws/images.js';
import { AWS_ID, isoTime, TAG, tagValue } from '../aws/tags.js';

/** The version of index.json's layout; a change that breaks readers raises it. */
export const INDEX_SCHEMA_VERSION = 1;

/** One current AMI: a release stream × architecture × flavour in one region. */
export interface IndexEntry {
  /** `41`, `Rawhide`, `ELN`: the release stream the AMI belongs to. */
  release: string;
  arch: string;
  flavour: string;
  region: string;
  ami_id: string;
  name: string;
  compose_id: string;
  /** When the AMI was registered or copied (ISO 8601). */
  created: string;
  /** When AWS deprecates it, if that is set (nightlies); null for releases that stay. */
  deprecation_time: string | null;
  volume_type: string | null;
  boot_mode: string | null;
  launch_url: string;
}

export interface AmiIndex {
  schema_version: number;
  generated_at: string;
  /** The regions that were read (an entry's absence in one of them means nothing current there). */
  regions: string[];
  /** Sorted by release, arch, flavour, region. */
  images: IndexEntry[];
}

/** An AMI read from one region, as the index considers it. */
export interface RegionImage {
  region: string;
  image: Image;
}

export const launchUrl = (region: string, amiId: string) =>
  `https://console.aws.amazon.com/ec2/home?region=${region}#LaunchInstances:ami=${amiId}`;

// Tag values are anyone's to write: only plain names pass into the index (and its web page).
export const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const plain = (value: string | undefined) => (value !== undefined && PLAIN.test(value) ? value : undefined);
const plainFile = (value: string | undefined) =>
  value !== undefined && /^[A-Za-z0-9._+-]{1,200}$/.test(value);

/** Compose date then respin, for "newest": from the compose ID, else the creation time. */
function recency(entry: IndexEntry): string {
  try {
    const id = parseComposeId(entry.compose_id);
    return `${id.date}.${String(id.respin).padStart(4, '0')}|${entry.created}`;
  } catch {
    return `00000000.0000|${entry.created}`;
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The entry for an AMI, or undefined when it must not be listed: not fedimg's, without fedimg's
 * provenance (the digest and file of the image it came from), not public, not available, deprecated
 * already, or tagged with values that are not plain. Whether its image passed the boot test is
 * decided over all of the image's AMIs in the region (see currentAmis).
 */
export function indexEntry({ region, image }: RegionImage, now: Date): IndexEntry | undefined {
  const tags = image.Tags;
  if (tagValue(tags, TAG.managedBy) !== 'fedimg' || image.Public !== true || image.State !== 'available')
    return undefined;
  if (!SHA256.test(tagValue(tags, TAG.sourceSha256) ?? '') || !plainFile(tagValue(tags, TAG.image)))
    return undefined;
  const deprecation = isoTime(image.DeprecationTime);
  if (deprecation && deprecation.getTime() <= now.getTime()) return undefined;
  const composeId = tagValue(tags, TAG.composeId) ?? '';
  const releaseTag = tagValue(tags, TAG.release);
  let release = plain(releaseTag);
  if (releaseTag !== undefined && !release) return undefined;
  if (!release) {
    try {
      release = parseComposeId(composeId).version;
    } catch {
      return undefined;
    }
  }
  const arch = plain(tagValue(tags, TAG.arch));
  const flavour = plain(tagValue(tags, TAG.flavour));
  const created = isoTime(image.CreationDate);
  if (!arch || !flavour || !created || !image.ImageId || !AWS_ID.image.test(image.ImageId)) return undefined;
  return {
    release: /^rawhide$/i.test(release) ? 'Rawhide' : /^eln$/i.test(release) ? 'ELN' : release,
    arch,
    flavour,
    region,
    ami_id: image.ImageId,
    name: image.Name ?? '',
    compose_id: /^[A-Za-z0-9._-]{1,100}$/.test(composeId) ? composeId : '',
    created: created.toISOString(),
    deprecation_time: deprecation ? deprecation.toISOString() : null,
    volume_type: plain(image.BlockDeviceMappings?.[0]?.Ebs?.VolumeType) ?? null,
    boot_mode: plain(image.BootMode) ?? null,
    launch_url: launchUrl(region, image.ImageId),
  };
}

/** Release streams in the order people look for them: numbered newest first, then Rawhide, ELN, others. */
export function compareReleases(a: string, b: string): number {
  const rank = (release: string) =>
    /^\d+$/.test(release) ? 0 : release === 'Rawhide' ? 1 : release === 'ELN' ? 2 : 3;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  return rank(a) === 0 ? Number(b) - Number(a) : a.localeCompare(b);
}

/**
 * Per release × arch × flavour × region, the newest AMI that may be listed: only AMIs whose image
 * passed its boot test — the boot test boots one flavour, so an image passed when one of its AMIs in
 * the region carries `passed` and none `failed` (as publish decides) — never an AMI on its tags alone.
 */
export function currentAmis(images: RegionImage[], regions: string[], now: Date): AmiIndex {
  const ofImage = new Map<string, RegionImage[]>();
  for (const candidate of images) {
    const key = `${candidate.region}\u0000${tagValue(candidate.image.Tags, TAG.sourceSha256) ?? ''}`;
    ofImage.set(key, [...(ofImage.get(key) ?? []), candidate]);
  }
  const passed = (candidate: RegionImage) =>
    imageVerdict(
      ofImage
        .get(`${candidate.region}\u0000${tagValue(candidate.image.Tags, TAG.sourceSha256) ?? ''}`)!
        .map((sibling) => sibling.image),
    ) === 'passed';
  const newest = new Map<string, IndexEntry>();
  for (const candidate of images) {
    const entry = passed(candidate) ? indexEntry(candidate, now) : undefined;
    if (!entry) continue;
    const key = [entry.release, entry.arch, entry.flavour, entry.region].join('\u0000');
    const held = newest.get(key);
    if (!held || recency(entry) > recency(held)) newest.set(key, entry);
  }
  const images_ = [...newest.values()].sort(
    (a, b) =>
      compareReleases(a.release, b.release) ||
      a.arch.localeCompare(b.arch) ||
      a.flavour.localeCompare(b.flavour) ||
      a.region.localeCompare(b.region),
  );
  return {
    schema_version: INDEX_SCHEMA_VERSION,
    generated_at: now.toISOString(),
    regions: [...regions].sort(),
    images: images_,
  };
}
