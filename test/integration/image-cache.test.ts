/**
 * The image cache between jobs: saved by the real @actions/cache into a stand-in for GitHub's cache
 * service, read back by fedimg itself. An entry someone else wrote under fedimg's key (any workflow
 * of the default branch can) is never unpacked: only the one file fedimg stores, into its own
 * directory, used only when its sha256 is the image's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { actionsImageCache, imageCacheKey } from '../../src/image/cache.js';
import { cacheVersion, type CacheCompression } from '../../src/image/cache-service.js';
import { terminalLog } from '../../src/log.js';
import { runImport } from '../../src/stages/import.js';
import { startFakeCacheService, type FakeCacheService } from '../fixtures/cache-service.js';
import { matrixEntry } from '../fixtures/compose.js';
import { paddedSha256 } from '../fixtures/disk-image.js';
import { emulatorStepEnv, snapshotSha256 } from '../helpers/aws.js';
import { runAction } from '../helpers/runner.js';
import { fastSettings } from '../helpers/settings.js';
import { useWorld } from '../helpers/world.js';

const RAW = 3 * 1024 * 1024 + 11;
const world = useWorld('fedimg-image-cache-', [
  { composeId: 'Fedora-Rawhide-20261201.n.0', rawSize: RAW, arches: ['x86_64'] },
]);
let service: FakeCacheService;
let workspace: string;

beforeAll(async () => {
  service = await startFakeCacheService();
});
afterAll(() => service?.close());
afterEach(async () => {
  vi.unstubAllEnvs();
  service.reset();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

/**
 * A job on a fresh runner: its workspace (always at the same path, as on GitHub's runners: the
 * cache version hashes the path), RUNNER_TEMP and the cache service's variables, set in this
 * process and returned for a step run as a process of its own.
 */
async function job(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  workspace = join(world.dir, 'workspace');
  await rm(workspace, { recursive: true, force: true });
  await mkdir(join(workspace, '.runner-temp'), { recursive: true });
  const runner = {
    ...service.env,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: join(workspace, '.runner-temp'),
    ...extra,
  };
  // A fresh runner: nothing of an earlier job() in the same test stays set.
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(runner)) vi.stubEnv(name, value);
  return runner;
}

const image = () => matrixEntry(world.compose, 'x86_64', world.location());
const cacheDir = () => join(workspace, '.fedimg-image-cache');
const cachePath = () => join(cacheDir(), `${image().sha256}.xz`);
const imageRequests = () =>
  world.files.requests.filter((request) => request.path.endsWith(image().file)).length;
/** The import stage's inputs for the image, on loopback. */
const importInputs = () => ({
  stage: 'import',
  image: JSON.stringify(image()),
  'allowed-hosts': world.files.host,
  'allow-http': 'true',
});

async function importWithCache() {
  const lines: string[] = [];
  const log = terminalLog({ stream: { write: (line: string) => lines.push(line) } as never });
  const result = await runImport(
    fastSettings({ ...importInputs(), 'events-file': join(workspace, 'events.ndjson') }),
    log,
    { imageCache: actionsImageCache(cacheDir()) },
  );
  expect(await snapshotSha256(result.imported[0]!.snapshotId, Math.ceil(RAW / 524288))).toBe(
    await paddedSha256(RAW, `${world.compose.composeId}/x86_64`),
  );
  return lines.join('');
}

/**
 * An archive as GNU tar writes one (@actions/cache's own arguments: --posix, -P), holding `files`
 * under the names given; `link` makes a symbolic link.
 */
function archive(
  files: Array<{ name: string; content?: Buffer; link?: string }>,
  compression: CacheCompression,
): Buffer {
  const source = join(workspace, '.archive-source');
  execFileSync('rm', ['-rf', source]);
  const members: string[] = [];
  const transforms: string[] = [];
  files.forEach((file, index) => {
    const member = `member-${index}`;
    members.push(member);
    transforms.push(`--transform=s,^${member}$,${file.name.replace(/,/g, '\\,')},`);
    execFileSync('mkdir', ['-p', source]);
    if (file.link) execFileSync('ln', ['-s', file.link, join(source, member)]);
    else execFileSync('cp', ['/dev/null', join(source, member)]);
    if (file.content)
      execFileSync('tee', [join(source, member)], {
        input: file.content,
        stdio: ['pipe', 'ignore', 'inherit'],
      });
  });
  const big = { maxBuffer: 1 << 30 };
  const tar = execFileSync(
    'tar',
    ['--posix', '-cf', '-', '-P', ...transforms, '-C', source, ...members],
    big,
  );
  return compression === 'gzip'
    ? execFileSync('gzip', ['-c'], { input: tar, ...big })
    : execFileSync('zstd', ['-q', '-c', '-T0'], { input: tar, ...big });
}

const plant = (files: Parameters<typeof archive>[0], compression: CacheCompression = 'gzip') =>
  service.plant(
    imageCacheKey(image().sha256),
    cacheVersion(cachePath(), compression),
    archive(files, compression),
  );

