import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReleaseError } from '../../src/errors.js';
import { terminalLog } from '../../src/log.js';
import { releaseBody, runRelease } from '../../src/stages/release.js';
import { startFakeGitHub } from '../fixtures/github-api.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedimg-release-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const manifest = {
  compose_id: 'Fedora-41-20241027.0',
  generated_at: '2026-11-22T00:00:00Z',
  images: [
    {
      architecture: 'x86_64',
      compose_id: 'Fedora-41-20241027.0',
      image_name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
      regions: { 'us-east-1': 'ami-0123456789abcdef0' },
      release: 41,
      release_name: '41',
      subvariant: 'Cloud_Base',
      source: { file: 'x.raw.xz', url: 'https://example/x.raw.xz', sha256: 'ab'.repeat(32) },
      flavours: {
        gp3: {
          name: 'Fedora-Cloud-Base-AmazonEC2.x86_64-41-1.4',
          volume_type: 'gp3',
          boot_mode: 'uefi-preferred',
          regions: {
            'us-east-1': {
              ami: 'ami-0123456789abcdef0',
              snapshots: [],
              public: true,
              deprecation_time: null,
              architecture: 'x86_64',
              boot_mode: 'uefi-preferred',
              ena_support: true,
              imds_support: 'v2.0',
              tpm_support: '',
              volume_type: 'gp3',
              volume_size: 5,
            },
            'eu-west-1': {
              ami: 'ami-0fedcba9876543210',
              snapshots: [],
              public: true,
              deprecation_time: null,
              architecture: 'x86_64',
              boot_mode: 'uefi-preferred',
              ena_support: true,
              imds_support: 'v2.0',
              tpm_support: '',
              volume_type: 'gp3',
              volume_size: 5,
            },
          },
        },
      },
    },
  ],
};

/** The part of an undici dispatcher that fetch calls. */
interface Dispatcher {
  dispatch(options: { headers?: Record<string, unknown> }, handler: unknown): boolean;
}

/**
 * Runs the release stage twice against a fake GitHub: it creates the release, then updates it.
 * `prepare` runs once GITHUB_API_URL points at the fake (@actions/github reads it when loaded).
 */
async function releaseTwice(prepare: () => Promise<void>): Promise<void> {
  const github = await startFakeGitHub('fedora-cloud/fedimg');
  vi.stubEnv('GITHUB_API_URL', github.url);
  try {
    await prepare();
    const path = join(dir, 'manifest-run.json');
    const events = join(dir, 'events-run.ndjson');
    await writeFile(path, JSON.stringify(manifest));
    await writeFile(events, '{"topic":"image.upload"}\n');
    const settings = {
      token: 'ghs_token',
      repository: 'fedora-cloud/fedimg',
      manifestFile: path,
      eventsFile: events,
      indexFile: undefined,
    };
    const first = await runRelease(settings, quiet);
    expect(first).toMatchObject({ tag: 'Fedora-41-20241027.0', created: true });
    await writeFile(events, '{"topic":"image.upload"}\n{"topic":"image.copy"}\n');
    const again = await runRelease(settings, quiet);
    expect(again.created).toBe(false);
    expect(github.releases).toHaveLength(1);
    const [release] = github.releases;
    expect(release!.prerelease).toBe(false);
    expect(release!.assets.map((asset) => asset.name).sort()).toEqual([
      'events-run.ndjson',
      'manifest-run.json',
    ]);
    expect(release!.assets.find((asset) => asset.name === 'events-run.ndjson')!.data.toString()).toContain(
      'image.copy',
    );
    expect([...github.tokens]).toEqual(['token ghs_token']);
  } finally {
    vi.unstubAllEnvs();
    await github.close();
  }
}

describe('the release stage', () => {
  it('lists every AMI by region and flavour in the release body', () => {
    const body = releaseBody(manifest);
    expect(body).toContain('| eu-west-1 | ami-0fedcba9876543210 |');
    expect(body).toContain('| us-east-1 | ami-0123456789abcdef0 |');
  });

  it('explains what is missing before calling GitHub: the token, the repository, the manifest', async () => {
    const path = join(dir, 'manifest.json');
    await writeFile(path, JSON.stringify(manifest));
    const base = {
      token: 'x',
      repository: 'o/r',
      manifestFile: path,
      eventsFile: join(dir, 'events'),
      indexFile: undefined,
    };
    await expect(runRelease({ ...base, token: undefined }, quiet)).rejects.toThrow(/contents: write/);
    await expect(runRelease({ ...base, repository: '' }, quiet)).rejects.toThrow(/GITHUB_REPOSITORY/);
    const missing = runRelease({ ...base, manifestFile: join(dir, 'nope.json') }, quiet);
    await expect(missing).rejects.toBeInstanceOf(ReleaseError);
    await expect(missing).rejects.toThrow(/verify stage first/);
  });

  // One test: @actions/github reads GITHUB_API_URL once, when it is loaded, so every run in this
  // file's process talks to the first fake GitHub.
  it('creates the release tagged by the compose, and on a re-run updates it in place, replacing its assets, through fetch as Node 24 dispatches it', async () => {
    // @actions/github's fetch is undici 6's; on Node 24 it dispatches through the global dispatcher
    // that Node's own undici (7.x) installs under a shared symbol, whose request parser (Node
    // ≥ 24.17) takes a Content-Length of digits only. undici 6's fetch appends its own Content-Length
    // to one the caller set ("1071, 1071"), so an upload that set it failed on the runner with
    // "invalid content-length header". This dispatcher applies that rule on any Node.
    const key = Symbol.for('undici.globalDispatcher.1');
    const global = globalThis as unknown as Record<symbol, Dispatcher | undefined>;
    let lenient: Dispatcher | undefined;
    const refused: string[] = [];
    const strict = async () => {
      // Loaded as the stage loads it: undici's module installs the global dispatcher.
      await import('@actions/github');
      lenient = global[key]!;
      global[key] = {
        dispatch(options, handler) {
          const length = options.headers?.['content-length'];
          if (length !== undefined && !/^\d+$/.test(String(length))) {
            refused.push(String(length));
            throw Object.assign(new Error('invalid content-length header'), { code: 'UND_ERR_INVALID_ARG' });
          }
          return lenient!.dispatch(options, handler);
        },
      };
    };
    try {
      await releaseTwice(strict);
      expect(refused).toEqual([]);
    } finally {
      if (lenient) global[key] = lenient;
    }
  });
});
