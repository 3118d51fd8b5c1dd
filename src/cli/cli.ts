import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, FedimgError, InputError } from '../errors.js';
import { AwsError, isAwsFailure } from '../aws/errors.js';
import { runGuarded } from '../guard.js';
import { writingTo } from '../util/written.js';
import { latest } from './latest.js';
import { noteUnsupportedNode } from '../node-support.js';
import {
  INPUT_NAMES,
  parseSettings,
  unwatched,
  withParts,
  type InputName,
  type Settings,
} from '../settings/index.js';
import { terminalLog, type Log } from '../log.js';
import { tableAsMarkdown, tableAsText, type Table } from '../report/table.js';
import { ALIASES, FILE_VALUES, isFlag, usage, WRITTEN_ONLY_WHEN_GIVEN } from './help.js';
import { RUN_ORDER, STAGE_REGISTRY, warnOfUnreadInputs } from '../stages/index.js';
import type { PlanResult } from '../stages/plan.js';

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Every action input as an option of the same name, the short aliases, and the terminal-only options. */
export function optionSpec(): Options {
  const options: Options = {
    ...Object.fromEntries(Object.keys(ALIASES).map((alias) => [alias, { type: 'string' as const }])),
    json: { type: 'boolean' },
    ...Object.fromEntries(
      ['release', 'arch', 'region', 'flavour', 'index-url'].map((name) => [
        name,
        { type: 'string' as const },
      ]),
    ),
    'summary-file': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of INPUT_NAMES) {
    if (name !== 'stage') options[name] = { type: isFlag(name) ? 'boolean' : 'string' };
  }
  return options;
}

/** How one CLI invocation shows its results. */
interface CliRun {
  log: Log;
  signal: AbortSignal;
  /** Appends a table to --summary-file, if given. */
  summarise(table: Table): void;
  /** The stage's result on stdout: its table, or JSON with --json. */
  print(result: unknown, table: Table): void;
  summaryFile: string | undefined;
}

/**
 * `fedimg run`: every stage of RUN_ORDER in turn, each table into the summary file and onto stderr as
 * it finishes, the last one printed. A plan with nothing to publish ends the run successfully.
 */
async function runAll(
  settings: Settings,
  { log, signal, summarise, print, summaryFile }: CliRun,
): Promise<number> {
  for (const [index, name] of RUN_ORDER.entries()) {
    const stage = STAGE_REGISTRY[name];
    const last = index === RUN_ORDER.length - 1;
    let nothingToDo = false;
    const stageSettings = withParts(settings, { stage: name });
    await stage.run(stageSettings, log, {
      signal,
      onResult: async (result) => {
        const table = stage.table(result, stageSettings);
        if (name === 'plan') {
          const { plan } = result as PlanResult;
          nothingToDo = plan.skipped;
          // The plan is the contract: every later stage takes its images and reads no metadata.
          settings = withParts(settings, { images: { kind: 'planned', images: plan.images } });
        }
        if (last || nothingToDo) print(result, table);
        else {
          summarise(table);
          process.stderr.write(tableAsText(table));
        }
      },
    });
    if (nothingToDo) return 0;
  }
  const { manifestFile, eventsFile } = unwatched(settings);
  for (const [what, path] of [
    ['Manifest', manifestFile],
    ['Events', eventsFile],
    ['Summary', summaryFile],
  ] as const)
    if (path) process.stderr.write(`${what}: ${resolve(path)}\n`);
  return 0;
}

/** The file an option names; one that cannot be read is the user's input error, named as given. */
function readOptionFile(option: string, path: string, hint: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeError(error);
    throw new InputError(`${option}: cannot read ${resolve(path)}: ${why}.`, { hint });
  }
}

