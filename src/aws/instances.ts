import { randomBytes } from 'node:crypto';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  GetConsoleOutputCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import type { PlannedImage } from '../compose/types.js';
import { BootTestError, describeError } from '../errors.js';
import type { Log } from '../log.js';
import { bootTestExitCode, bootTestUserData } from './boot-contract.js';
import type { PendingResources } from './pending.js';
import { addTags } from './images.js';
import { imageTags, MANAGED_BY, TAG, tagValue } from './tags.js';
import { readSettled } from './consistency.js';
import { poll } from '../util/poll.js';
import { isNotFound } from './errors.js';
import type { BootTestSettings } from '../settings/index.js';

export interface BootTestContext {
  ec2: EC2Client;
  region: string;
  log: Log;
  pending: PendingResources;
  settings: BootTestSettings;
  signal?: AbortSignal;
}

export interface BootTestOutcome {
  imageId: string;
  instanceId: string;
  passed: boolean;
  exitCode: number | undefined;
  consoleTail: string[];
  seconds: number;
}

function tail(output: string, lines = 25): string[] {
  return output.replace(/\r/g, '').split('\n').filter(Boolean).slice(-lines);
}

async function consoleText(ec2: EC2Client, instanceId: string): Promise<string> {
  const { Output } = await ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }));
  return Output ? Buffer.from(Output, 'base64').toString('utf8') : '';
}

/**
 * Starts one instance of the AMI that runs the test command from its user-data and shuts itself down
 * into termination; it has no key pair, and needs no inbound access. Returns its ID.
 */
async function launch(
  ec2: EC2Client,
  image: PlannedImage,
  ami: { imageId: string; name: string },
  settings: BootTestSettings,
  token: string,
): Promise<string> {
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: ami.imageId,
      InstanceType: settings.instanceTypes[image.ec2_arch] as _InstanceType,
      MinCount: 1,
      MaxCount: 1,
      ClientToken: token,
      UserData: Buffer.from(bootTestUserData(settings.command, token)).toString('base64'),
      InstanceInitiatedShutdownBehavior: 'terminate',
      MetadataOptions: { HttpTokens: 'required' },
      SubnetId: settings.subnetId,
      SecurityGroupIds: settings.securityGroupIds.length > 0 ? settings.securityGroupIds : undefined,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: imageTags(image, {
            [TAG.name]: `fedimg boot test of ${ami.name}`,
            [TAG.bootTest]: ami.imageId,
          }),
        },
      ],
    }),
  );
  return run.Instances![0]!.InstanceId!;
}

/**
 * Boots one AMI, waits for it to run and pass its status checks, then reads the verdict marker the
 * user-data writes to the serial console. The instance needs no key pair and no inbound access, and
 * it is always terminated; the AMI is tagged with the verdict.
 */
