/** A release that must not happen as asked; nothing was tagged. */
export class ReleaseRefused extends Error {}
/** The body of CHANGELOG.md's `## X.Y.Z` section. */
export function releaseNotes(changelog: string, version: string): string;
/** Checks, tags vX.Y.Z, moves vX forward, and pushes both with `push`. */
export function release(options: {
  cwd?: string;
  version: string | undefined;
  notesFile?: string | undefined;
  push?: boolean;
}): { tag: string; majorTag: string | undefined; commit: string };
