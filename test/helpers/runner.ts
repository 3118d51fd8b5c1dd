import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

/** Reads a GITHUB_OUTPUT / GITHUB_STATE file: `name<<DELIM\nvalue\nDELIM` or `name=value` lines. */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) body.push(lines[i]!);
      values[name!] = body.join('\n');
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

/**
 * The AWS SDK warns on stderr when it runs on Node 20, as this machine's tests do; the runner runs
 * the action on node24, where it does not. Anything else on stderr is still seen by the tests.
 */
export function withoutNodeVersionWarning(stderr: string): string {
  return stderr.replace(
    /\(node:\d+\) Warning: NodeVersionSupportWarning:[\s\S]*?--trace-warnings[^\n]*\n/g,
    '',
  );
}

/**
 * Runs a bundled JavaScript action the way the GitHub runner does: inputs as INPUT_<NAME> (upper
 * case, dashes kept), empty command files named by GITHUB_OUTPUT/GITHUB_STATE/GITHUB_STEP_SUMMARY,
 * and for the post step the saved state handed back as STATE_<name>.
 */
export async function runAction(
  script: string,
  options: {
    inputs?: Record<string, string>;
    env?: Record<string, string>;
    state?: Record<string, string>;
    /** The step's working directory (the job's workspace); default this process's. */
    cwd?: string;
    /** Kill the step (SIGKILL, like a runner losing the job) once this resolves. */
    killAfter?: (files: { output: string; state: string; summary: string }) => Promise<void>;
  } = {},
): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), 'fedimg-runner-'));
  const files = {
    output: join(dir, 'output'),
    state: join(dir, 'state'),
    summary: join(dir, 'summary'),
    env: join(dir, 'env'),
  };
  await Promise.all(Object.values(files).map((path) => writeFile(path, '')));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    RUNNER_TEMP: dir,
    GITHUB_ACTIONS: 'true',
    // What the runner always sets: the run this step belongs to.
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'fedora-cloud/fedimg',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs ?? {}))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  try {
    const child = spawn(process.execPath, [script], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    if (options.killAfter) void options.killAfter(files).then(() => child.kill('SIGKILL'));
    const exitCode = await closed;
    return {
      exitCode,
      stdout,
      stderr: withoutNodeVersionWarning(stderr),
      outputs: parseCommandFile(await readFile(files.output, 'utf8')),
      state: parseCommandFile(await readFile(files.state, 'utf8')),
      summary: await readFile(files.summary, 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `fedimg import` of one matrix entry with two workers, slow enough to be interrupted mid-upload. */
export function interruptibleImportArgs(image: string, allowedHost: string, eventsFile: string): string[] {
  const source = ['--image', image, '--allowed-hosts', allowedHost, '--allow-http'];
  return ['import', ...source, '--concurrency', '2', '--events-file', eventsFile];
}

/**
 * `fedimg <args>` in a child process with this process's environment: the bundled CLI, as `npx fedimg`
 * runs it (dist/ matches src/, which `npm test` checks). From the sources through tsx a start took
 * 2.9 CPU-seconds against 0.5.
 */
export function spawnCli(args: string[]): ChildProcessByStdio<null, Readable, Readable>;
/** The same with its output discarded. */
export function spawnCli(args: string[], output: 'ignore'): ChildProcess;
export function spawnCli(args: string[], output: 'pipe' | 'ignore' = 'pipe'): ChildProcess {
  return spawn(process.execPath, ['dist/cli/index.js', ...args], {
    stdio: ['ignore', output, output],
    env: { ...process.env },
  });
}
