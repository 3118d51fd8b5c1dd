import { afterAll, expect } from 'vitest';
import { takeStageReads } from '../../src/settings/index.js';
import { settingsReadBy, stageNamed } from '../../src/stages/index.js';

// Every test file, after its tests: the settings each stage read while it ran (recorded by the
// settings themselves, input-use.ts) must be listed in that stage's descriptor, or an input it
// reads would be called unread. Tests that read settings themselves use unwatched().
afterAll(() => {
  const unlisted = [...takeStageReads()].flatMap(([name, keys]) => {
    const stage = stageNamed(name);
    if (!stage) return [];
    const listed = settingsReadBy([stage.name]);
    return [...keys].filter((key) => !listed.has(key)).map((key) => `${name} reads settings.${key}`);
  });
  expect(unlisted, "settings a stage read that its descriptor's `reads` does not list").toEqual([]);
});
