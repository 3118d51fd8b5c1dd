import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { release, ReleaseRefused, releaseNotes } from '../../scripts/release.mjs';

const CHANGELOG = `# Changelog

## Unreleased

- Something not yet released.

## 1.1.0 — 2026-12-01

### Fixed

- The thing that broke.

## 1.0.0 — 2026-11-01

First release.
`;

let dir: string;
let work: string;
let origin: string;
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const remoteTags = () =>
  git(origin, 'for-each-ref', '--format=%(refname:short) %(*objectname)', 'refs/tags')
    .split('\n')
    .filter(Boolean);

async function commitRelease(version: string, changelog = CHANGELOG) {
  await writeFile(join(work, 'package.json'), JSON.stringify({ name: 'fedimg', version }));
  await writeFile(join(work, 'CHANGELOG.md'), changelog);
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '--message', `Release ${version}`);
  return git(work, 'rev-parse', 'HEAD');
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-release-'));
  origin = join(dir, 'origin.git');
  work = join(dir, 'work');
  git(dir, 'init', '--quiet', '--bare', origin);
  git(dir, 'clone', '--quiet', origin, work);
  // The script runs git with the process's environment, as the workflow does after `git config`.
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

describe('release notes', () => {
  it('are the version’s CHANGELOG section, without the next one', () => {
    expect(releaseNotes(CHANGELOG, '1.1.0')).toBe('### Fixed\n\n- The thing that broke.\n');
    expect(releaseNotes(CHANGELOG, '1.0.0')).toBe('First release.\n');
  });

  it('refuse a version the CHANGELOG does not describe, saying what to do', () => {
    expect(() => releaseNotes(CHANGELOG, '1.2.0')).toThrow(/rename "## Unreleased" to "## 1.2.0/);
    expect(() => releaseNotes('## 1.2.0\n\n## 1.1.0\n- x\n', '1.2.0')).toThrow(/empty/);
  });
});

describe('scripts/release.mjs', () => {
  it('tags vX.Y.Z and moves vX to the released commit on origin, and writes the notes', async () => {
    const first = await commitRelease('1.0.0');
    release({ cwd: work, version: '1.0.0', push: true });
    const commit = await commitRelease('1.1.0');
    const notesFile = join(dir, 'notes.md');
    const done = release({ cwd: work, version: '1.1.0', notesFile, push: true });
    expect(done).toEqual({ tag: 'v1.1.0', majorTag: 'v1', commit });
    expect(remoteTags().sort()).toEqual([`v1 ${commit}`, `v1.0.0 ${first}`, `v1.1.0 ${commit}`]);
    expect(await readFile(notesFile, 'utf8')).toContain('The thing that broke.');
  });

  it('never moves a release tag, and never moves vX back for a patch to an older line', async () => {
    const first = await commitRelease('1.1.0');
    release({ cwd: work, version: '1.1.0', push: true });
    expect(() => release({ cwd: work, version: '1.1.0', push: true })).toThrow(/v1.1.0 already exists/);
    const patch = await commitRelease('1.0.1', `${CHANGELOG}\n## 1.0.1\n\n- A backported fix.\n`);
    expect(release({ cwd: work, version: '1.0.1', push: true }).majorTag).toBeUndefined();
    expect(remoteTags().sort()).toEqual([`v1 ${first}`, `v1.0.1 ${patch}`, `v1.1.0 ${first}`]);
  });

  it('refuses, tagging nothing, when package.json, the CHANGELOG or the tree disagree', async () => {
    await commitRelease('1.0.0');
    const refusal = (version: string) => {
      try {
        release({ cwd: work, version, push: true });
      } catch (error) {
        expect(error).toBeInstanceOf(ReleaseRefused);
        return (error as Error).message;
      }
      throw new Error('released');
    };
    expect(refusal('1.1.0')).toMatch(/package.json says 1.0.0, not 1.1.0: run `npm version/);
    expect(refusal('v1.0.0')).toMatch(/MAJOR.MINOR.PATCH/);
    await writeFile(join(work, 'dist.js'), 'stale');
    expect(refusal('1.0.0')).toMatch(/not clean \(is dist\/ rebuilt and committed\?\)[\s\S]*dist.js/);
    await rm(join(work, 'dist.js'));
    await commitRelease('1.2.0');
    expect(refusal('1.2.0')).toMatch(/no "## 1.2.0" section/);
    expect(git(work, 'tag', '--list')).toBe('');
    expect(remoteTags()).toEqual([]);
  });
});
