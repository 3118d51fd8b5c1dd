/**
 * A rehearsal of a GitHub workflow run, for the places GitHub's runner cannot reach (this machine).
 *
 * GitHub's own workflow parser validates the file and gives the job graph and conditions, GitHub's
 * expression engine evaluates every `${{ }}`; jobs run in dependency order with their matrices
 * expanded from the outputs of earlier jobs. `uses: ./` steps run the bundled action exactly as the
 * runner does (INPUT_* from `with:`, GITHUB_OUTPUT/STATE/STEP_SUMMARY files, the post step with
 * STATE_*), `run:` steps run in bash, and the few third-party actions the workflows use are stood in
 * for by what they do (checkout → the action files, credentials → AWS_* variables, artifacts → a
 * store shared by the jobs). Each job leg gets a fresh workspace, like a fresh runner.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import {
  appendFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse as parseYaml } from 'yaml';
import { parseCommandFile, runAction, withoutNodeVersionWarning } from './runner.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Result = 'success' | 'failure' | 'skipped';

export interface RehearsalEvent {
  name: 'repository_dispatch' | 'workflow_dispatch' | 'workflow_call' | 'workflow_run' | 'schedule' | 'push';
  /**
   * For workflow_call: the event that started the caller. A called workflow's github context is its
   * caller's, so github.event_name and github.event are this event's.
   */
  callerEvent?: 'repository_dispatch' | 'workflow_dispatch' | 'push' | 'schedule';
  /** github.event: the webhook payload (client_payload for repository_dispatch). */
  payload?: Record<string, Json>;
  /** Inputs given by whoever started the run; the workflow's defaults fill the rest. */
  inputs?: Record<string, Json>;
  /**
   * For workflow_call: the permissions the calling job grants. GitHub compares every job of the
   * called workflow with them when the run starts (whatever the job's `if:`), and refuses the run if
   * one asks for more ("The nested job … is requesting …, but is only allowed …").
   */
  callerPermissions?: Record<string, string>;
}

export interface RehearsalOptions {
  event: RehearsalEvent;
  vars?: Record<string, string>;
  repository?: string;
  /** What configure-aws-credentials exports, plus the AWS_ENDPOINT_URL of the emulator. */
  aws: Record<string, string>;
  /** Extra runner environment for every step (e.g. GITHUB_API_URL of a fake API). */
  runnerEnv?: Record<string, string>;
  /**
   * "Re-run failed jobs" of this earlier rehearsal: its successful jobs are kept as they ended, the
   * others run again as the next attempt, and its artifacts are still there.
   */
  rerunOf?: Rehearsal;
  /** github.run_id of this rehearsal (default 4242). */
  runId?: string;
  /** Earlier rehearsals whose artifacts download-artifact may fetch by run-id (with a token). */
  runs?: Rehearsal[];
}

export interface StepRun {
  id: string;
  uses?: string;
  run?: string;
  result: Result;
  outputs: Record<string, string>;
  log: string;
}

export interface LegRun {
  matrix: Record<string, Json> | undefined;
  result: Result;
  steps: StepRun[];
  summary: string;
}

export interface JobRun {
  id: string;
  result: Result;
  legs: LegRun[];
  outputs: Record<string, string>;
  permissions: Record<string, string>;
}

export interface Rehearsal {
  jobs: Map<string, JobRun>;
  /** Every artifact uploaded, by name → directory holding its files. */
  artifacts: Map<string, string>;
  /** Ordered log of what ran, for failure messages. */
  trace: string[];
  /** What each job leg checked out (actions/checkout's repository and ref). */
  checkouts: Array<{ job: string; repository: string; ref: string }>;
  /** The role each job leg assumed (configure-aws-credentials' role-to-assume). */
  roles: Array<{ job: string; role: string }>;
  /** What deploy-pages published: the directory holding the site's files. */
  pages: Array<{ job: string; site: string }>;
  /** github.run_attempt of this rehearsal. */
  attempt: number;
  /** github.run_id of this rehearsal. */
  runId: string;
}

/**
 * The workflow file a rehearsal runs, as GitHub's OIDC token names it: job_workflow_ref and
 * job_workflow_sha (for a called workflow, the called file, not the caller).
 */
export const WORKFLOW_SHA = 'f00dfacec0ffee00f00dfacec0ffee00f00dface';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

// --- expressions --------------------------------------------------------------------------------

