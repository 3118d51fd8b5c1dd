import { resolve } from 'node:path';
import { bootTestTable } from '../report/boot-test-summary.js';
import { cleanupTable } from '../report/cleanup-summary.js';
import { copiesOutput, copyTable } from '../report/copy-summary.js';
import { importTable } from '../report/import-summary.js';
import { indexTable } from '../report/index-summary.js';
import { marketplaceTable } from '../report/marketplace-summary.js';
import { doctorTable } from '../report/doctor-summary.js';
import { planTable } from '../report/plan-summary.js';
import { publishTable, verifyTable } from '../report/publish-summary.js';
import { releaseTable } from '../report/release-summary.js';
import type { Table } from '../report/table.js';
import { AwsError, isAwsFailure } from '../aws/errors.js';
import { FedimgError } from '../errors.js';
import type { Log } from '../log.js';
import { STAGES, type Settings, type Stage } from '../settings/index.js';
import { runIndex, type IndexResult } from './ami-index.js';
import { runMarketplace } from './marketplace.js';
import { runDoctor } from './doctor.js';
import { runBootTest } from './boot-test.js';
import { runCleanup, type CleanupAction } from './cleanup.js';
import { runCopy } from './copy.js';
import { runImport } from './import.js';
import { runPlan, type PlanResult } from './plan.js';
import { runPublish } from './publish.js';
import { runRelease, type ReleaseResult } from './release.js';
import type { StageDeps } from './stage.js';
import { runVerify } from './verify.js';

/**
 * One stage as the action and the CLI both run it. Adding a stage is its module under src/stages/,
 * its name in settings' STAGES, and one entry below; main.ts and cli.ts need no change.
 */
export interface StageEntry<Result> {
  /** Runs the stage. It hands its result to `deps.onResult` once, also before a failure it shows. */
  run(settings: Settings, log: Log, deps: StageDeps<Result>): Promise<Result>;
  /** The job-summary table (Markdown in the action, text in the terminal). */
  table(result: Result, settings: Settings): Table;
  /** Action outputs known before the stage runs: set even when it fails. */
  outputsBefore?(settings: Settings): Record<string, string>;
  /** Action outputs from the result. */
  outputs(result: Result, settings: Settings): Record<string, string>;
}

/** Gives a stage's result to `onResult` when it returns (stages that cannot fail after a result). */
function reportingOnReturn<Result>(
  run: (settings: Settings, log: Log, deps: StageDeps<Result>) => Promise<Result>,
): StageEntry<Result>['run'] {
  return async (settings, log, deps) => {
    const result = await run(settings, log, deps);
    await deps.onResult?.(result);
    return result;
  };
}

/** A file output, when the stage writes that file. */
const fileOutput = (name: string, path: string | undefined) => (path ? { [name]: resolve(path) } : {});
const eventsFile = (settings: Settings) => fileOutput('events-file', settings.eventsFile);
const json = (value: unknown) => JSON.stringify(value);

/**
 * Registers a stage. Whatever AWS refuses that the stage did not turn into its own error becomes an
 * AwsError titled by the stage, naming the call, region and code, with what to change: never a stack.
 */
function entry<Result>(stage: StageEntry<Result>, name: Stage): StageEntry<unknown> {
  const run: StageEntry<Result>['run'] = async (settings, log, deps) => {
    try {
      return await stage.run(settings, log, deps);
    } catch (error) {
      if (!(error instanceof FedimgError) && isAwsFailure(error)) throw new AwsError(name, error);
      throw error;
    }
  };
  return { ...stage, run } as StageEntry<unknown>;
}

