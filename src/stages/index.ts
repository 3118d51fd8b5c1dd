import type { Stage } from '../settings/index.js';
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

/** The descriptor of a stage named by untrusted text (the post step's input), if it is one. */
export function stageNamed(name: string): StageDescriptor<unknown> | undefined {
  return STAGE_LIST.find((stage) => stage.name === name);
}
