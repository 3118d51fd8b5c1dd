import { AwsClients } from '../aws/clients.js';
import { publicFedimgAmis } from '../aws/images.js';
import { resolveRegions } from '../aws/regions.js';
import { currentAmis, type AmiIndex } from '../ami-index/select.js';
import { writeIndex, type WrittenIndex } from '../ami-index/write.js';
import type { Log } from '../log.js';
import type { Settings } from '../settings/index.js';

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
  const clients =
    deps.clients ?? new AwsClients({ concurrency: 4, blockTimeoutMs: settings.upload.blockTimeoutMs });
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
