import type { CleanupAction } from '../stages/cleanup.js';
import type { Table } from './table.js';

export function cleanupTable(actions: CleanupAction[], dryRun: boolean): Table {
  return {
    title: `fedimg cleanup${dryRun ? ' (dry run: nothing was changed)' : ''}`,
    header: ['Region', 'Action', 'Resource', 'Reason', 'Done'],
    rows: actions.map((action) => [
      action.region,
      action.action,
      action.id,
      action.reason,
      action.done ? 'yes' : 'no',
    ]),
    note: actions.length === 0 ? 'Nothing to clean up.' : undefined,
  };
}
