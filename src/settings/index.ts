import { join } from 'node:path';
import type { DiscoveryRequest } from '../compose/types.js';
import { parseAllowedHosts, type HostPolicy } from '../net/host-policy.js';
import { parsePlannedImage, parsePlannedImages } from '../compose/planned-image.js';
import type { SelectionCriteria } from '../compose/select.js';
import type { PlannedImage } from '../compose/types.js';
import { InputError } from '../errors.js';
import { STAGES, type Stage } from './stage-names.js';
import type { DecoderPreference } from '../image/decompress.js';
import type { Flavour } from './flavours.js';
import { doctorSettings, type DoctorSettings } from './doctor.js';
import { InputTracker, unwatched, watchedSettings, type InputUse } from './input-use.js';
import { marketplaceSettings, type MarketplaceSettings } from './marketplace.js';
import {
  DEFAULTS,
  integer,
  list,
  oneOf,
  parseBoolean,
  REGION_NAME,
  type InputName,
  type InputReader,
} from './inputs.js';
import { architectures, discoveryRequest, namesACompose } from './source.js';
import {
  bootTestSettings,
  copySettings,
  flavourSettings,
  notifySettings,
  publishSettings,
  uploadSettings,
  type BootTestSettings,
  type CleanupSettings,
  type CopySettings,
  type NotifySettings,
  type PublishSettings,
  type ReleaseSettings,
  type UploadSettings,
} from './stages.js';

export * from './flavours.js';
export * from './inputs.js';
export type { MarketplaceSettings } from './marketplace.js';
export { DOCTOR_STAGES, type DoctorSettings, type DoctorStage } from './doctor.js';
export * from './stages.js';
export { architectures, composeLocationFromId } from './source.js';
export { takeStageReads, unreadInputs, unwatched, withParts, type InputUse } from './input-use.js';

export { STAGES, type Stage };

/** Where a stage's images come from: compose discovery, or one matrix entry from the plan. */
export type ImageInput =
  | { kind: 'discover'; request: DiscoveryRequest }
  /** The plan's images, handed down: the image input (one matrix entry) or images (all of them). */
  | { kind: 'planned'; images: PlannedImage[] }
  | { kind: 'none' };

export interface Settings {
  stage: Stage;
  images: ImageInput;
  policy: HostPolicy;
  selection: SelectionCriteria;
  decoder: DecoderPreference;
  baseRegion: string;
  upload: UploadSettings;
  flavours: Flavour[];
  nameTemplate: string;
  /** NDJSON file the stages append their events to (none: events are only logged and POSTed). */
  eventsFile: string | undefined;
  /** Which flavours are booted (empty: the default flavour only). */
  bootTest: BootTestSettings & { flavours: string[] };
  copy: CopySettings & { regions: string[]; bestEffortRegions: string[] };
  publish: PublishSettings;
  /** verify writes the compose's manifest here (none: not written). */
  manifestFile: string | undefined;
  /** index: where the index files go (unset in the CLI unless --index-dir/--out is given). */
  indexDir: string | undefined;
  marketplace: MarketplaceSettings;
  doctor: DoctorSettings;
  /** Events are also POSTed here as JSON, signed with HMAC-SHA256 when a secret is set. */
  notify: NotifySettings;
  cleanup: CleanupSettings;
  release: ReleaseSettings;
  /** Which inputs were given and what each went into (not a stage's to read: the front ends'). */
  inputUse: InputUse;
}

/** A top-level part of the settings, as stage descriptors list what they read. */
export type SettingsKey = Exclude<keyof Settings, 'inputUse'>;

/**
 * The plan's images when a caller hands them down (image: one matrix entry; images: the plan's
 * whole output): the stage then reads no compose metadata. Given with a compose, which one would
 * win is a guess, so that is refused.
 */
function plannedInput(read: InputReader, policy: HostPolicy): ImageInput | undefined {
  const one = read('image');
  const all = read('images');
  if (!one && !all) return undefined;
  if (one && all) throw new InputError('Inputs image and images were both given.', { hint: 'Give one.' });
  if (namesACompose(read))
    throw new InputError(
      `Input ${one ? 'image' : 'images'} was given with a compose (compose-payload, compose-location, compose-id or image-url).`,
      { hint: "A stage after the plan takes the plan's images only: drop the compose inputs." },
    );
  return {
    kind: 'planned',
    images: one ? [parsePlannedImage(one, policy)] : parsePlannedImages(all, policy),
  };
}

