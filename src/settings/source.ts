import { parseComposeId } from '../compose/compose-id.js';
import type { DiscoveryRequest } from '../compose/types.js';
import { COMPOSE_STATUSES, parseComposePayload, type ComposeStatus } from '../compose/payload.js';
import { EC2_ARCHITECTURES } from '../compose/select.js';
import { InputError } from '../errors.js';
import { INPUTS, list, oneOf, type InputReader } from './inputs.js';

/** Where the images come from: compose discovery requests and the architecture choice. */

export function architectures(value: string): string[] {
  const aliases: Record<string, string> = { arm64: 'aarch64', amd64: 'x86_64' };
  const arches = list(value).map((arch) => aliases[arch] ?? arch);
  for (const arch of arches) {
    if (!(arch in EC2_ARCHITECTURES)) {
      throw new InputError(`Architecture "${arch}" has no EC2 equivalent.`, {
        hint: `Use ${Object.keys(EC2_ARCHITECTURES).join(' and/or ')}.`,
      });
    }
  }
  if (arches.length === 0)
    throw new InputError('Input architectures is empty.', { hint: 'Use x86_64,aarch64.' });
  return [...new Set(arches)];
}

/**
 * Where a compose lives on kojipkgs, from its ID alone (for a maintainer who only knows the ID):
 * rawhide/, branched/ for nightlies of a numbered release, cloud/ for cloud composes, else <version>/.
 */
export function composeLocationFromId(id: string, baseUrl: string): string {
  const compose = parseComposeId(id);
  const base = baseUrl.replace(/\/+$/, '');
  let directory: string;
  if (compose.version === 'Rawhide') directory = 'rawhide';
  else if (compose.short === 'Fedora-Cloud') directory = 'cloud';
  else if (compose.type === 'nightly') directory = 'branched';
  else directory = compose.version;
  return `${base}/${directory}/${compose.id}/compose`;
}

/** Whether any input names a compose or an image (the marketplace stage observes without one). */
export const namesACompose = (read: InputReader) =>
  (['compose-payload', 'compose-location', 'compose-id', 'image-url'] as const).some(
    (name) => read(name).trim() !== '',
  );

export function discoveryRequest(read: InputReader): DiscoveryRequest {
  const payloadText = read('compose-payload').trim();
  const location = read('compose-location').trim();
  const composeId = read('compose-id').trim() || undefined;
  const statusText = read('compose-status').trim();
  const imageUrl = read('image-url').trim();
  const status = statusText
    ? oneOf<ComposeStatus>('compose-status', statusText, COMPOSE_STATUSES)
    : undefined;

  const given = [payloadText && 'compose-payload', imageUrl && 'image-url'].filter(Boolean);
  if (given.length > 1) {
    throw new InputError(`Inputs ${given.join(' and ')} were both given.`, {
      hint: 'Start a run from a compose payload, a compose location/ID, or one image URL: exactly one.',
    });
  }
  if (payloadText) {
    const payload = parseComposePayload(payloadText);
    if (location && location !== payload.location) {
      throw new InputError('compose-location differs from the location in compose-payload.', {
        hint: 'Give one or the other.',
      });
    }
    return {
      kind: 'compose',
      location: payload.location,
      composeId: payload.compose_id,
      status: payload.status,
      label: payload.compose_label ?? undefined,
    };
  }
  if (imageUrl) {
    if (location)
      throw new InputError('Inputs image-url and compose-location were both given.', { hint: 'Give one.' });
    const sha256 = read('image-sha256').trim().toLowerCase() || undefined;
    if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new InputError('image-sha256 must be 64 hexadecimal characters.');
    }
    return { kind: 'image', url: imageUrl, sha256, composeId };
  }
  if (location) return { kind: 'compose', location, composeId, status };
  if (composeId) {
    return {
      kind: 'compose',
      location: composeLocationFromId(
        composeId,
        read('compose-base-url').trim() || INPUTS['compose-base-url'].default,
      ),
      composeId,
      status,
    };
  }
  throw new InputError(
    'Nothing to publish: no compose-payload, compose-location, compose-id or image-url was given.',
    {
      hint: 'Pass the compose-status message as compose-payload, or a compose location/ID, or an image URL with its sha256.',
    },
  );
}
