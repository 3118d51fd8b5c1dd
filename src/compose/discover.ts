import { ComposeError } from '../errors.js';
import { fetchAllowed, fetchText } from '../http.js';
import { parseChecksumFile, type ChecksumEntry } from './checksum.js';
import { parseComposeId, parseComposeLabel, truncateForMessage, type ComposeId } from './compose-id.js';
import {
  checkUrl,
  fileNameOf,
  resolveComposeLocation,
  resolveImagePath,
  type HostPolicy,
} from './location.js';
import { plannedImageProblem } from './planned-image.js';
import { COMPOSE_STATUSES, PUBLISHABLE_STATUSES, type ComposeStatus } from './payload.js';
import { parseComposeInfo, parseImagesJson, type ComposeInfo } from './productmd.js';
import { EC2_ARCHITECTURES, selectImages, type SelectionCriteria } from './select.js';
import type { ComposePlan, PlannedImage } from './types.js';

const METADATA_LIMIT = 32 * 1024 * 1024;
const SMALL_LIMIT = 1024 * 1024;

export type DiscoveryRequest =
  | {
      kind: 'compose';
      location: string;
      /** From the dispatch payload or the compose-id input: cross-checked against the metadata. */
      composeId?: string | undefined;
      /** From the payload; when it is not publishable nothing is fetched at all. */
      status?: ComposeStatus | undefined;
      label?: string | undefined;
    }
  | { kind: 'image'; url: string; sha256?: string | undefined; composeId?: string | undefined };

export interface DiscoveryOptions {
  policy: HostPolicy;
  selection: SelectionCriteria;
}

export async function discover(request: DiscoveryRequest, options: DiscoveryOptions): Promise<ComposePlan> {
  return request.kind === 'compose' ? discoverCompose(request, options) : discoverImageUrl(request, options);
}

function skippedPlan(status: ComposeStatus, composeId: string, location: string): ComposePlan {
  return {
    source: 'compose',
    composeId,
    status,
    skipped: true,
    reason: `compose ${composeId || location} is ${status}; only FINISHED and FINISHED_INCOMPLETE composes are published, so there is nothing to do`,
    location,
    images: [],
    notes: [],
  };
}

async function discoverCompose(
  request: Extract<DiscoveryRequest, { kind: 'compose' }>,
  { policy, selection }: DiscoveryOptions,
): Promise<ComposePlan> {
  const location = resolveComposeLocation(request.location, policy);
  const requestedId = request.composeId ? parseComposeId(request.composeId).id : undefined;
  if (request.status && !PUBLISHABLE_STATUSES.includes(request.status)) {
    return skippedPlan(request.status, requestedId ?? '', location.root.href);
  }

  const notes: string[] = [];
  const statusText = await fetchText(new URL('STATUS', location.root), policy, {
    what: 'compose STATUS file',
    maxBytes: 1024,
    optional: request.status !== undefined,
  });
  let status: ComposeStatus;
  if (statusText === undefined) {
    status = request.status!;
    notes.push(`No STATUS file at ${location.root.href}; trusting the payload's status ${status}.`);
  } else {
    status = parseStatus(statusText, location.root);
  }
  if (!PUBLISHABLE_STATUSES.includes(status)) {
    return skippedPlan(status, requestedId ?? '', location.root.href);
  }

  const metadata = new URL('metadata/', location.composeDir);
  const [imagesText, composeInfoText] = await Promise.all([
    fetchText(new URL('images.json', metadata), policy, { what: 'images.json', maxBytes: METADATA_LIMIT }),
    fetchText(new URL('composeinfo.json', metadata), policy, {
      what: 'composeinfo.json',
      maxBytes: METADATA_LIMIT,
      optional: true,
    }),
  ]);
  const manifest = parseImagesJson(imagesText!, `images.json at ${metadata.href}`);
  let composeInfo: ComposeInfo | undefined;
  if (composeInfoText === undefined) {
    notes.push('No composeinfo.json; release details come from the compose ID.');
  } else {
    composeInfo = parseComposeInfo(composeInfoText, `composeinfo.json at ${metadata.href}`);
  }

  const compose = parseComposeId(manifest.compose.id);
  for (const [what, id] of [
    ['the requested compose ID', requestedId],
    ['composeinfo.json', composeInfo?.compose.id],
  ] as const) {
    if (id !== undefined && id !== compose.id) {
      throw new ComposeError(
        `images.json at ${metadata.href} describes ${compose.id}, but ${what} says ${truncateForMessage(id)}.`,
        { hint: 'The location does not hold the compose that was announced; check the payload.' },
      );
    }
  }
  const labelText = composeInfo?.compose.label ?? manifest.compose.label ?? request.label ?? undefined;
  const label = labelText ? parseComposeLabel(labelText).label : '';
  const release = composeInfo?.release.version ?? compose.version;

  const selected = selectImages(manifest.images, selection);
  const images = selected.map((image) => {
    const url = resolveImagePath(location.composeDir, image.path);
    return plannedImage(
      url,
      image.arch,
      image.size,
      image.sha256,
      compose,
      { release, label, subvariant: image.subvariant, variant: image.variant },
      policy,
    );
  });
  if (images.length === 0) {
    notes.push(
      `No ${selection.subvariants.join('/')} raw-xz image for ${selection.architectures.join('/')} in ${compose.id}.`,
    );
  }
  await crossCheckWithChecksums(images, policy, notes);
  return {
    source: 'compose',
    composeId: compose.id,
    status,
    skipped: false,
    reason: undefined,
    location: location.root.href,
    images,
    notes,
  };
}

