import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli } from '../../src/cli/cli.js';

/** The CLI's exit code and what it wrote to stderr. */
async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await cli(args), stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('an option given a file the CLI cannot read', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fedimg-cli-files-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ['--payload', (missing: string) => ['plan', '--payload', `@${missing}`, '--json']],
    ['--image', (missing: string) => ['import', '--image', `@${missing}`]],
    ['--plan', (missing: string) => ['import', '--plan', missing]],
  ])(
    'is named with the file, as an error of the input, never as an unexpected failure (%s)',
    async (option, args) => {
      const missing = join(dir, 'no-such-file.json');
      const { code, stderr } = await run(args(missing));
      expect(code).toBe(1);
      expect(stderr).toContain(option);
      expect(stderr).toContain(missing);
      expect(stderr).toContain('no such file');
      expect(stderr).not.toContain('unexpected failure');
    },
  );
});
