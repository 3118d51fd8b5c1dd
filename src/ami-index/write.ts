import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderIndexPage } from './page.js';
import type { AmiIndex } from './select.js';
import { redactValue } from '../report/redact.js';
import { writingToAsync } from '../util/written.js';

export interface WrittenIndex {
  dir: string;
  indexJson: string;
  indexHtml: string;
  /** latest/<release>/<arch>.json, one per release and architecture. */
  latest: string[];
}

/** index.json, latest/<release>/<arch>.json (the same entries, one file per pair) and index.html. */
export function writeIndex(dir: string, selected: AmiIndex): Promise<WrittenIndex> {
  return writingToAsync('index-dir', dir, () => writeFiles(dir, selected));
}

async function writeFiles(dir: string, selected: AmiIndex): Promise<WrittenIndex> {
  // Published on Pages: no account data in any string (an AMI's description is AWS text).
  const index = redactValue(selected);
  await mkdir(dir, { recursive: true });
  const indexJson = join(dir, 'index.json');
  await writeFile(indexJson, `${JSON.stringify(index, null, 2)}\n`);
  const pairs = new Map<string, { release: string; arch: string }>();
  for (const entry of index.images) pairs.set(`${entry.release}/${entry.arch}`, entry);
  const latest: string[] = [];
  for (const { release, arch } of pairs.values()) {
    const path = join(dir, 'latest', release, `${arch}.json`);
    await mkdir(join(dir, 'latest', release), { recursive: true });
    const images = index.images.filter((entry) => entry.release === release && entry.arch === arch);
    const document = {
      schema_version: index.schema_version,
      generated_at: index.generated_at,
      release,
      arch,
      images,
    };
    await writeFile(path, `${JSON.stringify(document, null, 2)}\n`);
    latest.push(path);
  }
  const indexHtml = join(dir, 'index.html');
  await writeFile(indexHtml, renderIndexPage(index));
  return { dir, indexJson, indexHtml, latest };
}
