import { writeFileSync } from 'node:fs';
import type { PlannedImage } from '../compose/types.js';

/** One AMI as AWS holds it (read back by verify): what the manifest records of it. */
export interface AmiRecord {
  region: string;
  image: PlannedImage;
  name: string;
  flavour: string;
  isDefaultFlavour: boolean;
  volumeType: string;
  bootMode: string;
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
  release: string;
  subvariant: string;
  source: { file: string; url: string; sha256: string };
  flavours: Record<
    string,
    {
      name: string;
      volume_type: string;
      boot_mode: string;
      regions: Record<
        string,
        { ami: string; snapshots: string[]; public: boolean; deprecation_time: string | null }
      >;
    }
  >;
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
    const key = row.image.sha256;
    let record = records.get(key);
    if (!record) {
      record = {
        architecture: row.image.arch,
        compose_id: row.image.compose_id,
        image_name: '',
        regions: {},
        release: row.image.release,
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
    };
  }
  const images = [...records.values()].map((record) => ({
    ...record,
    regions: Object.fromEntries(Object.entries(record.regions).sort()),
  }));
  return { compose_id: images[0]?.compose_id ?? '', generated_at: new Date().toISOString(), images };
}

export function writeManifest(path: string, manifest: Manifest): void {
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
}
