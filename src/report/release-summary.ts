import type { ReleaseResult } from '../stages/release.js';
import type { Table } from './table.js';

/** The release and every AMI it lists, one row per image, flavour and region. */
export function releaseTable(result: ReleaseResult): Table {
  const rows = result.manifest.images.flatMap((image) =>
    Object.entries(image.flavours).flatMap(([flavour, detail]) =>
      Object.entries(detail.regions).map(([region, entry]) => [detail.name, flavour, region, entry.ami]),
    ),
  );
  return {
    title: `fedimg release — ${result.tag} (${result.created ? 'created' : 'updated'})`,
    header: ['Name', 'Flavour', 'Region', 'AMI'],
    rows,
    note: `${result.url}; assets: ${result.assets.join(', ') || 'none'}`,
  };
}
