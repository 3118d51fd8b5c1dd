import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeIndex } from '../../src/ami-index/write.js';
import type { PlannedImage } from '../../src/compose/types.js';
import { InputError } from '../../src/errors.js';
import { EventLog } from '../../src/report/events.js';
import { writeManifest } from '../../src/report/manifest.js';
import { capturedLog } from '../helpers/log.js';

const silent = capturedLog().log;
const image = {
  name: 'Fedora-x',
  url: 'https://x/y.raw.xz',
  compose_id: 'Fedora-43-20260301.0',
  arch: 'x86_64',
};

/** The error `write` ends with. */
async function failureOf(write: () => unknown): Promise<unknown> {
  try {
    await write();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('a file fedimg is told to write where it cannot', () => {
  let dir: string;
  let notADirectory: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fedimg-written-'));
    notADirectory = join(dir, 'a-file');
    await writeFile(notADirectory, '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const missing = () => [join(dir, 'no-such-directory', 'out'), 'does not exist'] as const;
  const underAFile = () => [join(notADirectory, 'out'), 'not a directory'] as const;

  it.each([
    [
      'events-file',
      (path: string) =>
        new EventLog(path, silent).emit('image.upload', 'started', image as PlannedImage, 'us-east-1'),
      [missing, underAFile],
    ],
    [
      'manifest-file',
      (path: string) => writeManifest(path, { compose_id: 'c', generated_at: '', images: [] }),
      [missing, underAFile],
    ],
    // A directory that does not exist yet is made.
    [
      'index-dir',
      (path: string) => writeIndex(path, { schema_version: 1, generated_at: '', regions: [], images: [] }),
      [underAFile],
    ],
  ] as const)('is refused as the %s input, naming the path and why', async (input, write, cases) => {
    for (const where of cases) {
      const [path, why] = where();
      const failure = await failureOf(() => write(path));
      expect(failure, `${input} ${path}`).toBeInstanceOf(InputError);
      expect((failure as Error).message).toContain(input);
      expect((failure as Error).message).toContain(path);
      expect((failure as Error).message).toContain(why);
    }
  });

  it('is refused as the events-file when the event log is opened, before a stage does anything', () => {
    // Publish writes its first event after making an AMI public: the file must be known good first.
    const [path] = missing();
    expect(() => new EventLog(path, silent)).toThrow(InputError);
    expect(() => new EventLog(path, silent)).toThrow(`Cannot write events-file ${path}`);
  });
});