function toData(value: unknown): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

function fromData(value: data.ExpressionData): Json {
  return JSON.parse(JSON.stringify(value, data.replacer)) as Json;
}

interface StatusFunctions {
  success: () => boolean;
  failure: () => boolean;
}

/** For expressions evaluated where no step or job has run yet (env, matrix, defaults). */
const NO_STATUS: StatusFunctions = { success: () => true, failure: () => false };

function statusFunctions(status: StatusFunctions): Map<string, FunctionDefinition> {
  const fn = (name: string, value: () => boolean): [string, FunctionDefinition] => [
    name,
    { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value()) },
  ];
  return new Map([
    fn('success', status.success),
    fn('failure', status.failure),
    fn('always', () => true),
    fn('cancelled', () => false),
  ]);
}

function evaluate(expression: string, context: Record<string, unknown>, status: StatusFunctions): Json {
  const functions = statusFunctions(status);
  const tokens = new Lexer(expression).lex().tokens;
  const ast = new Parser(tokens, Object.keys(context), [...functions.values()]).parse();
  const dictionary = toData(context) as data.Dictionary;
  return fromData(new Evaluator(ast, dictionary, functions).evaluate());
}

const asString = (value: Json): string =>
  value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);

const truthy = (value: Json): boolean =>
  !(value === null || value === false || value === 0 || value === '' || Number.isNaN(value));

/** A YAML value with `${{ }}` in it: one whole expression keeps its type, otherwise interpolated. */
function interpolate(value: unknown, context: Record<string, unknown>, status: StatusFunctions): Json {
  if (typeof value !== 'string') return value as Json;
  const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(value);
  if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!, context, status);
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
    asString(evaluate(expression, context, status)),
  );
}

/** `if:` conditions: bare expressions, with success() added when no status function is used. */
function condition(text: unknown, context: Record<string, unknown>, status: StatusFunctions): boolean {
  if (text === undefined || text === null) return status.success();
  let expression = String(text).trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(expression);
  if (wrapped) expression = wrapped[1]!;
  if (!/\b(success|failure|always|cancelled)\(\)/.test(expression))
    expression = `success() && (${expression})`;
  return truthy(evaluate(expression, context, status));
}

// --- matrices -----------------------------------------------------------------------------------

function expandMatrix(matrix: Json): Array<Record<string, Json>> {
  if (matrix === null || typeof matrix !== 'object' || Array.isArray(matrix))
    throw new Error(`strategy.matrix is not a mapping: ${JSON.stringify(matrix)}`);
  const { include, exclude, ...vectors } = matrix as Record<string, Json>;
  let legs: Array<Record<string, Json>> = [{}];
  for (const [key, values] of Object.entries(vectors)) {
    if (!Array.isArray(values) || values.length === 0)
      throw new Error(`Matrix vector '${key}' does not contain any values`);
    legs = legs.flatMap((leg) => values.map((value) => ({ ...leg, [key]: value })));
  }
  const matches = (leg: Record<string, Json>, filter: Record<string, Json>) =>
    Object.entries(filter).every(([key, value]) => JSON.stringify(leg[key]) === JSON.stringify(value));
  if (Array.isArray(exclude))
    legs = legs.filter((leg) => !exclude.some((filter) => matches(leg, filter as Record<string, Json>)));
  if (Array.isArray(include)) {
    if (Object.keys(vectors).length === 0) legs = include.map((entry) => ({ ...(entry as object) }));
    else for (const entry of include) legs.push({ ...(entry as object) });
  }
  if (legs.length === 0 || (legs.length === 1 && Object.keys(legs[0]!).length === 0))
    throw new Error('Matrix must define at least one vector');
  return legs;
}

// --- the run ------------------------------------------------------------------------------------

interface RawStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string;
}

interface RawJob {
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  env?: Record<string, unknown>;
  outputs?: Record<string, string>;
  strategy?: { matrix?: unknown; 'fail-fast'?: boolean; 'max-parallel'?: number };
  steps: RawStep[];
}

function workflowInputs(workflow: Record<string, unknown>, event: RehearsalEvent): Record<string, Json> {
  const on = (workflow.on ?? workflow[true as unknown as string]) as Record<string, { inputs?: object }>;
  const declared = (on?.[event.name]?.inputs ?? {}) as Record<string, { default?: Json; type?: string }>;
  const inputs: Record<string, Json> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const given = event.inputs?.[name];
    inputs[name] = given ?? spec.default ?? (spec.type === 'boolean' ? false : '');
  }
  return inputs;
}

