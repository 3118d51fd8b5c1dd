import { stageName, STAGES_LEAVING_PENDING } from '../settings/stage-names.js';

export const NOTHING_LEFT = 'fedimg post: nothing was left unfinished.';

/**
 * What the post step can tell before loading anything: that it has nothing to do (and the line that
 * says why), or that the main step's state must be read. Nothing to do is the common case: a stage
 * that leaves nothing unfinished, or a main step that finished everything it started (its state is
 * then the empty list, or absent if it never started anything). The stage name printed is one of
 * fedimg's own, never the input's text.
 */
export function triagePost(stageInput: string, pendingState: string): { nothingToDo: string } | 'read-state' {
  const stage = stageName(stageInput || 'plan');
  if (!stage || !STAGES_LEAVING_PENDING.includes(stage))
    return { nothingToDo: `fedimg post: the ${stage ?? 'given'} stage leaves nothing unfinished.` };
  if (pendingState === '' || pendingState === '[]') return { nothingToDo: NOTHING_LEFT };
  return 'read-state';
}
