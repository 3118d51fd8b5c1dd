import type { MarketplaceResult } from '../stages/marketplace.js';
import type { Table } from './table.js';

export function marketplaceTable(result: MarketplaceResult): Table {
  return {
    title: 'fedimg marketplace',
    header: ['Arch', 'Product', 'AMI', 'Version', 'Change set', 'State'],
    rows: result.rows.map((row) => [
      row.arch,
      row.product || '-',
      row.amiId || '-',
      row.version || '-',
      row.changeSet || '-',
      row.state === 'skipped' ? `skipped: ${row.note}` : row.state,
    ]),
    note: result.skipped
      ? 'Nothing to do: no product configured, or the compose is not finished.'
      : undefined,
  };
}