export async function rehearse(workflowPath: string, options: RehearsalOptions): Promise<Rehearsal> {
  const content = await readFile(workflowPath, 'utf8');
  const parsed = parseWorkflow({ name: workflowPath, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((error) => error.message);
  if (errors.length > 0 || !parsed.value)
    throw new Error(`${workflowPath} does not parse: ${errors.join('; ')}`);
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  if (template.errors?.length) throw new Error(template.errors.map((error) => error.Message).join('; '));
  const raw = parseYaml(content) as Record<string, unknown> & { jobs: Record<string, RawJob>; env?: object };

  if (options.event.name === 'workflow_call')
    checkCallerPermissions(raw, options.event.callerPermissions ?? {});
  if ((options.event.callerEvent ?? options.event.name) === 'repository_dispatch')
    checkDispatch(options.event.payload ?? {});
  const previous = options.rerunOf;
  const root = await mkdtemp(join(tmpdir(), 'fedimg-rehearsal-'));
  const artifacts = new Map<string, string>(previous?.artifacts ?? []);
  const jobs = new Map<string, JobRun>();
  const trace: string[] = [];
  const checkouts: Rehearsal['checkouts'] = [];
  const roles: Rehearsal['roles'] = [];
  const pages: Rehearsal['pages'] = [];
  const repository = options.repository ?? 'fedora-cloud/fedimg';
  const attempt = (previous?.attempt ?? 0) + 1;
  const oidc = await startOidcIssuer({
    repository,
    job_workflow_ref: `${repository}/${workflowPath.replace(/^\.\//, '')}@refs/heads/main`,
    job_workflow_sha: WORKFLOW_SHA,
  });
  const github = {
    event_name: options.event.callerEvent ?? options.event.name,
    event: options.event.payload ?? {},
    repository,
    sha: 'a'.repeat(40),
    ref: 'refs/heads/main',
    run_id: options.runId ?? previous?.runId ?? '4242',
    run_attempt: String(attempt),
    server_url: 'https://github.com',
    token: 'ghs_rehearsal_token',
    workspace: '',
  };
  const inputs = workflowInputs(raw, options.event);
  const vars = options.vars ?? {};
  const workflowEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.env ?? {}))
    workflowEnv[name] = asString(interpolate(value, { github, inputs, vars, secrets: {} }, NO_STATUS));

  // Dependency order, as the parser resolved `needs`.
  const order: string[] = [];
  const pending = template.jobs.map((job) => ({
    id: job.id.value,
    needs: (job.needs ?? []).map((n) => n.value),
  }));
  while (pending.length > 0) {
    const ready = pending.findIndex((job) => job.needs.every((need) => order.includes(need)));
    if (ready < 0) throw new Error('the job graph has a cycle');
    order.push(pending.splice(ready, 1)[0]!.id);
  }

  try {
    for (const jobId of order) {
      const job = raw.jobs[jobId]!;
      const before = previous?.jobs.get(jobId);
      if (before?.result === 'success') {
        jobs.set(jobId, before);
        trace.push(`job ${jobId}: kept from attempt ${previous!.attempt}`);
        continue;
      }
      const needIds = typeof job.needs === 'string' ? [job.needs] : (job.needs ?? []);
      const needs = Object.fromEntries(
        needIds.map((id) => [id, { result: jobs.get(id)!.result, outputs: jobs.get(id)!.outputs }]),
      );
      const jobStatus: StatusFunctions = {
        success: () => needIds.every((id) => jobs.get(id)!.result === 'success'),
        failure: () => needIds.some((id) => jobs.get(id)!.result === 'failure'),
      };
      const jobContext = { github, inputs, vars, needs, env: workflowEnv, secrets: {} };
      const run: JobRun = {
        id: jobId,
        result: 'skipped',
        legs: [],
        outputs: {},
        permissions: job.permissions ?? {},
      };
      jobs.set(jobId, run);
      if (!condition(job.if, jobContext, jobStatus)) {
        trace.push(`job ${jobId}: skipped`);
        continue;
      }
      const matrixValue = job.strategy?.matrix;
      const legs =
        matrixValue === undefined
          ? [undefined]
          : expandMatrix(interpolate(matrixValue, jobContext, NO_STATUS) as Json);
      // Legs run side by side, as on GitHub's runners, at most max-parallel at a time.
      const context: LegContext = {
        root,
        github,
        inputs,
        vars,
        needs,
        workflowEnv,
        artifacts,
        trace,
        options,
        checkouts,
        roles,
        pages,
        oidc: job.permissions?.['id-token'] === 'write' ? oidc.env : {},
      };
      const parallel = job.strategy?.['max-parallel'] ?? legs.length;
      for (let start = 0; start < legs.length; start += parallel)
        run.legs.push(
          ...(await Promise.all(
            legs.slice(start, start + parallel).map((matrix) => runLeg(jobId, job, matrix, context)),
          )),
        );
      // Matrix legs write the same job outputs; the last one wins, as on GitHub.
      for (const [index, leg] of run.legs.entries()) {
        const stepsContext = contextOfSteps(leg.steps);
        for (const [name, value] of Object.entries(job.outputs ?? {}))
          run.outputs[name] = asString(
            interpolate(value, { ...jobContext, matrix: legs[index] ?? {}, steps: stepsContext }, NO_STATUS),
          );
      }
      run.result = run.legs.every((leg) => leg.result === 'success') ? 'success' : 'failure';
      trace.push(`job ${jobId}: ${run.result}`);
    }
  } finally {
    await oidc.close();
  }
  return { jobs, artifacts, trace, checkouts, roles, pages, attempt, runId: String(github.run_id) };
}