function parseStatus(text: string, root: URL): ComposeStatus {
  const value = text.trim();
  if (!(COMPOSE_STATUSES as readonly string[]).includes(value)) {
    throw new ComposeError(
      `The STATUS file at ${root.href} says "${truncateForMessage(value)}", not a Pungi status.`,
      {
        hint: `Expected one of ${COMPOSE_STATUSES.join(', ')}; check the compose location.`,
      },
    );
  }
  return value as ComposeStatus;
}

function plannedImage(
  url: URL,
  arch: string,
  size: number,
  sha256: string,
  compose: ComposeId,
  extra: { release: string; label: string; subvariant: string; variant: string },
  policy: HostPolicy,
): PlannedImage {
  const file = fileNameOf(url, 'image file name');
  const image: PlannedImage = {
    name: file.replace(/\.raw\.xz$/, ''),
    file,
    arch,
    ec2_arch: EC2_ARCHITECTURES[arch]!,
    url: url.href,
    size,
    sha256,
    compose_id: compose.id,
    release: extra.release,
    subvariant: extra.subvariant,
    variant: extra.variant,
    compose_type: compose.type,
    compose_date: compose.date,
    compose_respin: compose.respin,
    label: extra.label,
  };
  const problem = plannedImageProblem(image, policy);
  if (problem) {
    throw new ComposeError(`The compose lists an image fedimg cannot publish, ${url.href}: ${problem}.`, {
      hint: 'Nothing was started. The compose metadata does not look like Fedora’s; ask release engineering.',
    });
  }
  return image;
}

/**
 * Cross-check images.json against the CHECKSUM files beside the images. A directory without a
 * listing or a CHECKSUM file only earns a note; a disagreement is an error, because one of the two is
 * wrong and the image must not be published until someone looks.
 */
async function crossCheckWithChecksums(
  images: PlannedImage[],
  policy: HostPolicy,
  notes: string[],
): Promise<void> {
  const byDirectory = new Map<string, PlannedImage[]>();
  for (const image of images) {
    const directory = new URL('./', image.url).href;
    byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), image]);
  }
  for (const [directory, members] of byDirectory) {
    const checksums = await checksumsForDirectory(new URL(directory), policy);
    if (!checksums) {
      notes.push(`No CHECKSUM file found in ${directory}; relying on images.json alone.`);
      continue;
    }
    for (const image of members) {
      const entry = checksums.get(image.file);
      if (!entry) {
        notes.push(`${image.file} is not listed in the CHECKSUM file of ${directory}.`);
        continue;
      }
      if (entry.sha256 !== image.sha256 || (entry.size !== undefined && entry.size !== image.size)) {
        throw new ComposeError(
          `images.json and the CHECKSUM file in ${directory} disagree about ${image.file} (sha256 ${image.sha256} vs ${entry.sha256}).`,
          {
            hint: 'One of them is wrong or the compose was modified; ask release engineering before publishing.',
          },
        );
      }
    }
  }
}

/** Finds `*CHECKSUM` files through the directory listing (Pungi names them after the compose). */
async function checksumsForDirectory(
  directory: URL,
  policy: HostPolicy,
): Promise<Map<string, ChecksumEntry> | undefined> {
  let listing: string | undefined;
  try {
    listing = await fetchText(directory, policy, {
      what: 'image directory listing',
      maxBytes: SMALL_LIMIT,
      optional: true,
    });
  } catch {
    return undefined;
  }
  if (!listing) return undefined;
  const names = new Set<string>();
  for (const match of listing.matchAll(/href="([A-Za-z0-9._+-]*CHECKSUM)"/g)) names.add(match[1]!);
  const merged = new Map<string, ChecksumEntry>();
  for (const name of names) {
    const text = await fetchText(new URL(name, directory), policy, {
      what: 'CHECKSUM file',
      maxBytes: SMALL_LIMIT,
      optional: true,
    });
    if (text === undefined) continue;
    for (const [file, entry] of parseChecksumFile(text, `${directory.href}${name}`)) merged.set(file, entry);
  }
  return merged.size > 0 ? merged : undefined;
}

