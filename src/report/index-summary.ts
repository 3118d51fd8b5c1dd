import type { IndexResult } from '../stages/ami-index.js';
import type { Table } from './table.js';

/** One row per release × arch × flavour: in how many regions it is current, and the newest compose. */
export function indexTable({ index, written }: IndexResult): Table {
  const groups = new Map<string, { regions: number; composes: Set<string> }>();
  for (const entry of index.images) {
    const key = `${entry.release}\u0000${entry.arch}\u0000${entry.flavour}`;
    const group = groups.get(key) ?? { regions: 0, composes: new Set<string>() };
    group.regions++;
    group.composes.add(entry.compose_id);
    groups.set(key, group);
  }
  return {
    title: 'fedimg index: the current AMIs',
    header: ['Release', 'Arch', 'Flavour', 'Regions', 'Compose(s)'],
    rows: [...groups].map(([key, group]) => [
      ...key.split('\u0000'),
      `${group.regions} of ${index.regions.length}`,
      [...group.composes].join(', '),
    ]),
    note:
      index.images.length === 0
        ? 'No public fedimg AMIs were found.'
        : written
          ? `Written to ${written.dir} (index.json, index.html, latest/).`
          : undefined,
  };
}
