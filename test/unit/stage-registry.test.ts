import { describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  parseSettings,
  STAGES,
  unreadInputs,
  type InputName,
  type Stage,
} from '../../src/settings/index.js';
import {
  RUN_ORDER,
  settingsReadBy,
  STAGE_LIST,
  STAGE_REGISTRY,
  stageNamed,
  warnOfUnreadInputs,
} from '../../src/stages/index.js';
import type { Log } from '../../src/log.js';
import { defineStage } from '../../src/stages/descriptor.js';
import { stageName, STAGES_LEAVING_PENDING } from '../../src/settings/stage-names.js';

describe('the stage registry', () => {
  it('has one descriptor per allowed stage input, in the same order', () => {
    expect(STAGE_LIST.map((stage) => stage.name)).toEqual([...STAGES]);
  });

  it('derives the run order from the descriptors', () => {
    expect(RUN_ORDER).toEqual(['plan', 'import', 'boot-test', 'copy', 'publish', 'verify']);
    expect(stageNamed('import')?.name).toBe('import');
    expect(stageNamed('__proto__')).toBeUndefined();
  });

  it('names the stages the post step acts for from the light list, the same stages as the registry', () => {
    expect(STAGE_LIST.map((stage) => stageName(stage.name))).toEqual([...STAGES]);
    expect(STAGES_LEAVING_PENDING).toEqual(['import', 'boot-test']);
    expect(stageName('__proto__')).toBeUndefined();
    expect(stageName('Import')).toBeUndefined();
  });

  const warningsFor = (stages: Stage[], inputs: Partial<Record<InputName, string>>) => {
    const warnings: string[] = [];
    const log = { warning: (message: string) => warnings.push(message) } as unknown as Log;
    warnOfUnreadInputs(
      parseSettings((name) => inputs[name] ?? ''),
      stages,
      log,
    );
    return warnings;
  };

  it('names the inputs given that the stage does not read: a compose given to a stage that works without one', () => {
    expect(warningsFor(['release'], { stage: 'release', 'compose-id': 'Fedora-41-20241027.0' })).toEqual([
      'The release stage does not read input compose-id: it has no effect here.',
    ]);
    expect(
      warningsFor(['import'], {
        stage: 'import',
        'compose-id': 'Fedora-41-20241027.0',
        regions: 'eu-west-1',
        'public-ami-quota': '7',
      }),
    ).toEqual(['The import stage does not read inputs regions, public-ami-quota: they have no effect here.']);
    // Publish reads the compose, the regions it was copied to and its own inputs.
    expect(
      warningsFor(['publish'], {
        stage: 'publish',
        'compose-id': 'Fedora-41-20241027.0',
        regions: 'eu-west-1',
        'public-ami-quota': '7',
      }),
    ).toEqual([]);
  });

  it('counts an input as read when any stage about to run reads it, and a default as not given', () => {
    const inputs = {
      stage: 'plan',
      'compose-id': 'Fedora-41-20241027.0',
      regions: 'eu-west-1',
      public: 'true',
    };
    expect(warningsFor([...RUN_ORDER], inputs)).toEqual([]);
    // The action passes every input, most at their default: those are not the caller's.
    expect(
      warningsFor(['import'], { ...inputs, regions: DEFAULTS.regions ?? '', public: DEFAULTS.public ?? '' }),
    ).toEqual([]);
    // The runner fills in github-token for every step.
    expect(warningsFor(['import'], { stage: 'import', 'github-token': 'ghs_x' })).toEqual([]);
  });

  it('counts an input that went into a part it was checked against (allowed-hosts for a notify-url)', () => {
    const settings = parseSettings(
      (name) =>
        ({ stage: 'cleanup', 'allowed-hosts': 'example.org', 'notify-url': 'https://example.org/hook' })[
          name as string
        ] ?? '',
    );
    expect(settings.inputUse.feeds['allowed-hosts']).toEqual(
      expect.arrayContaining(['images', 'notify', 'policy']),
    );
    expect(unreadInputs(settings.inputUse, settingsReadBy(['cleanup']))).toEqual([]);
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
