// Tags a release the way published actions are pinned: an immutable annotated tag vX.Y.Z on the
// checked-out commit, and the major tag vX moved to it (only forward: a patch to an older minor line
// keeps vX where it is). Refuses, creating nothing, when package.json or CHANGELOG.md do not name the
// version, the tree is not clean (so dist/ is what `npm run check:dist` just verified), or the tag
// exists here or on origin. Writes the CHANGELOG section as the release notes.
//
//   node scripts/release.mjs --version 1.2.0 [--notes-file notes.md] [--push]
//
// Plain Node with no dependencies: the release workflow's tagging job runs it without `npm ci`, so no
// package's install script ever runs next to the push credentials.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export class ReleaseRefused extends Error {}

const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

/** The body of CHANGELOG.md's `## X.Y.Z` section (a ` — date` after the version is allowed). */
export function releaseNotes(changelog, version) {
  const lines = changelog.split('\n');
  const heading = new RegExp(`^## \\[?v?${version.replaceAll('.', '\\.')}\\]?(\\s|$)`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start === -1) {
    throw new ReleaseRefused(
      `CHANGELOG.md has no "## ${version}" section: rename "## Unreleased" to "## ${version} — <date>" and commit it first.`,
    );
  }
  const end = lines.findIndex((line, index) => index > start && /^## /.test(line));
  const body = lines
    .slice(start + 1, end === -1 ? undefined : end)
    .join('\n')
    .trim();
  if (body === '')
    throw new ReleaseRefused(`CHANGELOG.md's "## ${version}" section is empty: say what changed.`);
  return `${body}\n`;
}

function parseVersion(text) {
  const match = VERSION.exec(text);
  return match ? match.slice(1).map(Number) : undefined;
}

function newer(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Existing release tags vX.Y.Z of one major, here and on origin. */
function releaseTags(cwd, major, remote) {
  const local = git(cwd, 'tag', '--list', `v${major}.*`).split('\n');
  const remoteRefs = remote
    ? git(cwd, 'ls-remote', '--tags', 'origin', `refs/tags/v${major}.*`)
        .split('\n')
        .map((line) => line.split('refs/tags/')[1] ?? '')
        .map((name) => name.replace(/\^\{\}$/, ''))
    : [];
  return [...new Set([...local, ...remoteRefs])].filter((name) => parseVersion(name.slice(1)));
}

/** Checks everything, then tags (and pushes with `push`). Returns what it did, for the log. */
export function release({ cwd = process.cwd(), version, notesFile, push = false }) {
  const parsed = parseVersion(version ?? '');
  if (!parsed)
    throw new ReleaseRefused(`--version must be MAJOR.MINOR.PATCH (e.g. 1.2.0), not "${version}".`);
  const pkg = JSON.parse(readFileSync(`${cwd}/package.json`, 'utf8'));
  if (pkg.version !== version) {
    throw new ReleaseRefused(
      `package.json says ${pkg.version}, not ${version}: run \`npm version --no-git-tag-version ${version}\` and commit it first.`,
    );
  }
  const notes = releaseNotes(readFileSync(`${cwd}/CHANGELOG.md`, 'utf8'), version);
  const dirty = git(cwd, 'status', '--porcelain');
  if (dirty !== '') {
    throw new ReleaseRefused(
      `the working tree is not clean (is dist/ rebuilt and committed?):\n${dirty}\nNothing was tagged.`,
    );
  }
  const tag = `v${version}`;
  const majorTag = `v${parsed[0]}`;
  const existing = releaseTags(cwd, parsed[0], push);
  if (existing.includes(tag))
    throw new ReleaseRefused(`${tag} already exists: release tags are never moved. Release a new version.`);
  const moveMajor = existing.every((name) => newer(parsed, parseVersion(name.slice(1))));

  git(cwd, 'tag', '--annotate', tag, '--message', `fedimg ${version}`, 'HEAD');
  if (moveMajor)
    git(
      cwd,
      'tag',
      '--force',
      '--annotate',
      majorTag,
      '--message',
      `fedimg ${majorTag} → ${version}`,
      'HEAD',
    );
  if (push) {
    git(cwd, 'push', 'origin', `refs/tags/${tag}`);
    if (moveMajor) git(cwd, 'push', '--force', 'origin', `refs/tags/${majorTag}`);
  }
  if (notesFile) writeFileSync(notesFile, notes);
  return { tag, majorTag: moveMajor ? majorTag : undefined, commit: git(cwd, 'rev-parse', 'HEAD') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { version: { type: 'string' }, 'notes-file': { type: 'string' }, push: { type: 'boolean' } },
  });
  try {
    const done = release({
      version: values.version,
      notesFile: values['notes-file'],
      push: values.push === true,
    });
    const moved = done.majorTag
      ? ` and moved ${done.majorTag} to it`
      : ' (a newer release holds the major tag; it stays)';
    console.log(`Tagged ${done.commit} as ${done.tag}${moved}${values.push ? ', pushed to origin' : ''}.`);
  } catch (error) {
    if (!(error instanceof ReleaseRefused)) throw error;
    console.error(`Release refused: ${error.message}`);
    process.exit(1);
  }
}
