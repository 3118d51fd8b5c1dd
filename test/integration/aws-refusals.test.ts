/**
 * Every stage meets an AWS that refuses one call it needs (the emulator's IAM with one explicit
 * Deny, answering as AWS does: UnauthorizedOperation for EC2, AccessDeniedException for EBS). Each
 * ends in a FedimgError that names the call, the region, AWS's code, and the permission to grant;
 * the bundled CLI prints it without a stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../src/aws/errors.js';
import { FedimgError } from '../../src/errors.js';
import { terminalLog } from '../../src/log.js';
import { unsupportedNodeNotice } from '../../src/node-support.js';
import type { Stage } from '../../src/settings/index.js';
import { STAGE_REGISTRY } from '../../src/stages/index.js';
import { tableAsMarkdown } from '../../src/report/table.js';
import type { PolicyDocument } from '../../emulator/iam/evaluate.js';
import { useWorld } from '../helpers/world.js';

/**
 * This process's environment without the switch vitest.config.ts sets for its workers, so that the
 * CLI meets Node 20 as a user's shell would and must silence the SDK's warning itself.
 */
function withoutSdkNodeWarningSwitch(): NodeJS.ProcessEnv {
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _switch, ...env } = process.env;
  return env;
}

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const world = useWorld('fedimg-refusals-', [
  { composeId: 'Fedora-Rawhide-20261120.n.0', rawSize: 1024 * 1024 + 3, arches: ['x86_64'] },
]);
afterEach(() => world.emulator.setIamPolicy(undefined));

/** Everything allowed except the actions named. */
const denying = (action: string | string[]): PolicyDocument => ({
  Statement: [
    { Effect: 'Allow', Action: '*', Resource: '*' },
    { Effect: 'Deny', Action: action, Resource: '*' },
  ],
});

const settings = (stage: Stage) =>
  world.settings(stage, { regions: 'eu-west-1', 'manifest-file': `${world.dir}/manifest.json` });

async function refusal(stage: Stage, action: string | string[]): Promise<FedimgError> {
  world.emulator.setIamPolicy(denying(action));
  const error = await STAGE_REGISTRY[stage].run(settings(stage), quiet, {}).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  world.emulator.setIamPolicy(undefined);
  expect(error, `${stage} with ${action} refused`).toBeInstanceOf(FedimgError);
  return error as FedimgError;
}

