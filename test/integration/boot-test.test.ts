import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PendingResources } from '../../src/aws/pending.js';
import { BootTestError } from '../../src/errors.js';
import type { InputName } from '../../src/settings/index.js';
import { terminalLog } from '../../src/log.js';
import { runBootTest } from '../../src/stages/boot-test.js';
import { runImport } from '../../src/stages/import.js';
import { describeImage, emulatorStepEnv, expectClean } from '../helpers/aws.js';
import { useWorld } from '../helpers/world.js';
import { runAction } from '../helpers/runner.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });

const world = useWorld('fedimg-boot-', [{ composeId: 'Fedora-43-20260401.0', rawSize: 3 * 1024 * 1024 + 5 }]);

function settings(stage: string, extra: Partial<Record<InputName, string>> = {}) {
  return world.settings(stage, {
    'volume-types': 'gp3,gp2',
    ...extra,
  });
}

const noInstanceRunning = () => expectClean(world.emulator, expect);

describe('boot-test stage', () => {
  it('boots the default flavour of each arch with the right instance type, tags it passed, terminates, and re-runs as a no-op', async () => {
    await runImport(settings('import'), quiet);
    const pending = new PendingResources();
    const result = await runBootTest(settings('boot-test'), quiet, { pending });
    expect(result.records.map((record) => [record.image.arch, record.name, record.outcome?.passed])).toEqual([
      ['x86_64', 'Fedora-Cloud-Base-AmazonEC2.x86_64-43-1.6', true],
      ['aarch64', 'Fedora-Cloud-Base-AmazonEC2.aarch64-43-1.6', true],
    ]);
    expect(pending.list()).toEqual([]);
    const instances = world.emulator.inventory().instances;
    expect(instances).toHaveLength(2);
    expect(
      instances.every(
        (instance) => instance.tags.ManagedBy === 'fedimg' && instance.tags['fedimg:boot-test'],
      ),
    ).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    noInstanceRunning();
    for (const record of result.records) {
      const image = await describeImage(record.imageId);
      expect(image.Tags).toEqual(expect.arrayContaining([{ Key: 'fedimg:boot-test', Value: 'passed' }]));
    }
    const events = (await readFile(join(world.dir, 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.filter((event) => event.topic === 'image.test').map((event) => event.status)).toEqual([
      'started',
      'started',
      'completed',
      'completed',
    ]);

    const again = await runBootTest(settings('boot-test'), quiet);
    expect(again.records.every((record) => record.alreadyPassed)).toBe(true);
    expect(world.emulator.inventory().instances).toHaveLength(2);
  }, 60_000);

  it.each([
    ['fail', /test command exited 1/],
    ['hang', /no verdict reached the console/],
    ['no-boot', /impaired/],
  ] as const)(
    'fails with a BootTestError naming AMI and region when the boot test %s, and terminates the instance',
    async (verdict, message) => {
      await runImport(settings('import'), quiet);
      world.emulator.setBoot('Fedora-Cloud-Base-AmazonEC2.x86_64-*', verdict);
      const short = settings('boot-test');
      short.bootTest.timeoutMs = 1500; // a hang is only detected by the timeout
      const error = await runBootTest(short, quiet).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BootTestError);
      expect((error as Error).message).toMatch(/1 of 2 AMI\(s\) failed the boot test: ami-\w+ \(x86_64\)/);
      expect((error as Error).message).toMatch(/in us-east-1/);
      expect((error as Error).message).toMatch(message);
      // The console's last line stands alone; what to do comes on a line of its own.
      const lines = (error as Error).message.split('\n');
      expect(lines.at(-1)).toMatch(/^The AMI is not copied or made public\./);
      expect(lines.at(-2)).not.toContain('The AMI is not copied');
      const x86 = world.emulator
        .inventory()
        .images.find((image) => image.name === 'Fedora-Cloud-Base-AmazonEC2.x86_64-43-1.6')!;
      expect(x86.tags['fedimg:boot-test']).toBe('failed');
      await new Promise((resolve) => setTimeout(resolve, 100));
      noInstanceRunning();
    },
    120_000,
  );

  it('refuses to test an AMI that was never imported', async () => {
    await expect(runBootTest(settings('boot-test'), quiet)).rejects.toThrow(
      /is not registered in us-east-1.*Run the import stage/,
    );
    expect(world.emulator.inventory().instances).toEqual([]);
  });

  it('writes the failing console lines to the job summary before failing the bundled action', async () => {
    await runImport(settings('import'), quiet);
    world.emulator.setBoot('Fedora-Cloud-Base-AmazonEC2.x86_64-*', 'fail');
    const env = emulatorStepEnv();
    const run = await runAction('dist/action/index.js', {
      env,
      inputs: {
        stage: 'boot-test',
        'compose-location': world.location(),
        'allowed-hosts': world.files.host,
        'allow-http': 'true',
        'volume-types': 'gp3,gp2',
        architectures: 'x86_64',
        'events-file': join(world.dir, 'summary-events.ndjson'),
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error title=fedimg boot-test::1 of 1 AMI\(s\) failed the boot test/);
    expect(run.summary).toContain('failed (exit 1)');
    expect(run.summary).toMatch(/fedimg-boot-test fedimg-\w+ exit=1/);
    expect(JSON.parse(run.outputs['boot-test']!)).toEqual([expect.objectContaining({ passed: false })]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expectClean(world.emulator, expect);
  }, 60_000);

  it('runs from the bundled action, and its post step terminates an instance a killed main step left', async () => {
    await runImport(settings('import'), quiet);
    world.emulator.setBoot('Fedora-Cloud-Base-AmazonEC2.aarch64-*', 'hang');
    const env = emulatorStepEnv();
    const inputs = {
      stage: 'boot-test',
      'compose-location': world.location(),
      'allowed-hosts': world.files.host,
      'allow-http': 'true',
      'volume-types': 'gp3,gp2',
      architectures: 'aarch64',
      'events-file': join(world.dir, 'action-events.ndjson'),
    };
    // Kill the step once it has recorded the instance in its state (not merely launched it).
    const waitForInstance = async (stepFiles: { state: string }) => {
      while (!(await readFile(stepFiles.state, 'utf8')).includes('"instance"')) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const main = await runAction('dist/action/index.js', { inputs, env, killAfter: waitForInstance });
    expect(main.exitCode, main.stdout).not.toBe(0);
    const [pending] = JSON.parse(main.state.pending!);
    expect(pending).toMatchObject({ kind: 'instance', region: 'us-east-1' });
    const post = await runAction('dist/action/index.js', { inputs, env, state: main.state });
    expect(post.stdout).toMatch(/Removed unfinished instance:us-east-1:i-/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    noInstanceRunning();
  }, 60_000);
});
