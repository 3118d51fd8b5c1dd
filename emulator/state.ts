import { Network } from './network.js';
import { IamState } from './services/iam/state.js';
import { CatalogState } from './services/catalog/state.js';
import { randomBytes } from 'node:crypto';
import { COMMERCIAL_REGIONS, INITIALLY_OPTED_IN } from './regions.js';

export { ACCOUNT_ID, BLOCK_SIZE } from './constants.js';

export type Tags = Map<string, string>;

/** How long asynchronous things take, in milliseconds. Everything is quick by default. */
export interface Durations {
  snapshotCompletion: number;
  imageAvailable: number;
  copy: number;
  import: number;
  boot: number;
  statusChecks: number;
  terminate: number;
  /**
   * New IDs stay unknown to Describe calls this long, and changes to who may launch an AMI or use a
   * snapshot show only this long after (eventual consistency).
   */
  consistency: number;
  /** PutSnapshotBlock answers "snapshot does not exist" this long after StartSnapshot. */
  snapshotNotFoundWindow: number;
}

export const DEFAULT_DURATIONS: Durations = {
  snapshotCompletion: 30,
  imageAvailable: 30,
  copy: 60,
  import: 150,
  boot: 60,
  statusChecks: 30,
  terminate: 30,
  consistency: 0,
  snapshotNotFoundWindow: 0,
};

export type BootVerdict = 'pass' | 'fail' | 'hang' | 'no-boot';

export interface RegionSettings {
  optedIn: boolean;
  optInRequired: boolean;
  /** Block public access for AMIs (EC2 User Guide): on, no AMI can be made public. */
  blockPublicAccess: boolean;
  /**
   * Block public access for snapshots (Amazon EBS User Guide): block-new-sharing refuses making a
   * snapshot public, block-all-sharing also hides the public ones.
   */
  snapshotBlockPublicAccess: 'unblocked' | 'block-new-sharing' | 'block-all-sharing';
  encryptionByDefault: boolean;
  publicAmiQuota: number;
  /** Injected: copies (of AMIs and of snapshots) into this region fail, or never finish. */
  copyFault: 'fail' | 'stall' | undefined;
}

export interface Permissions {
  groups: Set<string>;
  users: Set<string>;
}

export interface Snapshot {
  id: string;
  region: string;
  volumeSize: number;
  description: string;
  tags: Tags;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  startedAt: number;
  state: 'pending' | 'completed' | 'error';
  stateMessage: string | undefined;
  /** EBS direct: blocks may be written until CompleteSnapshot. */
  open: boolean;
  /** Block index → data (or only its digest when the emulator runs without storing data). */
  blocks: Map<number, Buffer | null>;
  checksums: Map<number, string>;
  clientToken: string | undefined;
  timeoutMinutes: number;
  source: 'ebs-direct' | 'import' | 'copy';
  sourceSnapshotId: string | undefined;
  createVolumePermission: Permissions;
  visibleAt: number;
}

export interface BlockDevice {
  DeviceName: string;
  Ebs?: {
    SnapshotId?: string;
    VolumeSize?: number;
    VolumeType?: string;
    DeleteOnTermination?: boolean;
    Encrypted?: boolean;
    Iops?: number;
    Throughput?: number;
    KmsKeyId?: string;
  };
}

export interface Image {
  id: string;
  region: string;
  name: string;
  description: string | undefined;
  architecture: string;
  bootMode: string | undefined;
  enaSupport: boolean;
  sriovNetSupport: string | undefined;
  imdsSupport: string | undefined;
  tpmSupport: string | undefined;
  rootDeviceName: string;
  virtualizationType: string;
  kernelId: string | undefined;
  blockDeviceMappings: BlockDevice[];
  tags: Tags;
  createdAt: number;
  state: 'pending' | 'available' | 'failed';
  stateReason: { Code: string; Message: string } | undefined;
  launchPermission: Permissions;
  deprecationTime: Date | undefined;
  sourceImageId: string | undefined;
  sourceRegion: string | undefined;
  clientToken: string | undefined;
  boot: BootVerdict;
  visibleAt: number;
}