describe('an AWS refusal in any stage', () => {
  it('ends every stage in an error naming the call, region, code and the permission to grant', async () => {
    // Each stage once refused, then once allowed, so the next stage has what it needs.
    const steps: Array<[Stage, string, RegExp]> = [
      ['plan', 'ec2:DescribeRegions', /UnauthorizedOperation/],
      ['import', 'ebs:StartSnapshot', /AccessDenied/],
      ['boot-test', 'ec2:RunInstances', /UnauthorizedOperation/],
      ['copy', 'ec2:CopyImage', /UnauthorizedOperation/],
      ['publish', 'ec2:GetImageBlockPublicAccessState', /UnauthorizedOperation/],
      ['verify', 'ec2:DescribeSnapshotAttribute', /UnauthorizedOperation/],
    ];
    for (const [stage, action, code] of steps) {
      const error = await refusal(stage, action);
      expect(error.area, action).toMatch(new RegExp(`^(${stage}|upload|copy)$`));
      expect(error.message, action).toContain(action);
      expect(error.message, action).toMatch(code);
      expect(error.message, action).toMatch(/us-east-1|eu-west-1/);
      expect(error.message, action).toContain('docs/iam-policy.json');
      await STAGE_REGISTRY[stage].run(settings(stage), quiet, {});
    }
    const cleanup = await refusal('cleanup', 'ec2:DescribeImages');
    expect(cleanup).toBeInstanceOf(AwsError);
    expect(cleanup.message).toContain('ec2:DescribeImages in');
  }, 120_000);

  it.each(['StartSnapshot', 'CompleteSnapshot'])(
    'asks for %s once when it is refused: a refusal is not retried',
    async (operation) => {
      const before = world.emulator.requests().length;
      await refusal('import', `ebs:${operation}`);
      const asked = world.emulator
        .requests()
        .slice(before)
        .filter((request) => request.operation === operation);
      expect(asked).toHaveLength(1);
    },
    60_000,
  );

  it('names the permission when EBS refuses a block, and removes the unfinished snapshot', async () => {
    const error = await refusal('import', 'ebs:PutSnapshotBlock');
    expect(error.message).toContain('ebs:PutSnapshotBlock in us-east-1 failed: AccessDeniedException');
    expect(error.hint).toMatch(/^Snapshot snap-[0-9a-f]+ was removed\. /);
    expect(error.hint).toContain('may not call ebs:PutSnapshotBlock in us-east-1');
    expect(error.hint).toContain('docs/iam-policy.json');
    expect(error.hint).not.toMatch(/re-run the job/i);
    expect(world.emulator.inventory().snapshots).toEqual([]);
  }, 60_000);

  it('says so, and leaves it to the post step, when the unfinished snapshot cannot be removed either', async () => {
    const error = await refusal('import', ['ebs:PutSnapshotBlock', 'ec2:DeleteSnapshot']);
    expect(error.message).toContain('ebs:PutSnapshotBlock in us-east-1 failed: AccessDeniedException');
    expect(error.hint).toMatch(
      /^Snapshot snap-[0-9a-f]+ could not be removed; the post step will try again\. /,
    );
    expect(error.hint).toContain('may not call ebs:PutSnapshotBlock in us-east-1');
    expect(world.emulator.inventory().snapshots).toHaveLength(1);
  }, 60_000);

  it('publishes no account data: events and summaries hold no account ID, ARN or encoded message', async () => {
    const tables: string[] = [];
    const run = async (stage: Stage, action: string) => {
      world.emulator.setIamPolicy(denying(action));
      const error = await STAGE_REGISTRY[stage]
        .run(settings(stage), quiet, {
          onResult: async (result) =>
            void tables.push(tableAsMarkdown(STAGE_REGISTRY[stage].table(result, settings(stage)))),
        })
        .then(
          () => undefined,
          (thrown: unknown) => thrown as Error,
        );
      world.emulator.setIamPolicy(undefined);
      return error;
    };
    await rm(join(world.dir, 'events.ndjson'), { force: true });
    const upload = await run('import', 'ebs:PutSnapshotBlock');
    await STAGE_REGISTRY.import.run(settings('import'), quiet, {});
    await STAGE_REGISTRY['boot-test'].run(settings('boot-test'), quiet, {});
    const copy = await run('copy', 'ec2:CopyImage');
    // The log keeps what the operator needs (the runner masks the account ID there) …
    expect(upload?.message).toContain('arn:aws:sts::123456789012:assumed-role/');
    expect(copy?.message).toMatch(/Encoded authorization failure message: [\w-]{40,}/);
    // … what is published does not.
    const events = await readFile(join(world.dir, 'events.ndjson'), 'utf8');
    const failed = events
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string; extra: { error?: string } })
      .filter((event) => event.status === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.map((event) => event.extra.error).join('\n')).toContain('not authorized');
    expect(tables.join('\n')).toContain('not authorized');
    for (const published of [events, tables.join('\n')]) {
      expect(published).not.toContain('123456789012');
      expect(published).not.toMatch(/arn:aws/);
      expect(published).not.toMatch(
        /Encoded authorization failure message: (?!<redacted>|&#60;redacted&#62;)/,
      );
    }
  }, 120_000);

  it('is printed by the bundled CLI as one error line with its hint, never a stack trace', async () => {
    world.emulator.setIamPolicy(denying('ec2:DescribeRegions'));
    const cli = promisify(execFile)(process.execPath, [
      'dist/cli/index.js',
      'plan',
      ...world.cliSource(),
      '--regions',
      'eu-west-1',
    ]);
    const failure = (await cli.then(
      () => undefined,
      (error: unknown) => error,
    )) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('ec2:DescribeRegions in us-east-1 failed: UnauthorizedOperation');
    expect(failure.stderr).toContain('docs/iam-policy.json');
    expect(failure.stderr).not.toMatch(/\bat [\w.<>]+ \(/);
    // --verbose adds the stack of the SDK's error fedimg wrapped (as a debug line).
    const verbose = (await promisify(execFile)(process.execPath, [
      'dist/cli/index.js',
      'plan',
      ...world.cliSource(),
      '--regions',
      'eu-west-1',
      '--verbose',
    ]).catch((error: unknown) => error)) as { stderr: string };
    expect(verbose.stderr).toContain('ec2:DescribeRegions in us-east-1 failed: UnauthorizedOperation');
    expect(verbose.stderr).toMatch(/^debug: UnauthorizedOperation: You are not authorized.* ⏎ +at /m);
  }, 60_000);

  it('takes the plan from a file: fedimg plan --json, then a stage with --plan reads no compose metadata', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'fedimg-plan-'));
    try {
      const cli = (...args: string[]) =>
        promisify(execFile)(process.execPath, [resolve('dist/cli/index.js'), ...args], { cwd });
      const { stdout } = await cli('plan', ...world.cliSource(), '--regions', 'eu-west-1', '--json');
      await writeFile(join(cwd, 'plan.json'), stdout);
      const before = world.files.requests.length;
      const source = ['--allowed-hosts', world.files.host, '--allow-http'];
      await cli('import', '--plan', join(cwd, 'plan.json'), ...source);
      const fetched = world.files.requests.slice(before).map((request) => request.path);
      expect(fetched.length).toBeGreaterThan(0);
      expect(fetched.every((path) => path.endsWith('.raw.xz'))).toBe(true);
      // A plan and a compose at once: which would win is a guess, so it is refused.
      const both = (await cli('copy', '--plan', join(cwd, 'plan.json'), ...world.cliSource()).catch(
        (error: unknown) => error,
      )) as { stderr: string };
      expect(both.stderr).toContain('was given with a compose');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 120_000);

  it('leaves the working directory clean: a CLI run writes files only where it is told to', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'fedimg-cwd-'));
    const before = world.files.requests.length;
    try {
      const { stderr } = await promisify(execFile)(
        process.execPath,
        [resolve('dist/cli/index.js'), 'run', ...world.cliSource(), '--regions', 'eu-west-1'],
        { cwd, env: withoutSdkNodeWarningSwitch() },
      );
      expect(await readdir(cwd)).toEqual([]);
      // `run` plans once: the compose metadata is read by the plan, every later stage takes its images.
      const metadata = world.files.requests
        .slice(before)
        .map((request) => request.path)
        .filter((path) => !path.endsWith('.raw.xz'));
      expect(metadata.length).toBeGreaterThan(0);
      expect(metadata).toEqual([...new Set(metadata)]);
      expect(stderr).not.toContain('Manifest:');
      // On a Node outside the supported range: one line of fedimg's, never the SDK's own warning.
      expect(stderr).not.toContain('NodeVersionSupportWarning');
      const notices = stderr.split('\n').filter((line) => line.includes("outside fedimg's supported range"));
      expect(notices).toHaveLength(unsupportedNodeNotice(process.version) ? 1 : 0);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 120_000);
});
