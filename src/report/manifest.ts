import { readFileSync, writeFileSync } from 'node:fs';
import { writingTo } from '../util/written.js';
import type { Registration } from '../aws/read-back.js';
import type { PlannedImage } from '../compose/types.js';
import { releaseName } from '../aws/naming.js';
import { releaseNumber } from './fedora-message.js';
import { redactValue } from './redact.js';

/** One AMI as AWS holds it (read back by verify): what the manifest records of it. */
export interface AmiRecord extends Registration {
  region: string;
  image: PlannedImage;
  name: string;
  flavour: string;
  isDefaultFlavour: boolean;
  /** Empty when the AMI is missing. */
  imageId: string;
  snapshotIds: string[];
  public: string;
  deprecationTime: string | undefined;
}

/**
 * One record per image in the shape of Fedora's current publish message
 * (fedora_image_uploader.published.v1.aws: architecture, compose_id, image_name, regions, release,
 * subvariant), plus the detail of every flavour. Built from what AWS holds, so any job can rebuild it.
 */
export interface ManifestRecord {
  architecture: string;
  compose_id: string;
  image_name: string;
  regions: Record<string, string>;
  /** The release number, as Fedora's message schema has it; null for Rawhide and ELN. */
  release: number | null;
  /** The release as Fedora writes it: `41`, `Rawhide`, `ELN`. */
  release_name: string;
  subvariant: string;
  source: { file: string; url: string; sha256: string };
  flavours: Record<
    string,
    {
      name: string;
      volume_type: string;
      boot_mode: string;
      /** Per region, the AMI as read back from AWS. */
      regions: Record<string, ManifestAmi>;
    }
  >;
  /** Set by the marketplace stage: the AWS Marketplace version this image's AMI became. */
  marketplace?: { product: string; version: string; change_set: string; state: string; ami: string };
}

export interface ManifestAmi {
  ami: string;
  snapshots: string[];
  public: boolean;
  deprecation_time: string | null;
  architecture: string;
  boot_mode: string;
  ena_support: boolean;
  imds_support: string;
  tpm_support: string;
  volume_type: string;
  volume_size: number;
}

export interface Manifest {
  compose_id: string;
  generated_at: string;
  images: ManifestRecord[];
}

export function buildManifest(rows: AmiRecord[]): Manifest {
  const records = new Map<string, ManifestRecord>();
  for (const row of rows) {
    if (!row.imageId) continue;
    // One record per image: its file and arch (two arches' files never share a record, even when
    // their bytes are the same, as tiny test images can be).
    const key = `${row.image.arch}/${row.image.file}/${row.image.sha256}`;
    let record = records.get(key);
    if (!record) {
      record = {
        architecture: row.image.arch,
        compose_id: row.image.compose_id,
        image_name: '',
        regions: {},
        release: releaseNumber(row.image) ?? null,
        release_name: releaseName(row.image.release),
        subvariant: row.image.subvariant,
        source: { file: row.image.file, url: row.image.url, sha256: row.image.sha256 },
        flavours: {},
      };
      records.set(key, record);
    }
    if (row.isDefaultFlavour) {
      record.image_name = row.name;
      record.regions[row.region] = row.imageId;
    }
    const flavour = (record.flavours[row.flavour] ??= {
      name: row.name,
      volume_type: row.volumeType,
      boot_mode: row.bootMode,
      regions: {},
    });
    flavour.regions[row.region] = {
      ami: row.imageId,
      snapshots: row.snapshotIds,
      public: row.public === 'yes',
      deprecation_time: row.deprecationTime ?? null,
      architecture: row.architecture,
      boot_mode: row.bootMode,
      ena_support: row.enaSupport,
      imds_support: row.imdsSupport,
      tpm_support: row.tpmSupport,
      volume_type: row.volumeType,
      volume_size: row.volumeSize,
    };
  }
  const images = [...records.values()].map((record) => ({
    ...record,
    regions: Object.fromEntries(Object.entries(record.regions).sort()),
  }));
  return { compose_id: images[0]?.compose_id ?? '', generated_at: new Date().toISOString(), images };
}

/** Writes the manifest as a release publishes it: no account data in any string (see redact.ts). */
export function writeManifest(path: string, manifest: Manifest): void {
  writingTo('manifest-file', path, () =>
    writeFileSync(path, `${JSON.stringify(redactValue(manifest), null, 2)}\n`),
  );
}

/**
 * Records each architecture's Marketplace version in the manifest the verify stage wrote, when there
 * is one for this compose (the release attaches it); a missing or other compose's manifest is left.
 */
export function recordMarketplace(
  path: string,
  composeId: string,
  versions: Array<{
    arch: string;
    product: string;
    version: string;
    changeSet: string;
    state: string;
    amiId: string;
  }>,
): boolean {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return false;
  }
  if (manifest.compose_id !== composeId || !Array.isArray(manifest.images)) return false;
  for (const record of manifest.images) {
    const entry = versions.find((version) => version.arch === record.architecture);
    if (entry)
      record.marketplace = {
        product: entry.product,
        version: entry.version,
        change_set: entry.changeSet,
        state: entry.state,
        ami: entry.amiId,
      };
  }
  writeManifest(path, manifest);
  return true;
}
