import { parseComposeId } from './compose/compose-id.js';
import type { DiscoveryRequest } from './compose/discover.js';
import { DEFAULT_ALLOWED_HOSTS, parseAllowedHosts, type HostPolicy } from './compose/location.js';
import { COMPOSE_STATUSES, parseComposePayload, type ComposeStatus } from './compose/payload.js';
import { EC2_ARCHITECTURES, type Ec2Architecture, type SelectionCriteria } from './compose/select.js';
import type { BootTestSettings } from './aws/boot-test.js';
import type { CopySettings } from './aws/copy.js';
import type { PublishSettings } from './stages/publish.js';
import type { CleanupSettings } from './stages/cleanup.js';
import type { ReleaseSettings } from './stages/release.js';
import { InputError } from './errors.js';
import type { DecoderPreference } from './image/decompress.js';
import { DEFAULT_NAME_TEMPLATE, resolveNameTemplate } from './aws/naming.js';
import { DEFAULT_RETRY } from './util/retry.js';
import type { UploadMethod, UploadSettings } from './aws/snapshot.js';
import { parsePlannedImage } from './compose/planned-image.js';
import type { PlannedImage } from './compose/types.js';
import { flavoursFromInputs, readFlavourConfig, type BootMode, type Flavour } from './config.js';

/**
 * Every input of the action, by its action.yml name. The CLI takes the same names as --options, so
 * this list is the contract for both (a test checks it against action.yml).
 */
export const INPUT_NAMES = [
  'stage',
  'image',
  'compose-payload',
  'compose-location',
  'compose-id',
  'compose-status',
  'compose-base-url',
  'image-url',
  'image-sha256',
  'allowed-hosts',
  'allow-http',
  'subvariants',
  'architectures',
  'decoder',
  'base-region',
  'upload-method',
  'concurrency',
  'omit-zero-blocks',
  'volume-size',
  'max-volume-size-gib',
  's3-bucket',
  'import-timeout-minutes',
  'block-timeout-seconds',
  'image-cache',
  'volume-types',
  'boot-mode',
  'imds-v2',
  'tpm',
  'kms-key-id',
  'config-file',
  'name-template',
  'events-file',
  'test-command',
  'instance-types',
  'boot-timeout-minutes',
  'subnet-id',
  'security-group-ids',
  'boot-test-flavours',
  'regions',
  'best-effort-regions',
  'copy-timeout-minutes',
  'public',
  'share-accounts',
  'deprecation-days',
  'release-deprecation-days',
  'public-ami-quota',
  'manifest-file',
  'notify-url',
  'notify-secret',
  'dry-run',
  'delete-after-days',
  'include-releases',
  'orphan-after-hours',
  'instance-max-hours',
  'github-token',
] as const;

export type InputName = (typeof INPUT_NAMES)[number];
export type InputReader = (name: InputName) => string;

export const STAGES = [
  'plan',
  'import',
  'boot-test',
  'copy',
  'publish',
  'verify',
  'release',
  'cleanup',
] as const;
export type Stage = (typeof STAGES)[number];

/** Where a stage's images come from: compose discovery, or one matrix entry from the plan. */
export type ImageInput =
  { kind: 'discover'; request: DiscoveryRequest } | { kind: 'image'; image: PlannedImage } | { kind: 'none' };

export interface Settings {
  stage: Stage;
  images: ImageInput;
  policy: HostPolicy;
  selection: SelectionCriteria;
  decoder: DecoderPreference;
  baseRegion: string;
  upload: UploadSettings;
  flavours: Flavour[];
  nameTemplate: string;
  /** NDJSON file the stages append their events to. */
  eventsFile: string;
  /** Which flavours are booted (empty: the default flavour only). */
  bootTest: BootTestSettings & { flavours: string[] };
  copy: CopySettings & { regions: string[]; bestEffortRegions: string[] };
  publish: PublishSettings;
  /** verify writes the compose's manifest here. */
  manifestFile: string;
  /** Events are also POSTed here as JSON, signed with HMAC-SHA256 when a secret is set. */
  notify: { url: string | undefined; secret: string | undefined };
  cleanup: CleanupSettings;
  release: ReleaseSettings;
}

