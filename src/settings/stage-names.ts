/**
 * The stages by name, apart from their descriptors: the action's post step decides from these alone
 * whether it has anything to do, without loading the stages (and with them the SDK clients).
 */
export const STAGES = [
  'plan',
  'import',
  'boot-test',
  'copy',
  'publish',
  'verify',
  'release',
  'cleanup',
  'index',
  'marketplace',
  'doctor',
] as const;
export type Stage = (typeof STAGES)[number];

/** The stages whose main step records what it has not finished, for the post step to remove. */
export const STAGES_LEAVING_PENDING: readonly Stage[] = ['import', 'boot-test'];

/** The stage a name from outside (the post step's input) is, if it is one. */
export function stageName(name: string): Stage | undefined {
  return STAGES.find((stage) => stage === name);
}