const LEVELS = ['none', 'read', 'write'];

/**
 * What GitHub's REST API checks before it creates a repository_dispatch event ("Create a repository
 * dispatch event"): an event_type of at most 100 characters, and a client_payload of at most 10
 * top-level properties and under 64 KB. A request that breaks one is refused (422) and starts
 * nothing; the event's `action` is the event_type.
 */
function checkDispatch(event: Record<string, Json>): void {
  const eventType = event.action;
  if (typeof eventType !== 'string' || eventType.length < 1 || eventType.length > 100)
    throw new Error(
      `GitHub refuses the dispatch: event_type ${JSON.stringify(eventType)} is not 1-100 characters`,
    );
  const payload = event.client_payload ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new Error('GitHub refuses the dispatch: client_payload is not an object');
  const properties = Object.keys(payload).length;
  if (properties > 10)
    throw new Error(
      `GitHub refuses the dispatch: client_payload has ${properties} top-level properties; it takes at most 10`,
    );
  if (Buffer.byteLength(JSON.stringify(payload)) >= 64 * 1024)
    throw new Error('GitHub refuses the dispatch: client_payload is 64 KB or more');
}

/**
 * GitHub's check when a called workflow starts: every job's permissions (its own, or the workflow's)
 * must be covered by what the calling job grants, scope by scope, whether or not the job would run.
 */
function checkCallerPermissions(
  workflow: { jobs: Record<string, RawJob>; permissions?: Record<string, string> },
  granted: Record<string, string>,
): void {
  for (const [id, job] of Object.entries(workflow.jobs)) {
    for (const [scope, level] of Object.entries(job.permissions ?? workflow.permissions ?? {})) {
      const allowed = granted[scope] ?? 'none';
      if (LEVELS.indexOf(level) > LEVELS.indexOf(allowed))
        throw new Error(
          `The nested job '${id}' is requesting '${scope}: ${level}', but is only allowed '${scope}: ${allowed}'.`,
        );
    }
  }
}

/**
 * Stands in for the runner's OIDC token service (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN, given only to
 * jobs with `id-token: write`): answers {value: <JWT>} whose payload carries the claims. The JWT is
 * unsigned; the workflow reads claims only from the token its own runner hands it.
 */
async function startOidcIssuer(claims: Record<string, string>) {
  const requestToken = 'oidc-request-token';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://issuer');
    if (req.headers.authorization !== `bearer ${requestToken}` || !url.searchParams.get('audience')) {
      res.writeHead(401).end();
      return;
    }
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwt = `${part({ alg: 'none' })}.${part({ ...claims, aud: url.searchParams.get('audience') })}.`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: jwt }));
  });
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const { port } = server.address() as AddressInfo;
  return {
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
    close: () => new Promise<void>((resolvePromise) => server.close(() => resolvePromise())),
  };
}

