import { ComposeError } from '../errors.js';
import { truncateForMessage } from '../util/text.js';

export type ComposeType = 'production' | 'nightly' | 'test' | 'ci' | 'development';

/** The parts of a Pungi compose ID, e.g. `Fedora-Rawhide-20180426.n.0` or `Fedora-28-20180425.0`. */
export interface ComposeId {
  id: string;
  /** Release short name: `Fedora`, `Fedora-Cloud`. */
  short: string;
  /** Release version: `28`, `Rawhide`, `eln`. */
  version: string;
  /** Release type suffix such as `updates`; absent for plain releases. */
  releaseType: string | undefined;
  /** `YYYYMMDD` */
  date: string;
  type: ComposeType;
  respin: number;
}

const TYPE_SUFFIXES: Record<string, ComposeType> = {
  '': 'production',
  '.n': 'nightly',
  '.t': 'test',
  '.ci': 'ci',
  '.d': 'development',
};

// productmd's release types (the part after the version in `Fedora-41-updates-…`).
const RELEASE_TYPES = ['fast', 'ga', 'updates', 'updates-testing', 'eus', 'aus', 'els', 'tus', 'e4s'];

// <short>-<version>[-<release type>]-<YYYYMMDD><type suffix>.<respin>, as productmd writes it. The
// version is a number (41, 8.10) or a word (Rawhide, eln); the short name may itself contain dashes
// (Fedora-Cloud), so it is matched lazily and the first split where the rest fits wins.
const COMPOSE_ID = new RegExp(
  String.raw`^(?<short>[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z][A-Za-z0-9_]*)*?)-(?<version>\d+(?:\.\d+)?|[A-Za-z][A-Za-z0-9]*)` +
    String.raw`(?:-(?<rtype>${RELEASE_TYPES.join('|')}))?-(?<date>\d{8})(?<suffix>\.n|\.t|\.ci|\.d)?\.(?<respin>\d+)$`,
);

export const MAX_COMPOSE_ID_LENGTH = 100;

export function parseComposeId(id: string): ComposeId {
  const match = id.length <= MAX_COMPOSE_ID_LENGTH ? COMPOSE_ID.exec(id) : null;
  if (!match?.groups) {
    throw new ComposeError(`"${truncateForMessage(id)}" is not a Pungi compose ID.`, {
      hint: 'Expected <release>-<version>[-<release type>]-<YYYYMMDD>[.n|.t|.ci|.d].<respin>, e.g. Fedora-41-20240911.0, Fedora-Rawhide-20180426.n.0 or Fedora-eln-20260701.n.0.',
    });
  }
  const g = match.groups;
  return {
    id,
    short: g.short!,
    version: g.version!,
    releaseType: g.rtype || undefined,
    date: g.date!,
    type: TYPE_SUFFIXES[g.suffix ?? '']!,
    respin: Number(g.respin),
  };
}

/** A compose label: `Beta-1.2`, `RC-1.4`, `RC-20180317.0` (cloud composes use date labels). */
export interface ComposeLabel {
  label: string;
  /** `Alpha`, `Beta`, `RC`, `Update`, ... */
  name: string;
  /** `1.2`, `20180317.0` */
  version: string;
  /** True for pre-release milestones (Alpha, Beta, EA): Fedora names those AMIs "Prerelease". */
  prerelease: boolean;
  /**
   * The label carries a date (`RC-20180317.0`, Fedora-Cloud's composes) instead of a milestone
   * version (`RC-1.4`): Fedora cleans such composes like nightlies (Releng SOP "Clean AMIs Process",
   * clean-amis.py, which matches `-(\d{8}).` in the label).
   */
  dated: boolean;
}

const LABEL = /^(?<name>[A-Z][A-Za-z]{1,31})-(?<version>\d+(?:\.\d+){0,3})$/;
const PRERELEASE_NAMES = new Set(['EA', 'Alpha', 'Beta']);

export function parseComposeLabel(label: string): ComposeLabel {
  const match = LABEL.exec(label);
  if (!match?.groups) {
    throw new ComposeError(`"${truncateForMessage(label)}" is not a compose label.`, {
      hint: 'Expected <Name>-<X>.<Y>, e.g. Beta-1.2 or RC-1.4.',
    });
  }
  const name = match.groups.name!;
  const version = match.groups.version!;
  return { label, name, version, prerelease: PRERELEASE_NAMES.has(name), dated: /^\d{8}\./.test(version) };
}
