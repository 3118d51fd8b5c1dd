import { parseComposeId } from './compose/compose-id.js';
import type { DiscoveryRequest } from './compose/discover.js';
import { DEFAULT_ALLOWED_HOSTS, parseAllowedHosts, type HostPolicy } from './compose/location.js';
import { COMPOSE_STATUSES, parseComposePayload, type ComposeStatus } from './compose/payload.js';
import { EC2_ARCHITECTURES, type SelectionCriteria } from './compose/select.js';
import { InputError } from './errors.js';
import type { DecoderPreference } from './image/decompress.js';

/**
 * Every input of the action, by its action.yml name. The CLI takes the same names as --options, so
 * this list is the contract for both (a test checks it against action.yml).
 */
export const INPUT_NAMES = [
  'stage',
  'compose-payload',
  'compose-location',
  'compose-id',
  'compose-status',
  'compose-base-url',
  'image-url',
  'image-sha256',
  'allowed-hosts',
  'allow-http',
  'subvariants',
  'architectures',
  'decoder',
] as const;

export type InputName = (typeof INPUT_NAMES)[number];
export type InputReader = (name: InputName) => string;

export const STAGES = ['plan'] as const;
export type Stage = (typeof STAGES)[number];

export interface Settings {
  stage: Stage;
  request: DiscoveryRequest;
  policy: HostPolicy;
  selection: SelectionCriteria;
  decoder: DecoderPreference;
}

export const DEFAULTS = {
  'compose-base-url': 'https://kojipkgs.fedoraproject.org/compose',
  'allowed-hosts': DEFAULT_ALLOWED_HOSTS.join(','),
  'allow-http': 'false',
  subvariants: 'Cloud_Base',
  architectures: 'x86_64,aarch64',
  decoder: 'auto',
} as const satisfies Partial<Record<InputName, string>>;

function list(value: string): string[] {
  return value
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

export function parseBoolean(name: string, value: string): boolean {
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0|)$/i.test(value)) return false;
  throw new InputError(`Input ${name} must be true or false, not "${value}".`);
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(`Input ${name} is "${value}"; expected one of ${allowed.join(', ')}.`);
}

function architectures(value: string): string[] {
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

function discoveryRequest(read: InputReader): DiscoveryRequest {
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
        read('compose-base-url').trim() || DEFAULTS['compose-base-url'],
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

/** Parse and validate every input once; the rest of the code only sees the typed result. */
export function parseSettings(raw: InputReader): Settings {
  const read: InputReader = (name) => {
    const value = raw(name);
    return value === '' && name in DEFAULTS ? DEFAULTS[name as keyof typeof DEFAULTS] : value;
  };
  const allowHttp = parseBoolean('allow-http', read('allow-http'));
  const policy: HostPolicy = { allowedHosts: parseAllowedHosts(read('allowed-hosts')), allowHttp };
  const subvariants = list(read('subvariants'));
  if (
    subvariants.some((subvariant) => !/^[A-Za-z0-9_]{1,64}$/.test(subvariant)) ||
    subvariants.length === 0
  ) {
    throw new InputError(
      `Input subvariants "${read('subvariants')}" is not a list of productmd subvariants.`,
      {
        hint: 'Use names such as Cloud_Base, separated by commas.',
      },
    );
  }
  return {
    stage: oneOf('stage', read('stage').trim() || 'plan', STAGES),
    request: discoveryRequest(read),
    policy,
    selection: { subvariants, architectures: architectures(read('architectures')) },
    decoder: oneOf<DecoderPreference>('decoder', read('decoder'), ['auto', 'system', 'npm']),
  };
}
