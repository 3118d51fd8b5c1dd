// The static checks of `npm test` side by side (each mostly uses one core): the type check and eslint,
// prettier, and dist/ against a fresh build. Each one's output is printed as a block when it ends;
// any failure fails the run.
// `npm test` runs them beside the test suite at a lower priority (scripts/test.mjs).
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';

const checks = [
  // One TypeScript program for both (the script says why).
  ['typecheck and eslint', process.execPath, ['scripts/check-types-and-lint.mjs']],
  ['prettier', 'node_modules/.bin/prettier', ['--check', '.']],
  // Builds into a temporary directory: it may run beside anything that reads dist/.
  ['dist', process.execPath, ['scripts/check-dist.mjs']],
];

const run = ([name, command, args], niceness) =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (niceness && child.pid !== undefined) setPriority(child.pid, niceness);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ name, code: 1, output: String(error), seconds: 0 }));
    child.on('close', (code) =>
      resolve({ name, code: code ?? 1, output, seconds: (Date.now() - started) / 1000 }),
    );
  });

/**
 * Runs every check; `niceness` (0–19) lowers their priority, so that beside the tests they take
 * only the CPU the tests leave.
 */
export const runChecks = (niceness = 0) => Promise.all(checks.map((check) => run(check, niceness)));

/** Prints each check's result (output only when it has any) and returns whether all passed. */
export function reportChecks(results) {
  for (const { name, code, output, seconds } of results) {
    process.stdout.write(`${code === 0 ? '✓' : '✗'} ${name} (${seconds.toFixed(1)} s)\n`);
    if (code !== 0 || output.trim()) process.stdout.write(`${output.trimEnd()}\n`);
  }
  return results.every((result) => result.code === 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  process.exitCode = reportChecks(await runChecks()) ? 0 : 1;
