/** Instances: the boot test's RunInstances, status, console and termination. */

import { AwsError } from '../../errors.js';
import { ACCOUNT_ID, newId, tagList, type Instance } from '../../state.js';
import {
  getImage,
  getInstance,
  inRegion,
  matchesFilters,
  strings,
  tagFilterValues,
  tagsFrom,
  type Operations,
  type Output,
} from './common.js';
import { bootConsoleLines } from '../../boot-console.js';
import { launchNetwork } from './network.js';

function instanceState(instance: Instance): Output {
  const codes = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48 };
  return { Code: codes[instance.state], Name: instance.state };
}

function instanceOutput(instance: Instance): Output {
  return {
    InstanceId: instance.id,
    ImageId: instance.imageId,
    State: instanceState(instance),
    InstanceType: instance.instanceType,
    Architecture: instance.architecture,
    LaunchTime: new Date(instance.launchedAt),
    Placement: { AvailabilityZone: `${instance.region}a` },
    SubnetId: instance.subnetId,
    VpcId: instance.vpcId,
    MetadataOptions: { HttpTokens: instance.httpTokens, State: 'applied' },
    SecurityGroups: instance.securityGroupIds.map((GroupId) => ({ GroupId })),
    Tags: tagList(instance.tags),
    ClientToken: instance.clientToken,
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/sda1',
  };
}

/** The EC2 architecture of an instance type: Graviton families carry a "g" after the generation. */
export function instanceTypeArchitecture(instanceType: string): string | undefined {
  const match = /^([a-z]+)(\d+)([a-z-]*)\.[a-z0-9]+$/.exec(instanceType);
  if (!match) return undefined;
  return match[3]!.includes('g') && !match[3]!.startsWith('gd') ? 'arm64' : 'x86_64';
}

function reservationOf(instances: Instance[]): Output {
  return {
    ReservationId: `r-${instances[0]!.id.slice(2)}`,
    OwnerId: ACCOUNT_ID,
    Groups: [],
    Instances: instances.map(instanceOutput),
  };
}

export const instanceOperations: Operations = {
  RunInstances(ctx, input) {
    const token = input.ClientToken ? String(input.ClientToken) : undefined;
    if (token) {
      const existing = [...ctx.state.instances.values()].filter(
        (instance) => instance.region === ctx.region && instance.clientToken === token,
      );
      if (existing.length > 0) return reservationOf(existing);
    }
    const image = getImage(ctx, input.ImageId);
    if (image.state !== 'available')
      throw new AwsError('InvalidAMIID.Unavailable', `Image ${image.id} is not available (${image.state})`);
    const instanceType = String(input.InstanceType ?? 'm1.small');
    const architecture = instanceTypeArchitecture(instanceType);
    if (!architecture)
      throw new AwsError('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
    if (architecture !== image.architecture) {
      throw new AwsError(
        'InvalidParameterValue',
        `The architecture '${architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI.`,
      );
    }
    const network = launchNetwork(
      ctx,
      input.SubnetId ? String(input.SubnetId) : undefined,
      strings(input.SecurityGroupIds),
    );
    if (input.KeyName)
      throw new AwsError('InvalidKeyPair.NotFound', `The key pair '${String(input.KeyName)}' does not exist`);
    const count = Number(input.MinCount ?? 1);
    const now = ctx.state.now();
    const instances: Instance[] = [];
    for (let i = 0; i < count; i++) {
      const instance: Instance = {
        id: newId('i'),
        region: ctx.region,
        imageId: image.id,
        instanceType,
        architecture,
        userData: input.UserData ? Buffer.from(String(input.UserData), 'base64').toString('utf8') : '',
        tags: tagsFrom(input.TagSpecifications, 'instance'),
        clientToken: token,
        launchedAt: now,
        state: 'pending',
        runningAt: now + ctx.state.durations.boot,
        statusOkAt: now + ctx.state.durations.boot + ctx.state.durations.statusChecks,
        boot: image.boot,
        subnetId: network.subnet.id,
        vpcId: network.subnet.vpcId,
        securityGroupIds: network.groups.map((group) => group.id),
        httpTokens: String(
          (input.MetadataOptions as { HttpTokens?: string } | undefined)?.HttpTokens ?? 'optional',
        ),
        visibleAt: now + ctx.state.durations.consistency,
      };
      ctx.state.instances.set(instance.id, instance);
      ctx.state.schedule(ctx.state.durations.boot, () => {
        if (instance.state === 'pending') instance.state = 'running';
      });
      instances.push(instance);
    }
    return reservationOf(instances);
  },

  DescribeInstances(ctx, input) {
    const ids = strings(input.InstanceIds);
    const instances =
      ids.length > 0 ? ids.map((id) => getInstance(ctx, id)) : inRegion(ctx, ctx.state.instances);
    const matching = instances.filter((instance) =>
      matchesFilters(input.Filters, (name) => {
        if (name === 'instance-state-name') return [instance.state];
        if (name === 'image-id') return [instance.imageId];
        if (name === 'instance-id') return [instance.id];
        return tagFilterValues(instance.tags, name);
      }),
    );
    return { Reservations: matching.length > 0 ? [reservationOf(matching)] : [] };
  },

  DescribeInstanceStatus(ctx, input) {
    const ids = strings(input.InstanceIds);
    const instances =
      ids.length > 0 ? ids.map((id) => getInstance(ctx, id)) : inRegion(ctx, ctx.state.instances);
    const now = ctx.state.now();
    return {
      InstanceStatuses: instances
        .filter((instance) => input.IncludeAllInstances === true || instance.state === 'running')
        .map((instance) => {
          const checked = instance.state === 'running' && now >= instance.statusOkAt;
          const status =
            instance.state !== 'running'
              ? 'not-applicable'
              : !checked
                ? 'initializing'
                : instance.boot === 'no-boot'
                  ? 'impaired'
                  : 'ok';
          const details = [
            {
              Name: 'reachability',
              Status: status === 'ok' ? 'passed' : status === 'impaired' ? 'failed' : 'initializing',
            },
          ];
          return {
            InstanceId: instance.id,
            AvailabilityZone: `${instance.region}a`,
            InstanceState: instanceState(instance),
            InstanceStatus: { Status: status, Details: details },
            SystemStatus: {
              Status: instance.state === 'running' ? (checked ? 'ok' : 'initializing') : 'not-applicable',
              Details: details,
            },
          };
        }),
    };
  },

  GetConsoleOutput(ctx, input) {
    const instance = getInstance(ctx, input.InstanceId);
    const lines = instance.state === 'pending' ? [] : bootConsoleLines(instance, ctx.state.now());
    return {
      InstanceId: instance.id,
      Timestamp: new Date(),
      Output: lines.length > 0 ? Buffer.from(`${lines.join('\r\n')}\r\n`).toString('base64') : undefined,
    };
  },

  TerminateInstances(ctx, input) {
    return {
      TerminatingInstances: strings(input.InstanceIds).map((id) => {
        const instance = getInstance(ctx, id);
        const previous = instanceState(instance);
        if (instance.state !== 'terminated' && instance.state !== 'shutting-down') {
          instance.state = 'shutting-down';
          ctx.state.schedule(ctx.state.durations.terminate, () => (instance.state = 'terminated'));
        }
        return { InstanceId: instance.id, PreviousState: previous, CurrentState: instanceState(instance) };
      }),
    };
  },
};
