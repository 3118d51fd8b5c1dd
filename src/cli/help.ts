import { INPUTS, type InputGroup, type InputName, type InputSpec } from '../settings/index.js';
import { RUN_ORDER, STAGE_LIST } from '../stages/index.js';

/** Short spellings the CLI also takes, for the inputs people type most. */
export const ALIASES: Readonly<Record<string, InputName>> = {
  compose: 'compose-location',
  payload: 'compose-payload',
  out: 'index-dir',
  // `--plan FILE`: the file `fedimg plan --json` wrote, read as the images input.
  plan: 'images',
};

/** Options whose value may be `@file` (a JSON document read from that file). */
export const FILE_VALUES: InputName[] = ['compose-payload', 'image', 'images'];

/** Files the action writes by default and the CLI only where it is told to (a checkout stays clean). */
export const WRITTEN_ONLY_WHEN_GIVEN: InputName[] = ['events-file', 'manifest-file', 'index-dir'];

/** Options only the terminal has: how results are shown. */
const CLI_OPTIONS: Array<[string, string]> = [
  ['--json', "print the stage's result as JSON on stdout (logs go to stderr)"],
  ['--summary-file <path>', "append each stage's table as Markdown (like the job summary)"],
  ['-v, --verbose', 'debug logs'],
  ['-h, --help', 'this text'],
];

/** `fedimg latest`: the current AMI ID of a release in a region, for scripts. */
export const LATEST_OPTIONS: Array<[string, string]> = [
  ['--release <release>', 'the release stream: a number, Rawhide or ELN'],
  ['--arch <arch>', 'x86_64 or aarch64'],
  ['--region <region>', 'the region whose AMI is wanted'],
  ['--flavour <name>', 'the flavour (default: the first of the flavour configuration)'],
  ['--index-url <url>', 'read a published index.json instead of AWS'],
  ['--json', 'print the whole index entry instead of the AMI ID'],
];

const GROUP_TITLES: Record<InputGroup, string> = {
  source:
    'Where the images come from (one of --compose-location, --compose-id, --compose-payload, --image-url, --image):',
  import: 'Import options:',
  'boot-test': 'Boot-test options:',
  copy: 'Copy options:',
  publish: 'Publish and verify options:',
  release: 'Release (a GitHub release tagged by the compose ID, with the manifest and events attached):',
  cleanup:
    'Cleanup (the lifecycle sweep over every enabled region; a dry run from the CLI unless --dry-run false):',
  index: 'Index (the current public AMIs in --regions, read from AWS):',
  marketplace:
    'Marketplace (a new version of the AMI products for a GA compose; --dry-run true only validates):',
  doctor:
    'Doctor (read-only: may the role make every call the stages make, and is the account ready? run it first):',
};

/** An input given bare (`--allow-http`) rather than with a value. */
export function isFlag(name: InputName): boolean {
  return (INPUTS[name] as InputSpec).value === undefined;
}

function line(option: string, help: string): string {
  return `  ${option.padEnd(34)} ${help}`.trimEnd();
}

function inputLine(name: InputName): string {
  const spec = INPUTS[name] as InputSpec;
  const aliases = Object.entries(ALIASES)
    .filter(([, target]) => target === name)
    .map(([alias]) => `, --${alias}`)
    .join('');
  const option = `--${name}${aliases}${spec.value ? ` ${spec.value}` : ''}`;
  const fallback =
    spec.default === undefined
      ? ''
      : WRITTEN_ONLY_WHEN_GIVEN.includes(name)
        ? ` (default in the action: ${spec.default}; the CLI writes it only when given)`
        : ` (default ${spec.default})`;
  return line(option, `${spec.help}${fallback}`);
}

/**
 * The CLI's help, made from the same input table as action.yml: every input of the action is an
 * option of the same name, meaning and default.
 */
export function usage(): string {
  const sections = (Object.keys(GROUP_TITLES) as InputGroup[]).map((group) => {
    const names = (Object.keys(INPUTS) as InputName[]).filter(
      (name) => name !== 'stage' && (INPUTS[name] as InputSpec).group === group,
    );
    return [GROUP_TITLES[group], ...names.map(inputLine)].join('\n');
  });
  return [
    'Usage: fedimg <stage> [options]',
    '',
    'Stages:',
    ...STAGE_LIST.map((stage) => line(stage.name, stage.about)),
    line('run', `${RUN_ORDER.join(', ')}, in order`),
    line('latest', 'the current AMI ID of a release in a region (below)'),
    '',
    ...sections.flatMap((section) => [section, '']),
    'Output:',
    ...CLI_OPTIONS.map(([option, help]) => line(option, help)),
    '',
    'fedimg latest --release <41|Rawhide|ELN> --arch <x86_64|aarch64> --region <region> [--flavour <name>]',
    '             [--index-url <url>] [--json]',
    ...LATEST_OPTIONS.map(([option, help]) => line(option, help)),
    '',
  ].join('\n');
}
