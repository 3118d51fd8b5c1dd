import { AwsClients } from '../aws/clients.js';
import { publicFedimgAmis } from '../aws/images.js';
import { resolveRegions } from '../aws/regions.js';
import { currentAmis, type AmiIndex } from '../ami-index/select.js';
import { writeIndex, type WrittenIndex } from '../ami-index/write.js';
import type { Log } from '../log.js';
import type { Settings } from '../settings/index.js';
import type { Table } from '../report/table.js';
import { resolve } from 'node:path';
import { defineStage } from './descriptor.js';

export interface IndexResult {
  index: AmiIndex;
  /** Where the files went; absent when no index-dir was given (the CLI's `latest`). */
  written: WrittenIndex | undefined;
}

/** Reads fedimg's public AMIs in the given regions (all enabled ones by default), in parallel. */
export async function collectIndex(
  settings: Settings,
  log: Log,
  deps: { clients?: AwsClients; now?: () => Date } = {},
): Promise<AmiIndex> {
  const clients = deps.clients ?? new AwsClients({ concurrency: 4 });
  try {
    const { regions } = await resolveRegions(
      clients.ec2(settings.baseRegion),
      settings.copy.regions,
      '',
      log,
      'index',
    );
    const found = await Promise.all(
      regions.map(async (region) =>
        (await publicFedimgAmis(clients.ec2(region))).map((image) => ({ region, image })),
      ),
    );
    return currentAmis(found.flat(), regions, deps.now?.() ?? new Date());
  } finally {
    if (!deps.clients) clients.destroy();
  }
}

/**
 * The index stage: which AMI is current for every release stream, architecture, flavour and region,
 * read from AWS (not from artifacts), written as index.json, latest/<release>/<arch>.json and a web
 * page into index-dir.
 */
export async function runIndex(
  settings: Settings,
  log: Log,
  deps: { clients?: AwsClients; now?: () => Date } = {},
): Promise<IndexResult> {
  const index = await collectIndex(settings, log, deps);
  const written = settings.indexDir ? await writeIndex(settings.indexDir, index) : undefined;
  log.info(
    `Index: ${index.images.length} current AMI(s) in ${index.regions.length} region(s)${written ? `; page at ${written.indexHtml}` : ''}.`,
  );
  return { index, written };
}

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

export const indexStage = defineStage<IndexResult>({
  name: 'index',
  about: 'the current public AMIs, read from AWS, as JSON and a page',
  compose: 'ignored',
  reads: ['baseRegion', 'copy', 'indexDir'],
  inRun: false,
  run: runIndex,
  table: (result) => indexTable(result),
  outputs: ({ index, written }) => ({
    'index-count': String(index.images.length),
    ...(written ? { 'index-dir': resolve(written.dir), 'index-file': resolve(written.indexJson) } : {}),
  }),
});