function contextOfSteps(steps: StepRun[]) {
  return Object.fromEntries(
    steps.map((step) => [step.id, { outputs: step.outputs, outcome: step.result, conclusion: step.result }]),
  );
}

interface LegContext {
  root: string;
  github: Record<string, unknown>;
  inputs: Record<string, Json>;
  vars: Record<string, string>;
  needs: Record<string, unknown>;
  workflowEnv: Record<string, string>;
  artifacts: Map<string, string>;
  trace: string[];
  options: RehearsalOptions;
  checkouts: Rehearsal['checkouts'];
  roles: Rehearsal['roles'];
  pages: Rehearsal['pages'];
  /** The OIDC token service's variables, for jobs allowed to request tokens. */
  oidc: Record<string, string>;
}

async function runLeg(
  jobId: string,
  job: RawJob,
  matrix: Record<string, Json> | undefined,
  ctx: LegContext,
): Promise<LegRun> {
  const workspace = await mkdtemp(join(ctx.root, `${jobId}-`));
  const files = { output: '', state: '', summary: join(workspace, '.summary') };
  await writeFile(files.summary, '');
  const env: Record<string, string> = { ...ctx.workflowEnv };
  const github = { ...ctx.github, workspace };
  const steps: StepRun[] = [];
  const posts: Array<() => Promise<void>> = [];
  let failed = false;
  const baseContext = () => ({
    github,
    inputs: ctx.inputs,
    vars: ctx.vars,
    needs: ctx.needs,
    matrix: matrix ?? {},
    env,
    steps: contextOfSteps(steps),
    secrets: {},
  });
  for (const [name, value] of Object.entries(job.env ?? {}))
    env[name] = asString(interpolate(value, baseContext(), NO_STATUS));

  for (const [index, step] of job.steps.entries()) {
    const id = step.id ?? `__${index}`;
    const status: StatusFunctions = { success: () => !failed, failure: () => failed };
    const context = baseContext();
    if (!condition(step.if, context, status)) {
      steps.push({ id, uses: step.uses, run: step.run, result: 'skipped', outputs: {}, log: '' });
      continue;
    }
    const withValues: Record<string, string> = {};
    for (const [name, value] of Object.entries(step.with ?? {}))
      withValues[name] = asString(interpolate(value, context, status));
    const stepEnv = { ...env };
    for (const [name, value] of Object.entries(step.env ?? {}))
      stepEnv[name] = asString(interpolate(value, context, status));
    const label = `${jobId}${matrix ? ` ${JSON.stringify(matrix).slice(0, 60)}` : ''}: ${step.uses ?? step.name ?? 'run'}`;
    let result: StepRun;
    const stepStarted = Date.now();
    try {
      result = await runStep(id, step, withValues, stepEnv, {
        workspace,
        env,
        files,
        artifacts: ctx.artifacts,
        aws: ctx.options.aws,
        runnerEnv: { ...(ctx.options.runnerEnv ?? {}), ...ctx.oidc },
        github,
        posts,
        permissions: job.permissions ?? {},
        runs: ctx.options.runs ?? [],
        record: (kind, entry) =>
          kind === 'checkout'
            ? ctx.checkouts.push({ job: jobId, ...(entry as { repository: string; ref: string }) })
            : kind === 'pages'
              ? ctx.pages.push({ job: jobId, site: (entry as { site: string }).site })
              : ctx.roles.push({ job: jobId, role: (entry as { role: string }).role }),
      });
    } catch (error) {
      result = { id, uses: step.uses, run: step.run, result: 'failure', outputs: {}, log: String(error) };
    }
    ctx.trace.push(`${label}: ${result.result} (${Date.now() - stepStarted} ms)`);
    steps.push(result);
    if (result.result === 'failure') failed = true;
  }
  // Post steps run in reverse order, whatever happened.
  for (const post of posts.reverse()) await post();
  return {
    matrix,
    result: failed ? 'failure' : 'success',
    steps,
    summary: await readFile(files.summary, 'utf8'),
  };
}

interface StepEnvironment {
  workspace: string;
  /** The job's environment; credentials steps add to it for the steps after them. */
  env: Record<string, string>;
  files: { output: string; state: string; summary: string };
  artifacts: Map<string, string>;
  aws: Record<string, string>;
  runnerEnv: Record<string, string>;
  github: Record<string, unknown>;
  posts: Array<() => Promise<void>>;
  permissions: Record<string, string>;
  record: (kind: 'checkout' | 'role' | 'pages', entry: object) => void;
  /** Other runs, for download-artifact's run-id. */
  runs: Rehearsal[];
}