// Fedora-Cloud-Base-AmazonEC2-43-1.6.x86_64.raw.xz, Fedora-Cloud-Base-Rawhide-20260226.n.0.aarch64.raw.xz
const IMAGE_FILE = /-(?<version>\d+|Rawhide)-(?<rel>[0-9][A-Za-z0-9.]*)\.(?<arch>x86_64|aarch64)\.raw\.xz$/;

async function discoverImageUrl(
  request: Extract<DiscoveryRequest, { kind: 'image' }>,
  { policy, selection }: DiscoveryOptions,
): Promise<ComposePlan> {
  const url = checkUrl(request.url, policy, 'image URL');
  const file = fileNameOf(url, 'image URL');
  if (!file.endsWith('.raw.xz')) {
    throw new ComposeError(`The image URL ${url.href} does not name a .raw.xz file.`, {
      hint: 'fedimg imports the raw.xz AWS image (Fedora-Cloud-Base-AmazonEC2-*.raw.xz).',
    });
  }
  const parsed = IMAGE_FILE.exec(file)?.groups;
  const arch =
    parsed?.arch ?? (selection.architectures.length === 1 ? selection.architectures[0] : undefined);
  if (!arch || !(arch in EC2_ARCHITECTURES)) {
    throw new ComposeError(`Cannot tell the architecture of ${file}.`, {
      hint: 'Set the architectures input to the one architecture of this image (x86_64 or aarch64).',
    });
  }
  const notes: string[] = [];
  let sha256 = request.sha256?.toLowerCase();
  let size: number | undefined;
  const checksums = await checksumsForDirectory(new URL('./', url), policy);
  const entry = checksums?.get(file);
  if (entry) {
    if (sha256 && sha256 !== entry.sha256) {
      throw new ComposeError(
        `The given sha256 of ${file} does not match the CHECKSUM file beside it (${entry.sha256}).`,
        {
          hint: 'Check which image you meant; nothing was started.',
        },
      );
    }
    sha256 = entry.sha256;
    size = entry.size;
  }
  if (!sha256) {
    throw new ComposeError(`No sha256 for ${url.href}: none was given and no CHECKSUM file lists it.`, {
      hint: 'Pass image-sha256 (the sha256 of the .raw.xz file).',
    });
  }
  size ??= await contentLength(url, policy);
  const composeId = request.composeId ? parseComposeId(request.composeId) : undefined;
  const version = parsed?.version ?? composeId?.version ?? '';
  const rel = parsed?.rel ?? '';
  const fromFile = /^(?<date>\d{8})(?:\.(?<type>n|t|ci|d))?\.(?<respin>\d+)$/.exec(rel)?.groups;
  const compose: ComposeId = composeId ?? {
    id: '',
    short: 'Fedora',
    version,
    releaseType: undefined,
    date: fromFile?.date ?? '',
    type: fromFile?.type
      ? ({ n: 'nightly', t: 'test', ci: 'ci', d: 'development' } as const)[fromFile.type as 'n']
      : 'production',
    respin: Number(fromFile?.respin ?? 0),
  };
  // A released image's name carries its label version (…-41-1.4): keep it so names can be rebuilt.
  const label = !fromFile && /^\d+\.\d+$/.test(rel) ? `RC-${rel}` : '';
  const image = plannedImage(
    url,
    arch,
    size,
    sha256,
    compose,
    { release: version, label, subvariant: selection.subvariants[0] ?? 'Cloud_Base', variant: 'Cloud' },
    policy,
  );
  return {
    source: 'image-url',
    composeId: compose.id,
    status: 'FINISHED',
    skipped: false,
    reason: undefined,
    location: undefined,
    images: [image],
    notes,
  };
}

async function contentLength(url: URL, policy: HostPolicy): Promise<number> {
  const { response } = await fetchAllowed(url, policy, {
    method: 'HEAD',
    signal: AbortSignal.timeout(60_000),
  });
  response.discard();
  const length = Number(response.headers.get('content-length'));
  if (!response.ok || !Number.isSafeInteger(length) || length <= 0) {
    throw new ComposeError(`Cannot learn the size of ${url.href} (HTTP ${response.status}).`, {
      hint: 'Check that the image URL is right and reachable.',
    });
  }
  return length;
}