export const DEFAULTS = {
  'compose-base-url': 'https://kojipkgs.fedoraproject.org/compose',
  'allowed-hosts': DEFAULT_ALLOWED_HOSTS.join(','),
  'allow-http': 'false',
  subvariants: 'Cloud_Base',
  architectures: 'x86_64,aarch64',
  decoder: 'auto',
  'upload-method': 'ebs-direct',
  concurrency: '64',
  'omit-zero-blocks': 'false',
  'max-volume-size-gib': '64',
  'import-timeout-minutes': '120',
  'block-timeout-seconds': '20',
  'image-cache': 'true',
  'volume-types': 'gp3',
  'imds-v2': 'true',
  tpm: 'false',
  'name-template': DEFAULT_NAME_TEMPLATE,
  'events-file': 'fedimg-events.ndjson',
  'test-command': '/bin/true',
  'instance-types': 'x86_64=t3.micro,arm64=t4g.micro',
  'boot-timeout-minutes': '15',
  regions: 'all',
  'copy-timeout-minutes': '45',
  public: 'true',
  'deprecation-days': '30',
  'public-ami-quota': '5',
  'manifest-file': 'fedimg-manifest.json',
  'dry-run': 'false',
  'delete-after-days': '10',
  'include-releases': 'false',
  'orphan-after-hours': '24',
  'instance-max-hours': '2',
} as const satisfies Partial<Record<InputName, string>>;

function list(value: string): string[] {
  return value
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

export function parseBoolean(name: string, value: string): boolean {
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0|)$/i.test(value)) return false;
  throw new InputError(`Input ${name} must be true or false, not "${value}".`);
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(`Input ${name} is "${value}"; expected one of ${allowed.join(', ')}.`);
}

function architectures(value: string): string[] {
  const aliases: Record<string, string> = { arm64: 'aarch64', amd64: 'x86_64' };
  const arches = list(value).map((arch) => aliases[arch] ?? arch);
  for (const arch of arches) {
    if (!(arch in EC2_ARCHITECTURES)) {
      throw new InputError(`Architecture "${arch}" has no EC2 equivalent.`, {
        hint: `Use ${Object.keys(EC2_ARCHITECTURES).join(' and/or ')}.`,
      });
    }
  }
  if (arches.length === 0)
    throw new InputError('Input architectures is empty.', { hint: 'Use x86_64,aarch64.' });
  return [...new Set(arches)];
}

/**
 * Where a compose lives on kojipkgs, from its ID alone (for a maintainer who only knows the ID):
 * rawhide/, branched/ for nightlies of a numbered release, cloud/ for cloud composes, else <version>/.
 */
export function composeLocationFromId(id: string, baseUrl: string): string {
  const compose = parseComposeId(id);
  const base = baseUrl.replace(/\/+$/, '');
  let directory: string;
  if (compose.version === 'Rawhide') directory = 'rawhide';
  else if (compose.short === 'Fedora-Cloud') directory = 'cloud';
  else if (compose.type === 'nightly') directory = 'branched';
  else directory = compose.version;
  return `${base}/${directory}/${compose.id}/compose`;
}

function integer(name: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new InputError(`Input ${name} must be a whole number from ${min} to ${max}, not "${value}".`);
  }
  return number;
}

/** The base region: the input, else the SDK's configured region (as the credentials action sets it). */
export function baseRegion(value: string, env: NodeJS.ProcessEnv = process.env): string {
  const region = value || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) {
    throw new InputError(`"${region}" is not an AWS region name.`, { hint: 'Use a name such as us-east-1.' });
  }
  return region;
}

