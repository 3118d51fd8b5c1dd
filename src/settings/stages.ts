import { COMPOSE_KINDS, type ComposeKind } from '../compose/kind.js';
import type { Ec2Architecture } from '../compose/select.js';
import type { HostPolicy } from '../net/host-policy.js';
import { InputError } from '../errors.js';
import { DEFAULT_TOPIC_SUFFIX, TOPIC_PLACEHOLDERS } from '../report/fedora-message.js';
import { resolveNameTemplate } from '../aws/naming.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../util/retry.js';
import { flavoursFromInputs, readFlavourConfig, type BootMode, type Flavour } from './flavours.js';
import {
  integer,
  list,
  oneOf,
  parseBoolean,
  REGION_NAME,
  type InputName,
  type InputReader,
} from './inputs.js';

/** What each stage is told to do, parsed from the inputs by the functions below. */

export type UploadMethod = 'ebs-direct' | 'import-snapshot';

export interface UploadSettings {
  method: UploadMethod;
  concurrency: number;
  omitZeroBlocks: boolean;
  /** GiB; undefined: the raw size rounded up. */
  volumeSizeGiB: number | undefined;
  /** No image may decompress to more than this (GiB), whatever its xz index claims. */
  maxVolumeSizeGiB: number;
  s3Bucket: string | undefined;
  /** StartSnapshot Timeout: an unfinished snapshot is cancelled after this many idle minutes. */
  snapshotTimeoutMinutes: number;
  importTimeoutMs: number;
  blockTimeoutMs: number;
  pollIntervalMs: number;
  /** After StartSnapshot, "snapshot does not exist" is retried this long (AWS: up to ~2 minutes). */
  notFoundWindowMs: number;
  retry: RetryPolicy;
  /** Keep the downloaded compressed image in the Actions cache (where the service exists). */
  imageCache: boolean;
}

export interface BootTestSettings {
  /** Run on the instance after boot; exit 0 passes (fedimg's default was /bin/true). */
  command: string;
  instanceTypes: Record<Ec2Architecture, string>;
  timeoutMs: number;
  subnetId: string | undefined;
  securityGroupIds: string[];
  pollIntervalMs: number;
}

export interface CopySettings {
  timeoutMs: number;
  pollIntervalMs: number;
  /** Reads of `available` in a row before a copy is trusted. */
  consecutive: number;
  retry: RetryPolicy;
}

export interface PublishSettings {
  /** Make AMIs and their snapshots public (group all); otherwise share with `shareAccounts`. */
  public: boolean;
  shareAccounts: string[];
  /** The compose kinds whose AMIs expire: deprecated after deprecationDays, then cleaned up. */
  expiringKinds: ComposeKind[];
  /** Deprecate expiring composes' AMIs this many days out. */
  deprecationDays: number;
  /** Deprecate the other (kept) AMIs too (at most 730 days for public AMIs); undefined: never. */
  releaseDeprecationDays: number | undefined;
  /** The account's public-AMI quota per region (AWS default 5; raised accounts set theirs). */
  publicAmiQuota: number;
  /** The routing-key suffix of Fedora's message, with {stream}, {release}, {subvariant}, {arch}. */
  messageTopic: string;
}

export interface CleanupSettings {
  /** Report what would be done, change nothing. */
  dryRun: boolean;
  /** An expired (deprecated) AMI is made private; this many days later it is deleted. */
  deleteAfterDays: number;
  /** Release (production) AMIs are never touched unless this is set. */
  includeReleases: boolean;
  /** ManagedBy snapshots used by no AMI are deleted once this old (an import may be between upload and register). */
  orphanAfterHours: number;
  /** Boot-test instances still running after this long are terminated. */
  instanceMaxHours: number;
}

export interface ReleaseSettings {
  token: string | undefined;
  /** owner/name; the runner sets GITHUB_REPOSITORY. */
  repository: string | undefined;
  manifestFile: string | undefined;
  eventsFile: string | undefined;
  /** The index stage's index.json, attached when it exists (the index at the time of the compose). */
  indexFile: string | undefined;
}

