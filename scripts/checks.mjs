// The static checks of `npm test` side by side (each mostly uses one core): the type check, eslint
// and prettier. Each one's output is printed as a block when it ends; any failure fails the run.
import { spawn } from 'node:child_process';

const checks = [
  ['typecheck', 'node_modules/.bin/tsc', ['--noEmit', '-p', 'tsconfig.json']],
  ['eslint', 'node_modules/.bin/eslint', ['.']],
  ['prettier', 'node_modules/.bin/prettier', ['--check', '.']],
];

const run = ([name, command, args]) =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ name, code: 1, output: String(error), seconds: 0 }));
    child.on('close', (code) =>
      resolve({ name, code: code ?? 1, output, seconds: (Date.now() - started) / 1000 }),
    );
  });

const results = await Promise.all(checks.map(run));
for (const { name, code, output, seconds } of results) {
  process.stdout.write(`${code === 0 ? '✓' : '✗'} ${name} (${seconds.toFixed(1)} s)\n`);
  if (code !== 0 || output.trim()) process.stdout.write(`${output.trimEnd()}\n`);
}
process.exitCode = results.some((result) => result.code !== 0) ? 1 : 0;
