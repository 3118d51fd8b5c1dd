// `npm test`: the test suite, and beside it the static checks and dist/ against a fresh build
// (scripts/checks.mjs) at a lower priority: the suite waits on servers and child processes often
// enough that the checks fit in the CPU it leaves, instead of taking half a minute before or after
// it. Any failure fails the run; the checks' results are printed after the suite's.
import { spawn } from 'node:child_process';
import { reportChecks, runChecks } from './checks.mjs';

const exitOf = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });

const started = Date.now();
const checks = runChecks(10);
const suite = await exitOf('node_modules/.bin/vitest', ['run']);
const checked = reportChecks(await checks);
process.stdout.write(`npm test: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exitCode = suite === 0 && checked ? 0 : 1;
