import { ComposeError } from '../errors.js';
import { fetchText } from '../net/http.js';
import { crossCheckWithChecksums } from './checksums-beside.js';
import { rawhideReleaseNumber } from './rawhide-release.js';
import { parseComposeId, parseComposeLabel } from './compose-id.js';
import { truncateForMessage } from '../util/text.js';
import { discoverImageUrl } from './image-url.js';
import { resolveComposeLocation, resolveImagePath } from './location.js';
import { plannedImage } from './planned-image.js';
import { COMPOSE_STATUSES, PUBLISHABLE_STATUSES, type ComposeStatus } from './payload.js';
import { parseComposeInfo, parseImagesJson, type ComposeInfo } from './productmd.js';
import { selectImages } from './select.js';
import type { ComposePlan, DiscoveryOptions, DiscoveryRequest } from './types.js';

const METADATA_LIMIT = 32 * 1024 * 1024;

/** Plans from a compose's metadata, or from one image URL. */
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
  // Fedora's message needs Rawhide's number, which only the compose's package list carries.
  let releaseNumber: number | undefined;
  if (/^rawhide$/i.test(release) && selected.length > 0) {
    const found = await rawhideReleaseNumber(metadata, policy);
    if ('release' in found) releaseNumber = found.release;
    else
      notes.push(
        `Rawhide's release number is unknown: ${found.missing}; Fedora's published message will not be sent.`,
      );
  }
  const images = selected.map((image) => {
    const url = resolveImagePath(location.composeDir, image.path);
    return plannedImage(
      url,
      image.arch,
      image.size,
      image.sha256,
      compose,
      { release, releaseNumber, label, subvariant: image.subvariant, variant: image.variant },
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