export async function bootTest(
  image: PlannedImage,
  ami: { imageId: string; name: string },
  ctx: BootTestContext,
): Promise<BootTestOutcome> {
  const { ec2, settings, log, region } = ctx;
  const token = `fedimg-${randomBytes(12).toString('hex')}`;
  const instanceType = settings.instanceTypes[image.ec2_arch];
  const started = Date.now();
  const instanceId = await launch(ec2, image, ami, settings, token);
  const pendingInstance = { kind: 'instance' as const, region, id: instanceId };
  ctx.pending.add(pendingInstance);
  log.info(
    `${image.arch}: booting ${ami.imageId} (${ami.name}) as ${instanceId} (${instanceType}) in ${region}; test command: ${settings.command}`,
  );
  let consoleOutput = '';
  const deadline = started + settings.timeoutMs;
  const remaining = () => Math.max(1000, deadline - Date.now());
  const options = () => ({ timeoutMs: remaining(), intervalMs: settings.pollIntervalMs, signal: ctx.signal });
  try {
    await poll(
      `instance ${instanceId} to run`,
      async () => {
        const { Reservations } = await ec2
          .send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))
          .catch((error: unknown) => {
            if (isNotFound(error)) return { Reservations: [] };
            throw error;
          });
        const state = Reservations?.[0]?.Instances?.[0]?.State?.Name;
        if (state === 'running') return true;
        if (state === 'shutting-down' || state === 'terminated' || state === 'stopped') {
          throw new Error(`the instance went ${state} before it ran`);
        }
        return undefined;
      },
      options(),
    );
    await poll(
      `status checks of ${instanceId}`,
      async () => {
        const { InstanceStatuses } = await ec2.send(
          new DescribeInstanceStatusCommand({ InstanceIds: [instanceId] }),
        );
        const status = InstanceStatuses?.[0];
        const checks = [status?.InstanceStatus?.Status, status?.SystemStatus?.Status];
        if (checks.includes('impaired'))
          throw new Error('the status checks report the instance impaired (it did not boot)');
        return checks.every((check) => check === 'ok') ? true : undefined;
      },
      options(),
    );
    const exitCode = await poll(
      `the boot-test verdict on the console of ${instanceId}`,
      async () => {
        consoleOutput = await consoleText(ec2, instanceId);
        return bootTestExitCode(consoleOutput, token);
      },
      options(),
    );
    const passed = exitCode === 0;
    return {
      imageId: ami.imageId,
      instanceId,
      passed,
      exitCode,
      consoleTail: tail(consoleOutput),
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    if (!consoleOutput) consoleOutput = await consoleText(ec2, instanceId).catch(() => '');
    return {
      imageId: ami.imageId,
      instanceId,
      passed: false,
      exitCode: undefined,
      consoleTail: [`(${describeError(error)})`, ...tail(consoleOutput)],
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    try {
      await terminateInstance(ec2, instanceId);
      ctx.pending.remove(pendingInstance);
    } catch (error) {
      log.warning(
        `Could not terminate boot-test instance ${instanceId} in ${region}: ${describeError(error)}; the post step will try again.`,
        'fedimg boot-test',
      );
    }
  }
}

/** Records the verdict on the AMI, where copy and publish look for it. */
export async function tagVerdict(
  ec2: EC2Client,
  outcome: BootTestOutcome,
  confirm: { firstWaitMs: number; log: Log },
): Promise<void> {
  const verdict = outcome.passed ? 'passed' : 'failed';
  await addTags(ec2, [outcome.imageId], [{ Key: TAG.bootTest, Value: verdict }]);
  // Copy and publish may read it at once ('fedimg run'), and a new tag may not show at once (EC2
  // Developer Guide, "Eventual consistency in the Amazon EC2 API"): the boot test ends only once it
  // shows, so that they can refuse at once an image that shows none.
  await readSettled(
    async () => {
      const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [outcome.imageId] }));
      return tagValue(Images?.[0]?.Tags, TAG.bootTest);
    },
    (shown) =>
      shown === verdict ? undefined : `${outcome.imageId}: its boot-test verdict does not show yet`,
    confirm,
  );
}

/** fedimg's boot-test instances in the region that have not ended (normally none outlive a run). */
export async function liveBootTestInstances(ec2: EC2Client): Promise<Instance[]> {
  const { Reservations = [] } = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] },
        { Name: 'tag-key', Values: [TAG.bootTest] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
    }),
  );
  return Reservations.flatMap((reservation) => reservation.Instances ?? []);
}

export async function terminateInstance(ec2: EC2Client, instanceId: string): Promise<void> {
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
}

/** What to do about a failed boot test. */
export const BOOT_TEST_HINT =
  'The AMI is not copied or made public. Fix the image or the test command (test-command) and re-run the boot test.';

/** A failed boot test: `detail` is what happened with the last console lines; the error adds the hint. */
export function bootTestFailure(
  image: PlannedImage,
  outcome: BootTestOutcome,
  region: string,
): BootTestError & { detail: string } {
  const why =
    outcome.exitCode !== undefined
      ? `the test command exited ${outcome.exitCode}`
      : 'no verdict reached the console';
  const detail = `AMI ${outcome.imageId} (${image.file}) failed its boot test in ${region}: ${why}. Last console lines:\n${outcome.consoleTail.join('\n')}`;
  return Object.assign(new BootTestError(detail, { hint: BOOT_TEST_HINT }), { detail });
}