export interface Instance {
  id: string;
  region: string;
  imageId: string;
  instanceType: string;
  architecture: string;
  userData: string;
  tags: Tags;
  clientToken: string | undefined;
  launchedAt: number;
  state: 'pending' | 'running' | 'shutting-down' | 'terminated';
  runningAt: number;
  statusOkAt: number;
  boot: BootVerdict;
  subnetId: string;
  vpcId: string;
  securityGroupIds: string[];
  /** MetadataOptions.HttpTokens: required (IMDSv2 only) or optional. */
  httpTokens: string;
  visibleAt: number;
}

export interface ImportTask {
  id: string;
  region: string;
  bucket: string;
  key: string;
  format: string;
  description: string | undefined;
  clientToken: string | undefined;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  tags: Tags;
  createdAt: number;
  status: 'active' | 'completed' | 'deleting' | 'deleted';
  statusMessage: string | undefined;
  progress: number;
  snapshotId: string | undefined;
}

export interface S3Object {
  chunks: Buffer[];
  size: number;
  etag: string;
  lastModified: Date;
  contentType: string | undefined;
  /** User metadata (x-amz-meta-*), lower-case names without the prefix. */
  metadata: Record<string, string>;
}

export interface MultipartUpload {
  id: string;
  bucket: string;
  key: string;
  parts: Map<number, { data: Buffer; etag: string; size: number }>;
  initiated: Date;
  /** Given at CreateMultipartUpload; the completed object carries it. */
  metadata: Record<string, string>;
}

export interface Bucket {
  name: string;
  region: string;
  objects: Map<string, S3Object>;
  uploads: Map<string, MultipartUpload>;
}

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

/** Everything the emulated account holds, per region, plus the clock-driven events. */
export class AccountState {
  durations: Durations = { ...DEFAULT_DURATIONS };
  regions = new Map<string, RegionSettings>();
  snapshots = new Map<string, Snapshot>();
  images = new Map<string, Image>();
  instances = new Map<string, Instance>();
  importTasks = new Map<string, ImportTask>();
  buckets = new Map<string, Bucket>();
  /** Boot verdicts by AMI ID or name pattern (glob), for images registered or copied later. */
  bootRules: Array<{ match: string; verdict: BootVerdict }> = [];
  /** Injected: the next N import tasks fail. */
  failImports = 0;
  /** AWS Marketplace Catalog: AMI products and change sets (the service lives in us-east-1). */
  catalog = new CatalogState();
  /** Each region's default VPC (subnets, default security group), where boot tests launch. */
  network = new Network();
  /** IAM roles: the one callers act as, and those a test adds (Marketplace's access role). */
  iam = new IamState();
  /**
   * Keep block data (tests read it back); off for benchmarks with multi-GiB images. Configuration:
   * kept by reset().
   */
  storeBlockData = true;
  private events: Array<{ at: number; run: () => void }> = [];

  constructor() {
    this.resetRegions();
  }

  resetRegions(): void {
    this.regions.clear();
    this.network = new Network();
    for (const { name, optIn } of COMMERCIAL_REGIONS) {
      this.network.setDefaultVpc(name, true);
      this.regions.set(name, {
        optedIn: !optIn || INITIALLY_OPTED_IN.has(name),
        optInRequired: optIn,
        blockPublicAccess: false,
        snapshotBlockPublicAccess: 'unblocked',
        encryptionByDefault: false,
        publicAmiQuota: 5,
        copyFault: undefined,
      });
    }
  }

  /** While an event runs, "now" is the moment it was due, so what it schedules is timed from then. */
  private eventTime: number | undefined;

  now(): number {
    return this.eventTime ?? Date.now();
  }

  schedule(delay: number, run: () => void): void {
    this.events.push({ at: this.now() + delay, run });
  }

  /** Apply every event whose time has come, in time order; called before each request is answered. */
  advance(): void {
    const now = Date.now();
    for (;;) {
      this.events.sort((a, b) => a.at - b.at);
      const next = this.events[0];
      if (!next || next.at > now) return;
      this.events.shift();
      this.eventTime = next.at;
      try {
        next.run();
      } finally {
        this.eventTime = undefined;
      }
    }
  }

  bootVerdictFor(image: { id: string; name: string }): BootVerdict {
    for (const rule of [...this.bootRules].reverse()) {
      if (rule.match === image.id || globToRegExp(rule.match).test(image.name)) return rule.verdict;
    }
    return 'pass';
  }

  visible(resource: { visibleAt: number }): boolean {
    return this.now() >= resource.visibleAt;
  }
}

export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function tagList(tags: Tags): Array<{ Key: string; Value: string }> {
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}
