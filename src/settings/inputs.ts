import { DEFAULT_BLOCK_TIMEOUT_MS } from '../aws/clients.js';
import { DEFAULT_NAME_TEMPLATE } from '../aws/naming.js';
import { DEFAULT_EXPIRING_KINDS } from '../compose/kind.js';
import { DEFAULT_ALLOWED_HOSTS } from '../net/host-policy.js';
import { InputError } from '../errors.js';
import { DEFAULT_TOPIC_SUFFIX } from '../report/fedora-message.js';
import { DOCTOR_INPUTS } from './doctor-inputs.js';
import { MARKETPLACE_INPUTS } from './marketplace-inputs.js';

/** Where an input's option is listed in the CLI's help. */
export type InputGroup =
  | 'source'
  | 'import'
  | 'boot-test'
  | 'copy'
  | 'publish'
  | 'release'
  | 'cleanup'
  | 'index'
  | 'marketplace'
  | 'doctor';

export interface InputSpec {
  group: InputGroup;
  /** The value's shape in `--help`; none for a flag given bare (`--allow-http`). */
  value?: string;
  /** One line for `--help`; action.yml describes the input in full. */
  help: string;
  default?: string;
}

/**
 * Every input of the action, by its action.yml name, with its default. The CLI takes the same names
 * as --options with the same defaults, so this table is the contract for both; tests check it
 * against action.yml and against the CLI's help. `stage` is the CLI's first argument.
 */
