import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
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

describe('a --summary-file the CLI cannot write', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is refused before the stage runs, not after its work is done', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fedimg-cli-summary-'));
    try {
      // Nothing answers there: a stage that ran would fail on AWS instead.
      vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:1');
      vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'x');
      const summary = join(dir, 'no-such-directory', 'summary.md');
      const { code, stderr } = await run(['cleanup', '--summary-file', summary]);
      expect(code).toBe(1);
      expect(stderr).toContain(`Cannot write summary-file ${summary}`);
      expect(stderr).not.toContain('127.0.0.1:1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
