import { describe, expect, it } from 'vitest';
import { cleanupStage, cleanupTable, type CleanupAction } from '../../src/stages/cleanup.js';

const actions: CleanupAction[] = [
  {
    region: 'us-east-1',
    action: 'make-private',
    id: 'ami-1',
    reason: 'deprecated since 2026-01-01',
    done: true,
  },
  { region: 'eu-west-1', action: 'delete-snapshot', id: 'snap-2', reason: 'unused for 30 h', done: false },
];

describe('what cleanup reports', () => {
  it('lists each action in the job summary, and says when a dry run changed nothing', () => {
    expect(cleanupTable(actions, false)).toEqual({
      title: 'fedimg cleanup',
      header: ['Region', 'Action', 'Resource', 'Reason', 'Done'],
      rows: [
        ['us-east-1', 'make-private', 'ami-1', 'deprecated since 2026-01-01', 'yes'],
        ['eu-west-1', 'delete-snapshot', 'snap-2', 'unused for 30 h', 'no'],
      ],
      note: undefined,
    });
    expect(cleanupTable([], true)).toMatchObject({
      title: 'fedimg cleanup (dry run: nothing was changed)',
      rows: [],
      note: 'Nothing to clean up.',
    });
  });

  it('hands the actions on as the cleanup output, as JSON', () => {
    expect(cleanupStage.outputs(actions, undefined as never)).toEqual({ cleanup: JSON.stringify(actions) });
  });
});
