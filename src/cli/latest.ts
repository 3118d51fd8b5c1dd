import * as z from 'zod';
import { INDEX_SCHEMA_VERSION, PLAIN, type AmiIndex, type IndexEntry } from '../ami-index/select.js';
import { WRITTEN_ONLY_WHEN_GIVEN } from './help.js';
import { checkUrl } from '../net/host-policy.js';
import { InputError } from '../errors.js';
import { fetchText } from '../net/http.js';
import type { Log } from '../log.js';
import {
  architectures,
  parseSettings,
  REGION_NAME,
  type InputName,
  type InputReader,
} from '../settings/index.js';
import { collectIndex } from '../stages/ami-index.js';

/**
 * `fedimg latest --release 41 --arch x86_64 --region eu-west-1`: the current AMI ID, read from AWS
 * (that one region) or from a published index (`--index-url`), for scripts.
 */

export interface LatestQuery {
  release: string;
  arch: string;
  region: string;
  flavour: string | undefined;
  indexUrl: string | undefined;
}

const MAX_INDEX_BYTES = 16 * 2 ** 20;
const MAX_INDEX_NESTING = 8;

/** How deep a JSON text's arrays and objects nest (brackets inside strings do not count). */
export function nesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '[' || char === '{') deepest = Math.max(deepest, ++depth);
    else if (char === ']' || char === '}') depth--;
    if (deepest > MAX_INDEX_NESTING) return deepest;
  }
  return deepest;
}

/**
 * The query with its architecture under Fedora's name (arm64 is aarch64, as the architectures input
 * takes it); a query no index can answer is refused before anything is asked of AWS or a server.
 */
export function checkedQuery(query: LatestQuery): LatestQuery {
  let arches: string[] = [];
  try {
    arches = architectures(query.arch.toLowerCase());
  } catch {
    // Refused below, under the option's name.
  }
  const [arch] = arches;
  if (arch === undefined || arches.length !== 1)
    throw new InputError(`--arch ${query.arch} is not an architecture fedimg publishes.`, {
      hint: 'Give x86_64 or aarch64.',
    });
  if (!PLAIN.test(query.release))
    throw new InputError(`--release ${query.release} is not a release fedimg lists.`, {
      hint: 'Give a release number, Rawhide or ELN.',
    });
  if (!REGION_NAME.test(query.region))
    throw new InputError(`--region ${query.region} is not a region name.`, {
      hint: 'Give one such as eu-west-1.',
    });
  return { ...query, arch };
}

// A published index is untrusted until it parses: the same shape fedimg writes, nothing else.
const plain = z.string().regex(PLAIN);
const entrySchema = z.object({
  release: plain,
  arch: plain,
  flavour: plain,
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  ami_id: z.string().regex(/^ami-[0-9a-f]{8,17}$/),
  name: z.string().max(128),
  compose_id: z.string().max(100),
  created: z.string(),
  deprecation_time: z.string().nullable(),
  volume_type: z.string().nullable(),
  boot_mode: z.string().nullable(),
  // Only a link into the AWS console: the entry is shown to people and scripts open it.
  launch_url: z
    .string()
    .max(512)
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' && /^([a-z0-9-]+\.)?console\.aws\.amazon\.com$/.test(url.hostname);
      } catch {
        return false;
      }
    }),
});
const indexSchema = z.object({
  schema_version: z.literal(INDEX_SCHEMA_VERSION),
  generated_at: z.string(),
  regions: z.array(z.string()),
  images: z.array(entrySchema),
});

async function publishedIndex(url: string, allowHttp: boolean): Promise<AmiIndex> {
  const parsed = checkUrl(url, { allowedHosts: [new URL(url).host], allowHttp }, '--index-url');
  const text = await fetchText(
    parsed,
    { allowedHosts: [parsed.host], allowHttp },
    {
      what: 'index',
      maxBytes: MAX_INDEX_BYTES,
      host: 'the host of --index-url',
      whenMissing: 'Point --index-url at the index.json fedimg publishes.',
    },
  );
  let data: unknown;
  try {
    // fedimg's index nests four deep; JSON.parse on deeply nested input costs memory out of all
    // proportion to its size (15 MiB of "[" took 840 MB), so depth is checked before parsing.
    if (nesting(text ?? '') > MAX_INDEX_NESTING) throw new Error('nested too deeply');
    data = JSON.parse(text ?? '');
  } catch {
    throw new InputError(`${parsed.href} is not JSON.`, {
      hint: 'Point --index-url at the index.json fedimg publishes.',
    });
  }
  const result = indexSchema.safeParse(data);
  if (!result.success) {
    throw new InputError(`${parsed.href} is not a fedimg index (schema version ${INDEX_SCHEMA_VERSION}).`, {
      hint: 'Point --index-url at the index.json fedimg publishes, or leave it out to read AWS.',
    });
  }
  return result.data;
}

/** The entry the query names; an error that lists what exists when it names nothing or several. */
export function pickLatest(
  index: AmiIndex,
  query: LatestQuery,
  defaultFlavour: string | undefined,
): IndexEntry {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const candidates = index.images.filter(
    (entry) =>
      same(entry.release, query.release) && same(entry.arch, query.arch) && entry.region === query.region,
  );
  if (candidates.length === 0) {
    const releases = [
      ...new Set(
        index.images.filter((entry) => entry.region === query.region).map((e) => `${e.release}/${e.arch}`),
      ),
    ];
    throw new InputError(`No current AMI of Fedora ${query.release} ${query.arch} in ${query.region}.`, {
      hint:
        releases.length > 0
          ? `${query.region} has: ${releases.join(', ')}.`
          : `No public fedimg AMI is listed in ${query.region}.`,
    });
  }
  const wanted = query.flavour ?? defaultFlavour;
  const byFlavour = candidates.find((entry) => wanted !== undefined && entry.flavour === wanted);
  if (byFlavour) return byFlavour;
  if (candidates.length === 1 && query.flavour === undefined) return candidates[0]!;
  throw new InputError(
    `Fedora ${query.release} ${query.arch} in ${query.region} has no flavour ${wanted ?? '(none given)'}.`,
    { hint: `Pass --flavour with one of: ${candidates.map((entry) => entry.flavour).join(', ')}.` },
  );
}

export async function latest(query: LatestQuery, read: InputReader, log: Log): Promise<IndexEntry> {
  const checked = checkedQuery(query);
  const settings = parseSettings(
    (name: InputName) => (name === 'stage' ? 'index' : name === 'regions' ? checked.region : read(name)),
    // As every CLI stage: files only where asked.
    WRITTEN_ONLY_WHEN_GIVEN,
  );
  const index = checked.indexUrl
    ? await publishedIndex(checked.indexUrl, settings.policy.allowHttp)
    : await collectIndex(settings, log);
  return pickLatest(index, checked, settings.flavours[0]?.name);
}