/** Events are also POSTed here as JSON, signed with HMAC-SHA256 when a secret is set. */
export interface NotifySettings {
  url: string | undefined;
  /** Signs each body: X-Fedimg-Signature-256: sha256=<hex HMAC-SHA256>, as GitHub signs webhooks. */
  secret: string | undefined;
}

export function uploadSettings(read: InputReader): UploadSettings {
  const method = oneOf<UploadMethod>('upload-method', read('upload-method'), [
    'ebs-direct',
    'import-snapshot',
  ]);
  const s3Bucket = read('s3-bucket').trim() || undefined;
  if (method === 'import-snapshot' && !s3Bucket) {
    throw new InputError('upload-method import-snapshot needs s3-bucket.', {
      hint: 'Name a staging bucket in the base region.',
    });
  }
  const volumeSize = read('volume-size').trim();
  const maxVolumeSizeGiB = integer('max-volume-size-gib', read('max-volume-size-gib'), 1, 16384);
  const volumeSizeGiB = volumeSize ? integer('volume-size', volumeSize, 1, 16384) : undefined;
  if (volumeSizeGiB !== undefined && volumeSizeGiB > maxVolumeSizeGiB) {
    throw new InputError(
      `volume-size ${volumeSizeGiB} is larger than max-volume-size-gib ${maxVolumeSizeGiB}.`,
      {
        hint: 'Raise max-volume-size-gib too if the image really needs that much.',
      },
    );
  }
  return {
    method,
    concurrency: integer('concurrency', read('concurrency'), 1, 256),
    omitZeroBlocks: parseBoolean('omit-zero-blocks', read('omit-zero-blocks')),
    volumeSizeGiB,
    maxVolumeSizeGiB,
    s3Bucket,
    snapshotTimeoutMinutes: 240,
    importTimeoutMs: integer('import-timeout-minutes', read('import-timeout-minutes'), 1, 24 * 60) * 60_000,
    blockTimeoutMs: integer('block-timeout-seconds', read('block-timeout-seconds'), 1, 600) * 1000,
    pollIntervalMs: 15_000,
    notFoundWindowMs: 120_000,
    retry: DEFAULT_RETRY,
    imageCache: parseBoolean('image-cache', read('image-cache')),
  };
}

/** `explicit` reads an input without its default: the config file's name-template wins over the default only. */
export function flavourSettings(
  read: InputReader,
  explicit: InputReader,
): { flavours: Flavour[]; nameTemplate: string } {
  const configFile = read('config-file').trim();
  const fromFile = configFile ? readFlavourConfig(configFile) : undefined;
  const bootMode = read('boot-mode').trim();
  const flavours =
    fromFile?.flavours ??
    flavoursFromInputs(list(read('volume-types')), {
      imdsV2: parseBoolean('imds-v2', read('imds-v2')),
      tpm: parseBoolean('tpm', read('tpm')),
      bootMode: bootMode
        ? oneOf<BootMode>('boot-mode', bootMode, ['legacy-bios', 'uefi', 'uefi-preferred'])
        : undefined,
      kmsKeyId: read('kms-key-id').trim() || undefined,
    });
  const template = explicit('name-template') || fromFile?.nameTemplate || read('name-template');
  return { flavours, nameTemplate: resolveNameTemplate(template) };
}

export function bootTestSettings(read: InputReader): BootTestSettings & { flavours: string[] } {
  const types: Record<Ec2Architecture, string> = { x86_64: 't3.micro', arm64: 't4g.micro' };
  for (const entry of list(read('instance-types'))) {
    const [arch, type] = entry.split('=');
    if ((arch !== 'x86_64' && arch !== 'arm64') || !type || !/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(type)) {
      throw new InputError(`instance-types entry "${entry}" is not <x86_64|arm64>=<instance type>.`, {
        hint: 'Example: x86_64=t3.micro,arm64=t4g.micro',
      });
    }
    types[arch] = type;
  }
  const command = read('test-command');
  if (command.length > 4096 || /[\0\n]/.test(command))
    throw new InputError('test-command must be one line of at most 4096 characters.');
  const groups = list(read('security-group-ids'));
  for (const id of [read('subnet-id'), ...groups].filter(Boolean)) {
    if (!/^(subnet|sg)-[0-9a-f]{8,17}$/.test(id))
      throw new InputError(`"${id}" is not a subnet or security group ID.`);
  }
  return {
    command,
    instanceTypes: types,
    timeoutMs: integer('boot-timeout-minutes', read('boot-timeout-minutes'), 1, 180) * 60_000,
    subnetId: read('subnet-id') || undefined,
    securityGroupIds: groups,
    pollIntervalMs: 10_000,
    flavours: list(read('boot-test-flavours')),
  };
}

