import type { MarketplaceResult } from '../stages/marketplace.js';
import type { Table } from './table.js';

export function marketplaceTable(result: MarketplaceResult): Table {
  const submitted = result.rows.some((row) => row.state === 'submitted');
  return {
    title: 'fedimg marketplace',
    header: ['Arch', 'Product', 'AMI', 'Version', 'Change set', 'State'],
    rows: result.rows.map((row) => [
      row.arch,
      row.product || '-',
      row.amiId || '-',
      row.version || '-',
      row.changeSet || '-',
      row.note ? `${row.state}: ${row.note}` : row.state,
    ]),
    note: result.skipped
      ? 'Nothing to do: no product configured, or the compose is not finished.'
      : submitted
        ? 'AWS Marketplace scans a new version before it is added, which can take hours: a submitted version is reported, and the earlier ones restricted when asked, by a re-run of this job or by the daily lifecycle workflow.'
        : undefined,
  };
}