/** The base region: the input, else the SDK's configured region (as the credentials action sets it). */
export function baseRegion(value: string, env: NodeJS.ProcessEnv = process.env): string {
  const region = value || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  if (!REGION_NAME.test(region)) {
    throw new InputError(`"${region}" is not an AWS region name.`, { hint: 'Use a name such as us-east-1.' });
  }
  return region;
}

/**
 * Values that must never appear in a log: the webhook secret, credentials a notify-url carries in
 * its query string, the GitHub token. The action registers them with the runner before any stage
 * prints anything.
 */
export function secretsOf(watched: Settings): string[] {
  const settings = unwatched(watched); // the front end's read, not the stage's
  const secrets = [settings.notify.secret, settings.release.token];
  if (settings.notify.url) secrets.push(...new URL(settings.notify.url).searchParams.values());
  return secrets.filter((value): value is string => Boolean(value));
}

const hostPolicy = (read: InputReader): HostPolicy => ({
  allowedHosts: parseAllowedHosts(read('allowed-hosts')),
  allowHttp: parseBoolean('allow-http', read('allow-http')),
});

function selection(read: InputReader): SelectionCriteria {
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
  return { subvariants, architectures: architectures(read('architectures')) };
}

/**
 * Parse and validate every input once; the rest of the code only sees the typed result. `noDefault`
 * names inputs that stay unset when not given (the CLI writes files only where it is asked to).
 * Which input went into which part is recorded on the way (`inputUse`), and the stages' reads are
 * watched (input-use.ts).
 */
export function parseSettings(rawInput: InputReader, noDefault: InputName[] = []): Settings {
  const explicit: InputReader = (name) => rawInput(name).trim();
  const read: InputReader = (name) => {
    const value = explicit(name);
    return value === '' && !noDefault.includes(name) ? (DEFAULTS[name] ?? '') : value;
  };
  const track = new InputTracker(read, explicit);
  const file = (name: 'events-file' | 'manifest-file', from: InputReader) => from(name) || undefined;
  const { policy } = track.part((r) => ({ policy: hostPolicy(r) }));
  const parts = {
    ...track.part((r) => ({ stage: oneOf('stage', r('stage') || 'plan', STAGES) })),
    // Which stages need a compose, may take one or ignore it is each stage's descriptor's to say.
    ...track.part(
      (r) => ({
        images:
          plannedInput(r, policy) ??
          (namesACompose(r) ? { kind: 'discover', request: discoveryRequest(r) } : { kind: 'none' }),
      }),
      ['policy'],
    ),
    policy,
    ...track.part((r) => ({ selection: selection(r) })),
    ...track.part((r) => ({
      decoder: oneOf<DecoderPreference>('decoder', r('decoder'), ['auto', 'system', 'npm']),
    })),
    ...track.part((r) => ({ baseRegion: baseRegion(r('base-region')) })),
    ...track.part((r) => ({ upload: uploadSettings(r) })),
    ...track.part((r, e) => flavourSettings(r, e)),
    ...track.part((r) => ({ eventsFile: file('events-file', r) })),
    ...track.part((r) => ({ bootTest: bootTestSettings(r) })),
    ...track.part((r) => ({ copy: copySettings(r) })),
    ...track.part((r) => ({ publish: publishSettings(r) })),
    ...track.part((r) => ({ manifestFile: file('manifest-file', r) })),
    ...track.part((r) => ({ indexDir: r('index-dir') || undefined })),
  };
  const { marketplace } = track.part((r) => ({ marketplace: marketplaceSettings(r) }));
  return watchedSettings({
    ...parts,
    marketplace,
    ...track.part(
      (r) => ({ doctor: doctorSettings(r, Object.keys(marketplace.products).length > 0) }),
      ['marketplace'],
    ),
    ...track.part((r) => ({ notify: notifySettings(r, policy) }), ['policy']),
    ...track.part((r) => ({
      cleanup: {
        dryRun: parseBoolean('dry-run', r('dry-run')),
        deleteAfterDays: integer('delete-after-days', r('delete-after-days'), 0, 3650),
        includeReleases: parseBoolean('include-releases', r('include-releases')),
        orphanAfterHours: integer('orphan-after-hours', r('orphan-after-hours'), 1, 24 * 365),
        instanceMaxHours: integer('instance-max-hours', r('instance-max-hours'), 1, 24 * 30),
      },
    })),
    ...track.part((r) => ({
      release: {
        token: r('github-token') || undefined,
        repository: process.env.GITHUB_REPOSITORY,
        manifestFile: file('manifest-file', r),
        eventsFile: file('events-file', r),
        indexFile: r('index-dir') ? join(r('index-dir'), 'index.json') : undefined,
      },
    })),
    inputUse: track.use(explicit),
  });
}