function regionList(name: InputName, value: string, allowAll: boolean): string[] {
  const regions = list(value);
  for (const region of regions) {
    if (!(allowAll && region === 'all') && !REGION_NAME.test(region)) {
      throw new InputError(`Input ${name} has "${region}", which is not a region name.`, {
        hint: allowAll
          ? 'Use region names such as eu-west-1, or all.'
          : 'Use region names such as eu-west-1.',
      });
    }
  }
  return regions;
}

export function copySettings(
  read: InputReader,
): CopySettings & { regions: string[]; bestEffortRegions: string[] } {
  return {
    regions: regionList('regions', read('regions'), true),
    bestEffortRegions: regionList('best-effort-regions', read('best-effort-regions'), false),
    timeoutMs: integer('copy-timeout-minutes', read('copy-timeout-minutes'), 1, 24 * 60) * 60_000,
    pollIntervalMs: 15_000,
    consecutive: 3,
    retry: DEFAULT_RETRY,
  };
}

export function publishSettings(read: InputReader): PublishSettings {
  const accounts = list(read('share-accounts'));
  for (const account of accounts) {
    if (!/^\d{12}$/.test(account))
      throw new InputError(`share-accounts has "${account}", which is not a 12-digit AWS account ID.`);
  }
  const releaseDays = read('release-deprecation-days');
  return {
    public: parseBoolean('public', read('public')),
    shareAccounts: accounts,
    expiringKinds: list(read('expiring-composes')).map((kind) =>
      oneOf('expiring-composes', kind, COMPOSE_KINDS),
    ),
    deprecationDays: integer('deprecation-days', read('deprecation-days'), 1, 730),
    // Public AMIs can be deprecated at most two years ahead.
    releaseDeprecationDays: releaseDays
      ? integer('release-deprecation-days', releaseDays, 1, 730)
      : undefined,
    publicAmiQuota: integer('public-ami-quota', read('public-ami-quota'), 1, 100_000),
    messageTopic: messageTopicTemplate(read('fedora-message-topic')),
  };
}

/** A routing-key suffix: dot-separated words and the known placeholders, nothing else. */
function messageTopicTemplate(value: string): string {
  const placeholders = [...value.matchAll(/\{([^}]*)\}/g)].map(([, name]) => name!);
  const unknown = placeholders.filter((name) => !(TOPIC_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0 || !/^([\w-]+|\{\w+\})*(\.([\w-]+|\{\w+\})+)*$/.test(value))
    throw new InputError(`fedora-message-topic "${value}" is not a routing-key suffix.`, {
      hint: `Use words and ${TOPIC_PLACEHOLDERS.map((name) => `{${name}}`).join(', ')} separated by dots, e.g. ${DEFAULT_TOPIC_SUFFIX}.`,
    });
  return value;
}

export function notifySettings(read: InputReader, policy: HostPolicy): NotifySettings {
  const url = read('notify-url');
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InputError('notify-url is not a URL.');
    }
    if (parsed.username || parsed.password) {
      throw new InputError(`notify-url ${parsed.host} carries credentials (user:password@).`, {
        hint: 'Authenticate the receiver with notify-secret (each body is HMAC-signed) instead.',
      });
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && policy.allowHttp)) {
      throw new InputError(`notify-url ${parsed.origin} must use https.`, {
        hint: 'allow-http permits http for loopback test receivers only.',
      });
    }
  }
  return { url: url || undefined, secret: read('notify-secret') || undefined };
}