describe('the image cache', () => {
  it('is kept by @actions/cache after a download, and the next job imports from it without the compose host', async () => {
    await job();
    const first = imageRequests();
    await importWithCache();
    const downloaded = imageRequests();
    expect(downloaded).toBeGreaterThan(first);
    expect(service.keys()).toContain(imageCacheKey(image().sha256));
    expect(await readdir(cacheDir())).toEqual([]); // the local copy is not left behind

    // Another job, on a fresh runner: the image comes from the cache.
    await rm(workspace, { recursive: true, force: true });
    await job();
    world.emulator.reset();
    const log = await importWithCache();
    expect(imageRequests(), log).toBe(downloaded);
    expect(log).toContain('restored from the Actions cache');
  }, 120_000);

  it('is kept and read back by the bundled action, run as the runner runs it', async () => {
    // The cache library and fedimg's entry reader are chunks of their own in dist/, loaded only to
    // save and to read: the tests above load them from the sources, so only this one runs the
    // bundle's copies.
    const step = (runner: Record<string, string>) =>
      runAction(resolve('dist/action/index.js'), {
        inputs: importInputs(),
        env: { ...emulatorStepEnv(), ...runner },
        cwd: workspace,
      });
    const saving = await step(await job());
    expect(saving.exitCode, saving.stdout + saving.stderr).toBe(0);
    expect(saving.stdout).not.toContain('::warning');
    expect(saving.stdout).toContain(`kept in the Actions cache as ${imageCacheKey(image().sha256)}`);
    expect(service.keys()).toContain(imageCacheKey(image().sha256));

    // The next job, on a fresh runner, into an empty account.
    const runner = await job();
    world.emulator.reset();
    const before = imageRequests();
    const restoring = await step(runner);
    expect(restoring.exitCode, restoring.stdout + restoring.stderr).toBe(0);
    expect(restoring.stdout).not.toContain('::warning');
    expect(restoring.stdout).toContain('restored from the Actions cache');
    expect(imageRequests()).toBe(before);
  }, 60_000);

  // The saving runner decides: zstd where it has the binary (GitHub's runners do), gzip otherwise.
  const hasZstd = spawnSync('zstd', ['--version']).status === 0;
  if (!hasZstd) console.warn('image-cache.test: no zstd binary here; the zstd entry test is skipped');
  async function readsEntryCompressedWith(compression: CacheCompression) {
    await job();
    const xz = await readFile(
      join(world.dir, world.compose.composeId, 'compose', world.compose.images[0]!.relativePath),
    );
    plant([{ name: `.fedimg-image-cache/${image().sha256}.xz`, content: xz }], compression);
    const before = imageRequests();
    expect(await importWithCache()).toContain('restored from the Actions cache');
    expect(imageRequests()).toBe(before);
  }
  it('reads an entry compressed with gzip', () => readsEntryCompressedWith('gzip'), 60_000);
  it.skipIf(!hasZstd)(
    'reads an entry compressed with zstd',
    () => readsEntryCompressedWith('zstd-without-long'),
    60_000,
  );

  const outside = () => join(world.dir, 'outside');
  const poisoned: Array<[string, () => Parameters<typeof archive>[0]]> = [
    [
      'a path that climbs out of the workspace',
      () => [{ name: '../../outside/planted', content: Buffer.alloc(16) }],
    ],
    ['an absolute path', () => [{ name: join(outside(), 'planted'), content: Buffer.alloc(16) }]],
    [
      'a symbolic link in the file’s place',
      () => [{ name: `.fedimg-image-cache/${image().sha256}.xz`, link: join(outside(), 'planted') }],
    ],
    [
      'a second entry after the file',
      () => [
        { name: `.fedimg-image-cache/${image().sha256}.xz`, content: Buffer.alloc(image().size) },
        { name: join(outside(), 'planted'), content: Buffer.alloc(16) },
      ],
    ],
    [
      'the file with other bytes',
      () => [{ name: `.fedimg-image-cache/${image().sha256}.xz`, content: Buffer.alloc(image().size, 7) }],
    ],
  ];

  it.each(poisoned)(
    'never unpacks an entry holding %s: the image is downloaded and nothing lands outside',
    async (_what, files) => {
      await job();
      await rm(outside(), { recursive: true, force: true });
      plant(files());
      const before = imageRequests();
      const log = await importWithCache();
      expect(imageRequests()).toBeGreaterThan(before);
      expect(log).toMatch(new RegExp(`${imageCacheKey(image().sha256)}|does not match its sha256`));
      expect(existsSync(outside())).toBe(false);
      expect(existsSync(join(dirname(workspace), 'outside'))).toBe(false);
      expect(await readdir(cacheDir())).toEqual([]);
    },
    60_000,
  );

  it('is not read where the job’s cache mode permits no reads, nor outside Actions', async () => {
    await job({ ACTIONS_CACHE_MODE: 'write-only' });
    await expect(actionsImageCache(cacheDir()).open(image(), terminalLog())).resolves.toBeUndefined();
    await job({ ACTIONS_RESULTS_URL: '' });
    await expect(actionsImageCache(cacheDir()).open(image(), terminalLog())).resolves.toBeUndefined();
    await writeFile(join(workspace, 'untouched'), '');
    expect(await readdir(workspace)).toEqual(['.runner-temp', 'untouched']);
  });

  it('asks the service under the version @actions/cache saves with', async () => {
    const { getCacheVersion } = (await import(
      '../../node_modules/@actions/cache/lib/internal/cacheUtils.js' as string
    )) as { getCacheVersion: (paths: string[], method: string) => string };
    for (const compression of ['zstd-without-long', 'gzip'] as const)
      expect(cacheVersion('.fedimg-image-cache/x.xz', compression)).toBe(
        getCacheVersion(['.fedimg-image-cache/x.xz'], compression),
      );
  });
});
