import { parseSettings, unwatched, type InputName, type Settings } from '../../src/settings/index.js';

/**
 * Settings parsed exactly as the action parses its inputs, with the waits shortened for the emulator
 * (its asynchronous steps take milliseconds, not minutes). Shortened unwatched: the test's own
 * reads are not the stage's.
 */
export function fastSettings(values: Partial<Record<InputName, string>>): Settings {
  const settings = parseSettings((name) => values[name] ?? '');
  const { upload, bootTest, copy } = unwatched(settings);
  upload.pollIntervalMs = 50;
  upload.retry = { ...upload.retry, baseDelayMs: 5, maxDelayMs: 50 };
  bootTest.pollIntervalMs = 50;
  copy.pollIntervalMs = 50;
  copy.retry = { ...copy.retry, baseDelayMs: 5, maxDelayMs: 20 };
  return settings;
}
