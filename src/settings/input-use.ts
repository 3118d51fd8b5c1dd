import { DEFAULTS, INPUT_NAMES, type InputName, type InputReader } from './inputs.js';

/**
 * Which inputs a run was given and which parts of the settings each one went into, so that an input
 * the chosen stage never reads is named instead of silently doing nothing (a `regions` given to the
 * import stage, a compose given to cleanup). Recorded while the settings are parsed, so the record
 * cannot drift from the parser.
 */
export interface InputUse {
  /** Inputs set to something other than their default. */
  given: InputName[];
  /** The top-level settings each input was read into. */
  feeds: Partial<Record<InputName, string[]>>;
}

/**
 * Filled in by the runner for every step, not by the caller (`github-token` defaults to
 * `${{ github.token }}`): never counted as given.
 */
const RUNNER_FILLED: readonly InputName[] = ['github-token'];

/** Builds the settings part by part, recording which inputs each part read. */
export class InputTracker {
  private readonly feeds = new Map<InputName, Set<string>>();

  constructor(
    private readonly read: InputReader,
    private readonly explicit: InputReader,
  ) {}

  /**
   * One part of the settings: every input `build` reads (with or without its default) feeds every
   * key of what it returns, and so do the inputs that fed the keys in `alsoFrom` (parts it is
   * built from, such as the host policy a notify-url is checked against).
   */
  part<Part extends object>(
    build: (read: InputReader, explicit: InputReader) => Part,
    alsoFrom: readonly string[] = [],
  ): Part {
    const seen = new Set<InputName>();
    const watch =
      (reader: InputReader): InputReader =>
      (name) => {
        seen.add(name);
        return reader(name);
      };
    const value = build(watch(this.read), watch(this.explicit));
    for (const [name, keys] of this.feeds) if (alsoFrom.some((key) => keys.has(key))) seen.add(name);
    for (const name of seen) {
      const keys = this.feeds.get(name) ?? new Set<string>();
      for (const key of Object.keys(value)) keys.add(key);
      this.feeds.set(name, keys);
    }
    return value;
  }

  /** The record, once every part is built; `raw` reads what the caller gave (no defaults). */
  use(raw: InputReader): InputUse {
    const given = INPUT_NAMES.filter((name) => {
      const value = raw(name).trim();
      return value !== '' && value !== (DEFAULTS[name] ?? '') && !RUNNER_FILLED.includes(name);
    });
    return {
      given,
      feeds: Object.fromEntries([...this.feeds].map(([name, keys]) => [name, [...keys].sort()])),
    };
  }
}

/** The given inputs that went into none of `keys` (what the stages about to run read). */
export function unreadInputs(use: InputUse, keys: ReadonlySet<string>): InputName[] {
  return use.given.filter((name) => !(use.feeds[name] ?? []).some((key) => keys.has(key)));
}

/** The settings each stage read while it ran, by stage (a test holds them to the descriptors). */
const readsByStage = new Map<string, Set<string>>();
const targets = new WeakMap<object, object>();

/**
 * The settings as the stages see them: every top-level part read is recorded under the stage the
 * settings are for. A stage's descriptor lists what it reads; the record is how a test finds a
 * list that left something out (an input it reads would be called unread).
 */
export function watchedSettings<Settings extends { stage: string }>(settings: Settings): Settings {
  const watched = new Proxy(settings, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key !== 'inputUse' && key in target) {
        const reads = readsByStage.get(target.stage) ?? new Set<string>();
        reads.add(key);
        readsByStage.set(target.stage, reads);
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  targets.set(watched, settings);
  return watched;
}

/** The same settings unwatched: for a front end's own reads (its secrets, its copy with other images). */
export const unwatched = <Settings extends object>(settings: Settings): Settings =>
  (targets.get(settings) as Settings | undefined) ?? settings;

/** The settings with some parts replaced (`fedimg run` hands the plan's images on), still watched. */
export const withParts = <Settings extends { stage: string }>(
  settings: Settings,
  parts: Partial<Settings>,
): Settings => watchedSettings({ ...unwatched(settings), ...parts });

/** What every stage has read so far in this process, and forgets it. */
export function takeStageReads(): Map<string, Set<string>> {
  const taken = new Map(readsByStage);
  readsByStage.clear();
  return taken;
}
