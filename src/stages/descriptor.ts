import { resolve } from 'node:path';
import { AwsError, isAwsFailure } from '../aws/errors.js';
import { FedimgError } from '../errors.js';
import type { Log } from '../log.js';
import type { Table } from '../report/table.js';
import type { Settings, SettingsKey, Stage } from '../settings/index.js';
import type { StageDeps } from './stage.js';

/**
 * What a stage does with a compose: `required` stages work on its images (from the plan or a
 * discovery); `optional` ones work with or without; `ignored` ones work on the account or on files.
 */
export type ComposeUse = 'required' | 'optional' | 'ignored';

/**
 * What every stage on a compose reads: openStage's images, host policy, selection and event log, the
 * base region, and the flavours and name template its AMI names are made from.
 */
export const COMPOSE_STAGE_READS = [
  'images',
  'policy',
  'selection',
  'baseRegion',
  'eventsFile',
  'notify',
  'flavours',
  'nameTemplate',
] as const satisfies readonly SettingsKey[];

/**
 * Everything the action and the CLI know about a stage, in the stage's own module: adding a stage is
 * its module (with one of these), its line in the registry and its inputs in action.yml. Its name,
 * and whether it leaves work for the post step, are in settings/stage-names.ts: the post step reads
 * them without loading the stages.
 */
export interface StageDescriptor<Result> {
  name: Stage;
  /** One line for the CLI's help. */
  about: string;
  compose: ComposeUse;
  /**
   * The parts of the settings it reads (besides `stage`): an input that feeds none of them is named
   * as having no effect. A test holds the list to what the stage really reads.
   */
  reads: readonly SettingsKey[];
  /** Part of `fedimg run` (a compose from its metadata to verified AMIs), in registry order. */
  inRun: boolean;
  /** Runs the stage; the registry hands the result to `deps.onResult` once (see defineStage). */
  run(settings: Settings, log: Log, deps: StageDeps<Result>): Promise<Result>;
  /** The job-summary table (Markdown in the action, text in the terminal). */
  table(result: Result, settings: Settings): Table;
  /** Action outputs known before the stage runs: set even when it fails. */
  outputsBefore?(settings: Settings): Record<string, string>;
  /** Action outputs from the result. */
  outputs(result: Result, settings: Settings): Record<string, string>;
}

/**
 * A stage as the registry runs it. One way to report: a stage that fails after it has a result hands
 * it to `deps.onResult` before throwing (openStage's `report`); every other result is handed over
 * here when the stage returns, exactly once. Whatever AWS refuses that the stage did not turn into
 * its own error becomes an AwsError titled by the stage, naming the call, region and code: never a
 * stack.
 */
export function defineStage<Result>(stage: StageDescriptor<Result>): StageDescriptor<unknown> {
  const run: StageDescriptor<Result>['run'] = async (settings, log, deps) => {
    let reported = false;
    const onResult = async (result: Result) => {
      if (reported) return;
      reported = true;
      await deps.onResult?.(result);
    };
    try {
      const result = await stage.run(settings, log, { ...deps, onResult });
      await onResult(result);
      return result;
    } catch (error) {
      if (!(error instanceof FedimgError) && isAwsFailure(error)) throw new AwsError(stage.name, error);
      throw error;
    }
  };
  return { ...stage, run } as StageDescriptor<unknown>;
}

/** A file output, when the stage writes that file. */
export const fileOutput = (name: string, path: string | undefined): Record<string, string> =>
  path ? { [name]: resolve(path) } : {};

/** The events-file output of a stage that appends events. */
export const eventsFileOutput = (settings: Settings) => fileOutput('events-file', settings.eventsFile);