async function runStep(
  id: string,
  step: RawStep,
  withValues: Record<string, string>,
  stepEnv: Record<string, string>,
  where: StepEnvironment,
): Promise<StepRun> {
  const done = (result: Result, outputs: Record<string, string> = {}, log = ''): StepRun => ({
    id,
    uses: step.uses,
    run: step.run,
    result,
    outputs,
    log,
  });
  const uses = step.uses ?? '';
  if (step.run !== undefined) {
    // Each step has its own GITHUB_OUTPUT file, as on the runner.
    const output = join(where.workspace, `.output-${id}`);
    await writeFile(output, '');
    const { code, log } = await bash(step.run, where.workspace, {
      ...runnerBase(where),
      ...stepEnv,
      GITHUB_STEP_SUMMARY: where.files.summary,
      GITHUB_OUTPUT: output,
    });
    return done(code === 0 ? 'success' : 'failure', parseCommandFile(await readFile(output, 'utf8')), log);
  }
  if (uses.startsWith('actions/checkout@')) {
    // The workspace gets the action as committed: action.yml and the bundled dist/.
    if (withValues.repository && !/^[\w.-]+\/[\w.-]+$/.test(withValues.repository))
      throw new Error(`checkout of "${withValues.repository}"`);
    where.record('checkout', {
      repository: withValues.repository || String(where.github.repository),
      ref: withValues.ref || String(where.github.sha),
    });
    await cp(join(REPO_ROOT, 'action.yml'), join(where.workspace, 'action.yml'));
    await symlink(join(REPO_ROOT, 'dist'), join(where.workspace, 'dist'));
    return done('success');
  }
  if (uses.startsWith('aws-actions/configure-aws-credentials@')) {
    if (where.permissions['id-token'] !== 'write')
      throw new Error('configure-aws-credentials with OIDC needs permissions: id-token: write');
    if (!withValues['role-to-assume']) throw new Error('configure-aws-credentials: role-to-assume is empty');
    where.record('role', { role: withValues['role-to-assume'] });
    Object.assign(where.env, where.aws, {
      AWS_REGION: withValues['aws-region'] ?? '',
      AWS_DEFAULT_REGION: withValues['aws-region'] ?? '',
    });
    return done('success');
  }
  if (uses.startsWith('actions/upload-artifact@')) {
    const name = withValues.name ?? 'artifact';
    // upload-artifact v4: names are unique per run (all attempts), unless overwrite replaces one.
    if (where.artifacts.has(name) && withValues.overwrite !== 'true')
      throw new Error(`an artifact named ${name} already exists (409 Conflict)`);
    const paths = (withValues.path ?? '')
      .split('\n')
      .map((path) => path.trim())
      .filter(Boolean);
    const present = paths.filter((path) => existsSync(join(where.workspace, path)));
    if (present.length === 0) {
      if (withValues['if-no-files-found'] === 'ignore') return done('success');
      throw new Error(`upload-artifact ${name}: no files found at ${paths.join(', ')}`);
    }
    const store = await mkdtemp(join(dirname(where.workspace), `artifact-${name}-`));
    // Paths are kept relative to their least common ancestor: one directory uploads its contents.
    const only = present.length === 1 ? join(where.workspace, present[0]!) : undefined;
    if (only && (await stat(only)).isDirectory()) await cp(only, store, { recursive: true });
    else
      for (const path of present)
        await cp(join(where.workspace, path), join(store, basename(path)), { recursive: true });
    where.artifacts.set(name, store);
    return done('success');
  }
  if (uses.startsWith('actions/download-artifact@')) {
    const target = join(where.workspace, withValues.path ?? '');
    const artifacts = artifactsOfRun(withValues, where);
    const pattern = withValues.pattern
      ? new RegExp(`^${withValues.pattern.replace(/\*/g, '.*')}$`)
      : undefined;
    const names = withValues.name
      ? [withValues.name]
      : [...artifacts.keys()].filter((name) => !pattern || pattern.test(name));
    for (const name of names) {
      const store = artifacts.get(name);
      if (!store) throw new Error(`Artifact '${name}' not found`);
      // As download-artifact does: one artifact (by name or the only match) lands in path itself.
      const into =
        withValues.name || withValues['merge-multiple'] === 'true' || names.length === 1
          ? target
          : join(target, name);
      await mkdir(into, { recursive: true });
      for (const file of await readdir(store))
        await cp(join(store, file), join(into, file), { recursive: true });
    }
    return done('success');
  }
  if (uses.startsWith('actions/upload-pages-artifact@')) {
    // The site as a "github-pages" artifact (the real action tars the directory first).
    const site = join(where.workspace, withValues.path ?? '_site/');
    if (!existsSync(site)) throw new Error(`upload-pages-artifact: no directory at ${withValues.path}`);
    const store = await mkdtemp(join(dirname(where.workspace), 'artifact-github-pages-'));
    await cp(site, store, { recursive: true });
    where.artifacts.set(withValues.name || 'github-pages', store);
    return done('success');
  }
  if (uses.startsWith('actions/deploy-pages@')) {
    if (where.permissions.pages !== 'write' || where.permissions['id-token'] !== 'write')
      throw new Error('deploy-pages needs permissions: pages: write and id-token: write');
    const store = where.artifacts.get(withValues.artifact_name || 'github-pages');
    if (!store) throw new Error('deploy-pages: no github-pages artifact was uploaded');
    where.record('pages', { site: store });
    return done('success', { page_url: 'https://fedora-cloud.github.io/fedimg/' });
  }
  if (uses === './') return runLocalAction(id, withValues, stepEnv, where);
  throw new Error(`the rehearsal does not know the action ${uses}`);
}

