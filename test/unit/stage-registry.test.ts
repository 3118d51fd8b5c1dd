import { describe, expect, it } from 'vitest';
import { parseSettings, STAGES, type InputName } from '../../src/settings/index.js';
import { RUN_ORDER, STAGE_LIST, STAGE_REGISTRY, stageNamed } from '../../src/stages/index.js';
import type { Log } from '../../src/log.js';
import { defineStage } from '../../src/stages/descriptor.js';

describe('the stage registry', () => {
  it('has one descriptor per allowed stage input, in the same order', () => {
    expect(STAGE_LIST.map((stage) => stage.name)).toEqual([...STAGES]);
  });

  it('derives the run order and the post step from the descriptors', () => {
    expect(RUN_ORDER).toEqual(['plan', 'import', 'boot-test', 'copy', 'publish', 'verify']);
    expect(STAGE_LIST.filter((stage) => stage.leavesPending).map((stage) => stage.name)).toEqual([
      'import',
      'boot-test',
    ]);
    expect(stageNamed('import')?.leavesPending).toBe(true);
    expect(stageNamed('__proto__')).toBeUndefined();
  });

  it('warns when a stage that works without a compose is given one, and still runs', async () => {
    const warnings: string[] = [];
    const log = { warning: (message: string) => warnings.push(message) } as unknown as Log;
    const inputs: Partial<Record<InputName, string>> = {
      stage: 'release',
      'compose-id': 'Fedora-41-20241027.0',
    };
    const settings = parseSettings((name) => inputs[name] ?? '');
    await expect(STAGE_REGISTRY.release.run(settings, log, {})).rejects.toThrow(/GitHub token/);
    expect(warnings).toEqual([
      'The release stage works without a compose: the compose or plan inputs given are not read.',
    ]);
  });

  it('hands a result to onResult exactly once, whether the stage reported it or only returned it', async () => {
    const settings = parseSettings((name) => (name === 'stage' ? 'doctor' : ''));
    const quiet = {} as Log;
    for (const reportsItself of [true, false]) {
      const stage = defineStage<string>({
        ...STAGE_REGISTRY.doctor,
        run: async (_settings, _log, deps) => {
          if (reportsItself) await deps.onResult?.('result');
          return 'result';
        },
      });
      const seen: unknown[] = [];
      await stage.run(settings, quiet, { onResult: async (result) => void seen.push(result) });
      expect(seen).toEqual(['result']);
    }
  });

  it('turns an AWS failure the stage did not handle into an error titled by the stage', async () => {
    const settings = parseSettings((name) => (name === 'stage' ? 'doctor' : ''));
    const refusal = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const stage = defineStage<string>({
      ...STAGE_REGISTRY.doctor,
      run: () => Promise.reject(refusal),
    });
    await expect(stage.run(settings, {} as Log, {})).rejects.toMatchObject({ area: 'doctor' });
  });
});