export const INPUTS = {
  stage: { group: 'source', value: '<stage>', help: 'what to do (the CLI takes it as its first word)' },
  image: { group: 'source', value: '<json>', help: "one entry of the plan's matrix instead of a compose" },
  images: {
    group: 'source',
    value: '<json>',
    help: "the plan's images output (every entry) instead of a compose: no compose metadata is read again",
  },
  'compose-payload': {
    group: 'source',
    value: '<json|@file>',
    help: 'the compose-status message Pungi sends (repository_dispatch payload)',
  },
  'compose-location': {
    group: 'source',
    value: '<url>',
    help: 'compose location: the compose root or its compose/ directory',
  },
  'compose-id': {
    group: 'source',
    value: '<id>',
    help: 'a compose ID; the location is derived under --compose-base-url',
  },
  'compose-status': {
    group: 'source',
    value: '<status>',
    help: 'the status, when known without reading STATUS',
  },
  'compose-base-url': {
    group: 'source',
    value: '<url>',
    help: 'where composes live, for --compose-id',
    default: 'https://kojipkgs.fedoraproject.org/compose',
  },
  'image-url': {
    group: 'source',
    value: '<url>',
    help: 'one raw.xz image; with --image-sha256, or a CHECKSUM file beside it',
  },
  'image-sha256': { group: 'source', value: '<hex>', help: 'sha256 of the raw.xz given by --image-url' },
  'allowed-hosts': {
    group: 'source',
    value: '<list>',
    help: 'hosts fedimg may fetch from (host[:port], comma-separated)',
    default: DEFAULT_ALLOWED_HOSTS.join(','),
  },
  'allow-http': {
    group: 'source',
    help: 'permit plain http on allowed hosts (loopback test servers)',
    default: 'false',
  },
  subvariants: {
    group: 'source',
    value: '<list>',
    help: 'productmd subvariants to publish',
    default: 'Cloud_Base',
  },
  architectures: {
    group: 'source',
    value: '<list>',
    help: 'Fedora architectures',
    default: 'x86_64,aarch64',
  },
  decoder: {
    group: 'import',
    value: '<auto|system|npm>',
    help: 'xz decoder (auto: system xz when installed)',
    default: 'auto',
  },
  'base-region': {
    group: 'import',
    value: '<region>',
    help: 'where snapshots and AMIs are created (default AWS_REGION or us-east-1)',
  },
  'upload-method': {
    group: 'import',
    value: '<method>',
    help: 'ebs-direct or import-snapshot (needs --s3-bucket)',
    default: 'ebs-direct',
  },
  concurrency: { group: 'import', value: '<n>', help: 'PutSnapshotBlock workers', default: '64' },
  'omit-zero-blocks': {
    group: 'import',
    help: 'skip all-zero blocks (unsafe for volumes launched encrypted)',
    default: 'false',
  },
  'volume-size': {
    group: 'import',
    value: '<GiB>',
    help: 'snapshot size (default: the raw image rounded up)',
  },
  'max-volume-size-gib': {
    group: 'import',
    value: '<GiB>',
    help: 'refuse an image larger than this raw',
    default: '64',
  },
  's3-bucket': { group: 'import', value: '<bucket>', help: 'staging bucket for import-snapshot' },
  'import-timeout-minutes': {
    group: 'import',
    value: '<n>',
    help: 'how long an import-snapshot task may take',
    default: '120',
  },
  'block-timeout-seconds': {
    group: 'import',
    value: '<n>',
    help: 'per attempt of one PutSnapshotBlock',
    default: String(DEFAULT_BLOCK_TIMEOUT_MS / 1000),
  },
  'image-cache': {
    group: 'import',
    value: '<bool>',
    help: 'keep downloads in the GitHub Actions cache (where that service exists)',
    default: 'true',
  },
  'volume-types': {
    group: 'import',
    value: '<list>',
    help: 'one AMI flavour per volume type',
    default: 'gp3',
  },
  'boot-mode': {
    group: 'import',
    value: '<mode>',
    help: 'legacy-bios, uefi or uefi-preferred (default by arch)',
  },
  'imds-v2': { group: 'import', value: '<bool>', help: 'require IMDSv2', default: 'true' },
  tpm: { group: 'import', value: '<bool>', help: 'NitroTPM 2.0 (needs a UEFI boot mode)', default: 'false' },
  'kms-key-id': { group: 'import', value: '<key>', help: 'also register an encrypted flavour with this key' },
  'config-file': { group: 'import', value: '<path>', help: 'flavours from a YAML/JSON file' },
  'name-template': {
    group: 'import',
    value: '<template>',
    help: 'AMI names ("classic" for the old service\'s)',
    default: DEFAULT_NAME_TEMPLATE,
  },
  'events-file': {
    group: 'import',
    value: '<path>',
    help: 'NDJSON event log',
    default: 'fedimg-events.ndjson',
  },
  'test-command': {
    group: 'boot-test',
    value: '<cmd>',
    help: 'run on the booted instance; exit 0 passes',
    default: '/bin/true',
  },
  'instance-types': {
    group: 'boot-test',
    value: '<list>',
    help: 'instance type per EC2 architecture',
    default: 'x86_64=t3.micro,arm64=t4g.micro',
  },
  'boot-timeout-minutes': {
    group: 'boot-test',
    value: '<n>',
    help: 'from launch to verdict',
    default: '15',
  },
  'subnet-id': { group: 'boot-test', value: '<id>', help: 'where to launch (default: the default VPC)' },
  'security-group-ids': {
    group: 'boot-test',
    value: '<list>',
    help: 'security groups (no inbound access is needed)',
  },
  'boot-test-flavours': {
    group: 'boot-test',
    value: '<list>',
    help: 'flavours to boot (default: the first)',
  },
  regions: {
    group: 'copy',
    value: '<list|all>',
    help: 'destination regions (all: every enabled region)',
    default: 'all',
  },
  'best-effort-regions': {
    group: 'copy',
    value: '<list>',
    help: 'regions where a failed copy is only a warning',
  },
  'copy-timeout-minutes': { group: 'copy', value: '<n>', help: 'per copy', default: '45' },
  public: { group: 'publish', value: '<bool>', help: 'make AMIs and snapshots public', default: 'true' },
  'share-accounts': {
    group: 'publish',
    value: '<list>',
    help: 'with --public false: share with these account IDs',
  },
  'expiring-composes': {
    group: 'publish',
    value: '<kinds>',
    help: 'compose kinds whose AMIs expire (nightly, test, ci, development, dated, beta, ga)',
    default: DEFAULT_EXPIRING_KINDS.join(','),
  },
  'deprecation-days': {
    group: 'publish',
    value: '<n>',
    help: "deprecate nightly/test composes' AMIs after n days",
    default: '30',
  },
  'release-deprecation-days': {
    group: 'publish',
    value: '<n>',
    help: 'deprecate release AMIs too (default: public ones 2 years after creation, as AWS does)',
  },
  'public-ami-quota': {
    group: 'publish',
    value: '<n>',
    help: "the account's public-AMI quota per region",
    default: '5',
  },
  'fedora-message-topic': {
    group: 'publish',
    value: '<template>',
    help: "routing key of Fedora's message after fedora_image_uploader.published.v1.aws ({stream}, {release}, {subvariant}, {arch})",
    default: DEFAULT_TOPIC_SUFFIX,
  },
  'manifest-file': {
    group: 'publish',
    value: '<path>',
    help: 'verify: where the compose manifest is written',
    default: 'fedimg-manifest.json',
  },
  'notify-url': { group: 'publish', value: '<url>', help: 'also POST every event here' },
  'notify-secret': { group: 'publish', value: '<secret>', help: 'HMAC-SHA256 key that signs each POST' },
  'dry-run': {
    group: 'cleanup',
    value: '<bool>',
    help: 'only report (the CLI defaults to true for cleanup)',
    default: 'false',
  },
  'delete-after-days': {
    group: 'cleanup',
    value: '<n>',
    help: 'delete expired AMIs this long after they were made private',
    default: '10',
  },
  'include-releases': {
    group: 'cleanup',
    value: '<bool>',
    help: 'also expire release AMIs',
    default: 'false',
  },
  'orphan-after-hours': {
    group: 'cleanup',
    value: '<n>',
    help: 'delete fedimg snapshots no AMI uses once this old',
    default: '24',
  },
  'instance-max-hours': {
    group: 'cleanup',
    value: '<n>',
    help: 'terminate boot-test instances older than this',
    default: '2',
  },
  'index-dir': {
    group: 'index',
    value: '<dir>',
    help: 'index: where index.json, latest/<release>/<arch>.json and index.html are written',
    default: 'fedimg-index',
  },
  ...MARKETPLACE_INPUTS,
  ...DOCTOR_INPUTS,
  'github-token': {
    group: 'release',
    value: '<token>',
    help: 'allowed to write contents; GITHUB_REPOSITORY=<owner>/<name> names the repository (default: the workflow token in the action, $GITHUB_TOKEN in the CLI)',
  },
} as const satisfies Record<string, InputSpec>;

export type InputName = keyof typeof INPUTS;
export type InputReader = (name: InputName) => string;
export const INPUT_NAMES = Object.keys(INPUTS) as InputName[];

/** Each input's default, for the inputs that have one. */
export const DEFAULTS: Partial<Record<InputName, string>> = Object.fromEntries(
  Object.entries(INPUTS as Record<string, InputSpec>)
    .filter(([, spec]) => spec.default !== undefined)
    .map(([name, spec]) => [name, spec.default!]),
);

// --- the small parsers every settings module uses ---------------------------------------------

export function list(value: string): string[] {
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

export function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(`Input ${name} is "${value}"; expected one of ${allowed.join(', ')}.`);
}

export function integer(name: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new InputError(`Input ${name} must be a whole number from ${min} to ${max}, not "${value}".`);
  }
  return number;
}

export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
