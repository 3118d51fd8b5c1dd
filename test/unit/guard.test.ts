import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * In a process of its own: an uncaught exception or unhandled rejection during a guarded stage
 * (as a library's socket handler would throw) cancels the stage, lets its clean-up finish, and
 * becomes its error, instead of killing the process.
 */
function guarded(failure: string): { status: number | null; stdout: string; stderr: string } {
  const script = `
    import { runGuarded } from './src/guard.ts';
    const result = await runGuarded(async (signal) => {
      setImmediate(() => { ${failure} });
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      await new Promise((resolve) => setTimeout(resolve, 50));
      console.log('the stage cleaned up after: ' + signal.reason.name);
      return 'finished';
    }).catch((error) => 'error: ' + error.message);
    console.log(result);
  `;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('runGuarded', () => {
  it('turns an uncaught exception into the stage’s error, after its clean-up', () => {
    const run = guarded("throw new Error('a socket handler blew up')");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('error: fedimg hit an unexpected failure: a socket handler blew up.');
    expect(run.stdout).toContain('the stage cleaned up after: UnexpectedError');
  });

  it('does the same for a rejection nobody awaited', () => {
    const run = guarded("Promise.reject(new Error('nobody awaited this'))");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('error: fedimg hit an unexpected failure: nobody awaited this.');
    expect(run.stdout).toContain('the stage cleaned up after');
  });
});
