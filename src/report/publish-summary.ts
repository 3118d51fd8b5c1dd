import type { PublishResult } from '../stages/publish.js';
import type { VerifyResult } from '../stages/verify.js';
import type { Table } from './table.js';

export function publishTable(result: PublishResult): Table {
  const notes = [
    result.skipped ? `Nothing to do: ${result.reason}.` : '',
    result.skippedRegions.length ? `Best-effort regions skipped: ${result.skippedRegions.join(', ')}.` : '',
  ].filter(Boolean);
  return {
    title: `fedimg publish — ${result.composeId || 'direct image'}`,
    header: ['Region', 'AMI', 'Name', 'Public', 'Deprecated at'],
    rows: [...result.published]
      .sort((a, b) => a.region.localeCompare(b.region) || a.ami.name.localeCompare(b.ami.name))
      .map((entry) => [
        entry.region,
        entry.imageId,
        entry.ami.name,
        entry.public ? 'yes' : 'no',
        entry.deprecateAt ?? '',
      ]),
    note: notes.length ? notes.join('\n') : undefined,
  };
}

export function verifyTable(result: VerifyResult): Table {
  return {
    title: `fedimg verify — ${result.composeId || 'direct image'}`,
    header: ['Region', 'Name', 'Flavour', 'AMI', 'State', 'Public', 'Gaps'],
    rows: result.rows.map((row) => [
      row.region,
      row.name,
      row.flavour,
      row.imageId || '-',
      row.state,
      row.public,
      row.gaps.join('; '),
    ]),
    note: result.gaps.length ? `${result.gaps.length} gap(s).` : undefined,
  };
}
