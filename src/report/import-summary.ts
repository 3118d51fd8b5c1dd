import type { ImportResult } from '../stages/import.js';
import type { Table } from './table.js';

export function importTable(result: ImportResult, region: string): Table {
  return {
    title: `fedimg import — ${result.composeId || 'direct image'} into ${region}`,
    header: ['Image', 'Flavour', 'AMI', 'Name', 'Snapshot', 'Region', 'Status'],
    rows: result.imported.flatMap((entry) =>
      entry.amis.map((ami) => [
        entry.image.file,
        ami.flavour,
        ami.imageId,
        ami.name,
        ami.snapshotId,
        ami.region,
        ami.reused ? 'existing' : 'registered',
      ]),
    ),
    note: result.skipped ? `Nothing to do: ${result.reason}.` : undefined,
  };
}