export const STAGE_REGISTRY: Record<Stage, StageEntry<unknown>> = {
  plan: entry(
    {
      run: reportingOnReturn<PlanResult>(runPlan),
      table: (result, settings) => planTable(result.plan, settings.publish),
      outputs: ({ plan, matrix, regions }) => ({
        images: json(matrix),
        ...(regions ? { regions: json({ region: regions }) } : {}),
        'image-count': String(plan.images.length),
        'compose-id': plan.composeId,
        status: plan.status,
        skipped: String(plan.skipped),
      }),
    },
    'plan',
  ),
  import: entry(
    {
      run: runImport,
      table: (result, settings) => importTable(result, settings.baseRegion),
      outputsBefore: eventsFile,
      outputs: (result) => ({
        amis: json(result.amis),
        'compose-id': result.composeId,
        skipped: String(result.skipped),
      }),
    },
    'import',
  ),
  'boot-test': entry(
    {
      run: runBootTest,
      table: (result, settings) => bootTestTable(result, settings.baseRegion),
      outputsBefore: eventsFile,
      outputs: (result) => ({
        'boot-test': json(
          result.records.map((record) => ({
            image: record.image.name,
            ami: record.imageId,
            passed: record.alreadyPassed || Boolean(record.outcome?.passed),
          })),
        ),
        skipped: String(result.skipped),
      }),
    },
    'boot-test',
  ),
  copy: entry(
    {
      run: runCopy,
      table: (result, settings) => copyTable(result, settings.baseRegion),
      outputsBefore: eventsFile,
      outputs: (result) => ({ copies: json(copiesOutput(result)), skipped: String(result.skipped) }),
    },
    'copy',
  ),
  publish: entry(
    {
      run: runPublish,
      table: (result) => publishTable(result),
      outputsBefore: eventsFile,
      outputs: (result) => ({
        published: json(
          result.published.map((published) => ({
            region: published.region,
            ami: published.imageId,
            name: published.ami.name,
            public: published.public,
            deprecate_at: published.deprecateAt,
          })),
        ),
        skipped: String(result.skipped),
      }),
    },
    'publish',
  ),
  verify: entry(
    {
      run: runVerify,
      table: (result) => verifyTable(result),
      outputsBefore: (settings) => fileOutput('manifest-file', settings.manifestFile),
      outputs: () => ({}),
    },
    'verify',
  ),
  cleanup: entry(
    {
      run: reportingOnReturn<CleanupAction[]>(runCleanup),
      table: (actions, settings) => cleanupTable(actions, settings.cleanup.dryRun),
      outputs: (actions) => ({ cleanup: json(actions) }),
    },
    'cleanup',
  ),
  release: entry(
    {
      run: reportingOnReturn<ReleaseResult>((settings, log) => runRelease(settings.release, log)),
      table: (result) => releaseTable(result),
      outputs: (result) => ({ 'release-url': result.url }),
    },
    'release',
  ),
  index: entry(
    {
      run: reportingOnReturn<IndexResult>(runIndex),
      table: (result) => indexTable(result),
      outputs: ({ index, written }) => ({
        'index-count': String(index.images.length),
        ...(written ? { 'index-dir': resolve(written.dir), 'index-file': resolve(written.indexJson) } : {}),
      }),
    },
    'index',
  ),
  doctor: entry(
    {
      run: runDoctor,
      table: (result) => doctorTable(result),
      outputs: (result) => ({
        doctor: json(result.rows),
        'doctor-failed': String(result.rows.filter((row) => row.result !== 'pass').length),
      }),
    },
    'doctor',
  ),
  marketplace: entry(
    {
      run: runMarketplace,
      table: (result) => marketplaceTable(result),
      outputsBefore: eventsFile,
      outputs: (result) => ({
        marketplace: json(
          result.rows.map(({ arch, product, amiId, version, changeSet, state }) => ({
            arch,
            product,
            ami: amiId,
            version,
            change_set: changeSet,
            state,
          })),
        ),
      }),
    },
    'marketplace',
  ),
};

/**
 * The stages `fedimg run` goes through, in order: a compose from its metadata to verified AMIs.
 * STAGES lists them first, in that order; release and cleanup are run on their own.
 */
export const RUN_ORDER: readonly Stage[] = STAGES.slice(0, STAGES.indexOf('release'));
