import { parseSettings, type InputName, type Settings } from '../../src/settings/index.js';

/**
 * Settings parsed exactly as the action parses its inputs, with the waits shortened for the emulator
 * (its asynchronous steps take milliseconds, not minutes).
 */
export function fastSettings(values: Partial<Record<InputName, string>>): Settings {
  const settings = parseSettings((name) => values[name] ?? '');
  settings.upload.pollIntervalMs = 50;
  settings.upload.retry = { ...settings.upload.retry, baseDelayMs: 5, maxDelayMs: 50 };
  settings.bootTest.pollIntervalMs = 50;
  settings.copy.pollIntervalMs = 50;
  settings.copy.retry = { ...settings.copy.retry, baseDelayMs: 5, maxDelayMs: 20 };
  return settings;
}