function uploadSettings(read: InputReader): UploadSettings {
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
function flavourSettings(
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

function bootTestSettings(read: InputReader): Settings['bootTest'] {
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

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

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

function copySettings(read: InputReader): Settings['copy'] {
  return {
    regions: regionList('regions', read('regions'), true),
    bestEffortRegions: regionList('best-effort-regions', read('best-effort-regions'), false),
    timeoutMs: integer('copy-timeout-minutes', read('copy-timeout-minutes'), 1, 24 * 60) * 60_000,
    pollIntervalMs: 15_000,
    consecutive: 3,
    kmsKeyId: read('kms-key-id') || undefined,
    retry: DEFAULT_RETRY,
  };
}

function publishSettings(read: InputReader): PublishSettings {
  const accounts = list(read('share-accounts'));
  for (const account of accounts) {
    if (!/^\d{12}$/.test(account))
      throw new InputError(`share-accounts has "${account}", which is not a 12-digit AWS account ID.`);
  }
  const releaseDays = read('release-deprecation-days');
  return {
    public: parseBoolean('public', read('public')),
    shareAccounts: accounts,
    deprecationDays: integer('deprecation-days', read('deprecation-days'), 1, 730),
    // Public AMIs can be deprecated at most two years ahead.
    releaseDeprecationDays: releaseDays
      ? integer('release-deprecation-days', releaseDays, 1, 730)
      : undefined,
    publicAmiQuota: integer('public-ami-quota', read('public-ami-quota'), 1, 100_000),
  };
}

function notifySettings(read: InputReader, policy: HostPolicy): Settings['notify'] {
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

function discoveryRequest(read: InputReader): DiscoveryRequest {
  const payloadText = read('compose-payload').trim();
  const location = read('compose-location').trim();
  const composeId = read('compose-id').trim() || undefined;
  const statusText = read('compose-status').trim();
  const imageUrl = read('image-url').trim();
  const status = statusText
    ? oneOf<ComposeStatus>('compose-status', statusText, COMPOSE_STATUSES)
    : undefined;

  const given = [payloadText && 'compose-payload', imageUrl && 'image-url'].filter(Boolean);
  if (given.length > 1) {
    throw new InputError(`Inputs ${given.join(' and ')} were both given.`, {
      hint: 'Start a run from a compose payload, a compose location/ID, or one image URL: exactly one.',
    });
  }
  if (payloadText) {
    const payload = parseComposePayload(payloadText);
    if (location && location !== payload.location) {
      throw new InputError('compose-location differs from the location in compose-payload.', {
        hint: 'Give one or the other.',
      });
    }
    return {
      kind: 'compose',
      location: payload.location,
      composeId: payload.compose_id,
      status: payload.status,
      label: payload.compose_label ?? undefined,
    };
  }
  if (imageUrl) {
    if (location)
      throw new InputError('Inputs image-url and compose-location were both given.', { hint: 'Give one.' });
    const sha256 = read('image-sha256').trim().toLowerCase() || undefined;
    if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new InputError('image-sha256 must be 64 hexadecimal characters.');
    }
    return { kind: 'image', url: imageUrl, sha256, composeId };
  }
  if (location) return { kind: 'compose', location, composeId, status };
  if (composeId) {
    return {
      kind: 'compose',
      location: composeLocationFromId(
        composeId,
        read('compose-base-url').trim() || DEFAULTS['compose-base-url'],
      ),
      composeId,
      status,
    };
  }
  throw new InputError(
    'Nothing to publish: no compose-payload, compose-location, compose-id or image-url was given.',
    {
      hint: 'Pass the compose-status message as compose-payload, or a compose location/ID, or an image URL with its sha256.',
    },
  );
}

/**
 * Values that must never appear in a log: the webhook secret, credentials a notify-url carries in
 * its query string, the GitHub token. The action registers them with the runner before any stage
 * prints anything.
 */
export function secretsOf(settings: Settings): string[] {
  const secrets = [settings.notify.secret, settings.release.token];
  if (settings.notify.url) secrets.push(...new URL(settings.notify.url).searchParams.values());
  return secrets.filter((value): value is string => Boolean(value));
}

/** Parse and validate every input once; the rest of the code only sees the typed result. */
export function parseSettings(rawInput: InputReader): Settings {
  const read: InputReader = (name) => {
    const value = rawInput(name).trim();
    return value === '' && name in DEFAULTS ? DEFAULTS[name as keyof typeof DEFAULTS] : value;
  };
  const allowHttp = parseBoolean('allow-http', read('allow-http'));
  const policy: HostPolicy = { allowedHosts: parseAllowedHosts(read('allowed-hosts')), allowHttp };
  const subvariants = list(read('subvariants'));
  if (
    subvariants.some((subvariant) => !/^[A-Za-z0-9_]{1,64}$/.test(subvariant)) ||
    subvariants.length === 0
  ) {
    throw new InputError(
      `Input subvariants "${read('subvariants')}" is not a list of productmd subvariants.`,
      {
        hint: 'Use names such as Cloud_Base, separated by commas.',
      },
    );
  }
  const stage = oneOf('stage', read('stage') || 'plan', STAGES);
  const imageJson = read('image');
  // The lifecycle sweep works on the account and the release on the manifest, not on one compose.
  const images: ImageInput = imageJson
    ? { kind: 'image', image: parsePlannedImage(imageJson, policy) }
    : stage === 'cleanup' || stage === 'release'
      ? { kind: 'none' }
      : { kind: 'discover', request: discoveryRequest(read) };
  return {
    stage,
    images,
    policy,
    selection: { subvariants, architectures: architectures(read('architectures')) },
    decoder: oneOf<DecoderPreference>('decoder', read('decoder'), ['auto', 'system', 'npm']),
    baseRegion: baseRegion(read('base-region')),
    upload: uploadSettings(read),
    ...flavourSettings(read, (name) => rawInput(name).trim()),
    eventsFile: read('events-file'),
    bootTest: bootTestSettings(read),
    copy: copySettings(read),
    publish: publishSettings(read),
    manifestFile: read('manifest-file'),
    notify: notifySettings(read, policy),
    cleanup: {
      dryRun: parseBoolean('dry-run', read('dry-run')),
      deleteAfterDays: integer('delete-after-days', read('delete-after-days'), 0, 3650),
      includeReleases: parseBoolean('include-releases', read('include-releases')),
      orphanAfterHours: integer('orphan-after-hours', read('orphan-after-hours'), 1, 24 * 365),
      instanceMaxHours: integer('instance-max-hours', read('instance-max-hours'), 1, 24 * 30),
    },
    release: {
      token: read('github-token') || undefined,
      repository: process.env.GITHUB_REPOSITORY,
      manifestFile: read('manifest-file'),
      eventsFile: read('events-file'),
    },
  };
}