/**
 * The artifacts download-artifact reads: this run's, or with github-token and run-id another run's
 * (the token needs actions: read on the repository).
 */
function artifactsOfRun(withValues: Record<string, string>, where: StepEnvironment): Map<string, string> {
  const runId = withValues['run-id'];
  if (!runId || runId === String(where.github.run_id)) return where.artifacts;
  if (!withValues['github-token']) return where.artifacts; // run-id is ignored without a token
  if (!['read', 'write'].includes(where.permissions.actions ?? ''))
    throw new Error(`download-artifact from run ${runId}: the token lacks actions: read`);
  const run = where.runs.find((candidate) => candidate.runId === runId);
  if (!run) throw new Error(`download-artifact: no run ${runId} in this repository`);
  return run.artifacts;
}

function runnerBase(where: StepEnvironment): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? where.workspace,
    RUNNER_TEMP: where.workspace,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: where.workspace,
    GITHUB_REPOSITORY: String(where.github.repository),
    GITHUB_RUN_ID: String(where.github.run_id),
    GITHUB_RUN_ATTEMPT: String(where.github.run_attempt),
    GITHUB_SERVER_URL: String(where.github.server_url),
    ...where.runnerEnv,
  };
}

async function runLocalAction(
  id: string,
  withValues: Record<string, string>,
  stepEnv: Record<string, string>,
  where: StepEnvironment,
): Promise<StepRun> {
  const action = parseYaml(await readFile(join(where.workspace, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    runs: { using: string; main: string; post?: string };
  };
  const unknown = Object.keys(withValues).filter((name) => !(name in action.inputs));
  if (unknown.length > 0) throw new Error(`inputs not declared in action.yml: ${unknown.join(', ')}`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    const fallback =
      spec.default === undefined
        ? ''
        : asString(interpolate(spec.default, { github: where.github }, NO_STATUS));
    inputs[name] = withValues[name] ?? fallback;
  }
  const step = { cwd: where.workspace, env: { ...runnerBase(where), ...stepEnv }, inputs };
  const main = await runAction(join(where.workspace, action.runs.main), step);
  await appendFile(where.files.summary, main.summary);
  if (action.runs.post) {
    where.posts.push(async () => {
      const post = await runAction(join(where.workspace, action.runs.post!), { ...step, state: main.state });
      await appendFile(where.files.summary, post.summary);
    });
  }
  return {
    id,
    uses: './',
    result: main.exitCode === 0 ? 'success' : 'failure',
    outputs: main.outputs,
    log: main.stdout + main.stderr,
  };
}

function bash(script: string, cwd: string, env: Record<string, string>) {
  return spawnLogged('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], cwd, env);
}

function spawnLogged(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; log: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.on('close', (code) => resolvePromise({ code, log: withoutNodeVersionWarning(log) }));
  });
}
