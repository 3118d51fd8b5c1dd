import type { CopyResult } from '../stages/copy.js';
import type { Table } from './table.js';

export function copyTable(result: CopyResult, baseRegion: string): Table {
  const notes: string[] = [];
  if (result.skipped) notes.push(`Nothing to do: ${result.reason}.`);
  if (result.notEnabled.length > 0)
    notes.push(`Not enabled for the account, skipped: ${result.notEnabled.join(', ')}.`);
  for (const failure of result.failures)
    notes.push(`${failure.bestEffort ? 'Best-effort region, ignored' : 'FAILED'}: ${failure.error}`);
  return {
    title: `fedimg copy — ${result.composeId || 'direct image'} from ${baseRegion}`,
    header: ['Region', 'Image', 'Flavour', 'AMI', 'Source AMI', 'Status'],
    rows: [...result.copies]
      .sort((a, b) => a.region.localeCompare(b.region) || a.source.name.localeCompare(b.source.name))
      .map((copy) => [
        copy.region,
        copy.source.image.file,
        copy.source.flavour,
        copy.imageId,
        copy.source.imageId,
        copy.reused ? 'existing' : 'copied',
      ]),
    note: notes.length > 0 ? notes.join('\n') : undefined,
  };
}

/** region → image name → flavour → AMI, the `copies` output. */
export function copiesOutput(result: CopyResult): Record<string, Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, Record<string, string>>> = {};
  for (const copy of result.copies) {
    ((out[copy.region] ??= {})[copy.source.image.name] ??= {})[copy.source.flavour] = copy.imageId;
  }
  return out;
}
