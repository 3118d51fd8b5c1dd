import type { Log } from '../log.js';
import { unreadInputs, type Settings, type Stage } from '../settings/index.js';
import { stageName } from '../settings/stage-names.js';
import { indexStage } from './ami-index.js';
import { bootTestStage } from './boot-test.js';
import { cleanupStage } from './cleanup.js';
import { copyStage } from './copy.js';
import type { StageDescriptor } from './descriptor.js';
import { doctorStage } from './doctor.js';
import { importStage } from './import.js';
import { marketplaceStage } from './marketplace.js';
import { planStage } from './plan.js';
import { publishStage } from './publish.js';
import { releaseStage } from './release.js';
import { verifyStage } from './verify.js';

export type { StageDescriptor } from './descriptor.js';

/**
 * Every stage, in the order `fedimg run` and the CLI's help list them. A stage's facts are its
 * descriptor, in its own module; this list only collects them (settings' STAGES, the stage input's
 * allowed values, names the same stages in the same order: a unit test holds the two together).
 */
export const STAGE_LIST: readonly StageDescriptor<unknown>[] = [
  planStage,
  importStage,
  bootTestStage,
  copyStage,
  publishStage,
  verifyStage,
  releaseStage,
  cleanupStage,
  indexStage,
  marketplaceStage,
  doctorStage,
];

export const STAGE_REGISTRY = Object.fromEntries(STAGE_LIST.map((stage) => [stage.name, stage])) as Record<
  Stage,
  StageDescriptor<unknown>
>;

/** The stages `fedimg run` goes through, in order: a compose from its metadata to verified AMIs. */
export const RUN_ORDER: readonly Stage[] = STAGE_LIST.filter((stage) => stage.inRun).map(
  (stage) => stage.name,
);

/** The descriptor of a stage named by untrusted text, if it is one (the name checked by stageName). */
export function stageNamed(name: string): StageDescriptor<unknown> | undefined {
  const stage = stageName(name);
  return stage && STAGE_REGISTRY[stage];
}

/** What the given stages read of the settings (every stage reads which stage it is). */
export function settingsReadBy(stages: readonly Stage[]): Set<string> {
  return new Set(['stage', ...stages.flatMap((name) => STAGE_REGISTRY[name].reads)]);
}

/**
 * Names the inputs given that none of the stages about to run reads (a compose given to cleanup,
 * regions given to import): they would otherwise do nothing without a word.
 */
export function warnOfUnreadInputs(settings: Settings, stages: readonly Stage[], log: Log): void {
  const unread = unreadInputs(settings.inputUse, settingsReadBy(stages));
  if (unread.length === 0) return;
  const what = stages.length === 1 ? `The ${stages[0]} stage does` : `The stages ${stages.join(', ')} do`;
  log.warning(
    `${what} not read ${unread.length === 1 ? 'input' : 'inputs'} ${unread.join(', ')}: ${unread.length === 1 ? 'it has' : 'they have'} no effect here.`,
    `fedimg ${stages.length === 1 ? stages[0] : 'run'}`,
  );
}