export async function cli(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: optionSpec(), allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(usage());
    return values.help ? 0 : 2;
  }
  if (positionals.length > 1) {
    process.stderr.write(`Unexpected arguments: ${positionals.slice(1).join(' ')}\n\n${usage()}`);
    return 2;
  }
  const log = terminalLog({ verbose: values.verbose === true });
  noteUnsupportedNode(log);
  const read = (name: InputName): string => {
    // `run` is every stage in order; the settings are the same as the plan's.
    if (name === 'stage') return positionals[0] === 'run' ? 'plan' : positionals[0]!;
    // From a terminal the lifecycle sweep only reports unless told otherwise.
    if (name === 'dry-run' && positionals[0] === 'cleanup' && values['dry-run'] === undefined) return 'true';
    const alias = Object.keys(ALIASES).find((short) => ALIASES[short] === name);
    const given = values[name] !== undefined ? name : alias;
    const value = values[name] ?? (alias ? values[alias] : undefined);
    // As in the action, where it defaults to the workflow's token.
    if (name === 'github-token' && value === undefined) return process.env.GITHUB_TOKEN ?? '';
    if (FILE_VALUES.includes(name) && typeof value === 'string' && value.startsWith('@'))
      return readOptionFile(
        `--${given} ${value}`,
        value.slice(1),
        'Give a readable file after @, or the JSON itself.',
      );
    if (name === 'images' && typeof values.plan === 'string')
      return readOptionFile(
        `--plan ${values.plan}`,
        values.plan,
        'Give the file `fedimg plan --json` wrote.',
      );
    return typeof value === 'boolean' ? String(value) : (value ?? '');
  };
  if (positionals[0] === 'latest') return printLatest(values, read, log);
  const controller = new AbortController();
  const cancel = () => controller.abort(new Error('cancelled'));
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  const summaryFile = typeof values['summary-file'] === 'string' ? values['summary-file'] : undefined;
  // Like the runner's job summary: every stage's table, appended as Markdown.
  const appendSummary = (text: string) => {
    if (summaryFile) writingTo('summary-file', summaryFile, () => appendFileSync(summaryFile, text));
  };
  const summarise = (table: Table) => appendSummary(tableAsMarkdown(table));
  try {
    // A failure outside the stage's own error handling still ends in its error path (below).
    return await runGuarded(async (signal): Promise<number> => {
      // Files are written only where asked: a run from a checkout leaves the directory clean.
      const settings = parseSettings(read, WRITTEN_ONLY_WHEN_GIVEN);
      // Found now, not when the table is appended after the stage's work is done.
      appendSummary('');
      warnOfUnreadInputs(settings, positionals[0] === 'run' ? RUN_ORDER : [settings.stage], log);
      const print = (result: unknown, table: Table) => {
        summarise(table);
        process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : tableAsText(table));
      };
      if (positionals[0] === 'run') return runAll(settings, { log, signal, summarise, print, summaryFile });
      const stage = STAGE_REGISTRY[settings.stage];
      // Printed before a failure is reported, so what failed (console lines, regions) is shown.
      await stage.run(settings, log, {
        signal,
        onResult: async (result) => print(result, stage.table(result, settings)),
      });
      return 0;
    }, controller.signal);
  } catch (error) {
    if (error instanceof FedimgError) {
      log.error(error.message, `fedimg ${error.area}`);
      // --verbose: where it came from, the wrapped error's stack (an SDK error's) when there is one.
      const origin = error.cause instanceof Error ? error.cause : error;
      if (origin.stack) log.debug(origin.stack);
      return 1;
    }
    // Not fedimg's own error: still one line that says what happened; the stack only with --verbose.
    log.error(
      `fedimg hit an unexpected failure: ${describeError(error)}. Re-run with --verbose for details, and report it if it happens again.`,
      'fedimg',
    );
    if (error instanceof Error && error.stack) log.debug(error.stack);
    return 1;
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

/** `fedimg latest`: one AMI ID on stdout (or the entry as JSON); errors as every stage reports them. */
async function printLatest(
  values: Record<string, string | boolean | undefined>,
  read: (name: InputName) => string,
  log: Log,
): Promise<number> {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const [release, arch, region] = [text('release'), text('arch'), text('region')];
  if (!release || !arch || !region) {
    process.stderr.write(`fedimg latest needs --release, --arch and --region.\n\n${usage()}`);
    return 2;
  }
  try {
    const entry = await latest(
      { release, arch, region, flavour: text('flavour'), indexUrl: text('index-url') },
      read,
      log,
    );
    process.stdout.write(values.json ? `${JSON.stringify(entry, null, 2)}\n` : `${entry.ami_id}\n`);
    return 0;
  } catch (error) {
    // The title says it is fedimg latest; the message says what failed and what to do.
    const failure =
      error instanceof FedimgError ? error : isAwsFailure(error) ? new AwsError('latest', error) : undefined;
    log.error(
      failure?.message ??
        `${describeError(error)}. Run it again; if it fails the same way, report it with this message.`,
      'fedimg latest',
    );
    return 1;
  }
}
