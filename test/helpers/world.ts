import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Emulator } from '../../emulator/server.js';
import { generateCompose, type ComposeOptions, type GeneratedCompose } from '../fixtures/compose.js';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';
import type { InputName, Settings } from '../../src/settings/index.js';
import { startEmulator } from './aws.js';
import { fastSettings } from './settings.js';

/** What a stage test works against; the fields are set once the suite's set-up has run. */
export interface World {
  dir: string;
  emulator: Emulator;
  files: FileServer;
  /** The generated composes, in the order asked for. */
  composes: GeneratedCompose[];
  /** The first of them. */
  compose: GeneratedCompose;
  /** Where the file server serves a compose's `compose/` directory. */
  location(compose?: GeneratedCompose): string;
  /**
   * A stage's settings, parsed as the action parses its inputs: the first compose on loopback,
   * events in the world's directory, then `values`.
   */
  settings(stage: string, values?: Partial<Record<InputName, string>>): Settings;
  /** The CLI's options that point it at the first compose, on loopback. */
  cliSource(): string[];
}

/**
 * The usual set-up of a test file that drives stages: a temporary directory, the emulator (reset
 * before each test, so every test starts from an empty account), the composes generated under
 * `subdir` (default: the directory itself) and served on loopback; all torn down afterwards.
 */
export function useWorld(prefix: string, composes: Array<ComposeOptions & { subdir?: string }>): World {
  const world = {
    composes: [] as GeneratedCompose[],
    get compose() {
      return this.composes[0]!;
    },
    location(compose?: GeneratedCompose) {
      const chosen = compose ?? this.compose;
      const subdir = composes[this.composes.indexOf(chosen)]?.subdir;
      return `${this.files.url}${subdir ? `${subdir}/` : ''}${chosen.composeId}/compose`;
    },
    cliSource() {
      return ['--compose', this.location(), '--allowed-hosts', this.files.host, '--allow-http'];
    },
    settings(stage: string, values: Partial<Record<InputName, string>> = {}) {
      return fastSettings({
        stage,
        // A plan entry (image, images) stands for the compose: the two together are refused.
        ...(values.image || values.images ? {} : { 'compose-location': this.location() }),
        'allowed-hosts': this.files.host,
        'allow-http': 'true',
        'events-file': join(this.dir, 'events.ndjson'),
        ...values,
      });
    },
  } as World;
  beforeAll(async () => {
    world.dir = await mkdtemp(join(tmpdir(), prefix));
    world.emulator = await startEmulator();
    world.composes = await Promise.all(
      composes.map(({ subdir, ...options }) =>
        generateCompose(subdir ? join(world.dir, subdir) : world.dir, options),
      ),
    );
    world.files = await startFileServer(world.dir);
  }, 300_000);
  afterAll(async () => {
    await world.files?.close();
    await world.emulator?.stop();
    if (world.dir) await rm(world.dir, { recursive: true, force: true });
  });
  beforeEach(() => world.emulator.reset());
  return world;
}
