/**
 * The default VPC's network as EC2 describes it (DescribeVpcs, DescribeSubnets,
 * DescribeSecurityGroups, with the filters doctor and the boot test use), the account's block public
 * access for snapshots, and where RunInstances puts an instance (EC2 User Guide, "Launch an instance
 * into a subnet": without a subnet, the default VPC's default subnet; without security groups, the
 * VPC's default group).
 */
import { AwsError, notFound } from '../../errors.js';
import type { SecurityGroup, Subnet } from '../../network.js';
import { ACCOUNT_ID, tagList } from '../../state.js';
import { matchesFilters, strings, tagFilterValues, type Ec2Context, type Operations } from './common.js';

/** The resources of one kind in the caller's region, or those named (each must exist there). */
function described<T extends { id: string; region: string }>(
  ctx: Ec2Context,
  map: Map<string, T>,
  ids: string[],
  code: string,
  what: string,
): T[] {
  const here = [...map.values()].filter((item) => item.region === ctx.region);
  for (const id of ids) if (!here.some((item) => item.id === id)) throw notFound(code, id, what);
  return ids.length > 0 ? here.filter((item) => ids.includes(item.id)) : here;
}

export const networkOperations: Operations = {
  DescribeVpcs(ctx, input) {
    const vpcs = described(
      ctx,
      ctx.state.network.vpcs,
      strings(input.VpcIds),
      'InvalidVpcID.NotFound',
      'vpc ID',
    );
    return {
      Vpcs: vpcs
        .filter((vpc) =>
          matchesFilters(input.Filters, (name) => {
            if (name === 'is-default') return [String(vpc.isDefault)];
            if (name === 'vpc-id') return [vpc.id];
            return tagFilterValues(vpc.tags, name);
          }),
        )
        .map((vpc) => ({
          VpcId: vpc.id,
          CidrBlock: vpc.cidr,
          State: 'available',
          IsDefault: vpc.isDefault,
          OwnerId: ACCOUNT_ID,
          Tags: tagList(vpc.tags),
        })),
    };
  },

  DescribeSubnets(ctx, input) {
    const subnets = described(
      ctx,
      ctx.state.network.subnets,
      strings(input.SubnetIds),
      'InvalidSubnetID.NotFound',
      'subnet ID',
    );
    return {
      Subnets: subnets
        .filter((subnet) =>
          matchesFilters(input.Filters, (name) => {
            if (name === 'vpc-id') return [subnet.vpcId];
            if (name === 'subnet-id') return [subnet.id];
            if (name === 'default-for-az') return [String(subnet.defaultForAz)];
            if (name === 'availability-zone') return [subnet.availabilityZone];
            return tagFilterValues(subnet.tags, name);
          }),
        )
        .map((subnet) => ({
          SubnetId: subnet.id,
          VpcId: subnet.vpcId,
          AvailabilityZone: subnet.availabilityZone,
          CidrBlock: subnet.cidr,
          DefaultForAz: subnet.defaultForAz,
          MapPublicIpOnLaunch: subnet.defaultForAz,
          State: 'available',
          OwnerId: ACCOUNT_ID,
          SubnetArn: `arn:aws:ec2:${subnet.region}:${ACCOUNT_ID}:subnet/${subnet.id}`,
          Tags: tagList(subnet.tags),
        })),
    };
  },

  DescribeSecurityGroups(ctx, input) {
    const groups = described(
      ctx,
      ctx.state.network.securityGroups,
      strings(input.GroupIds),
      'InvalidGroup.NotFound',
      'security group',
    );
    return {
      SecurityGroups: groups
        .filter((group) =>
          matchesFilters(input.Filters, (name) => {
            if (name === 'vpc-id') return [group.vpcId];
            if (name === 'group-id') return [group.id];
            if (name === 'group-name') return [group.name];
            return tagFilterValues(group.tags, name);
          }),
        )
        .map((group) => ({
          GroupId: group.id,
          GroupName: group.name,
          Description: group.description,
          VpcId: group.vpcId,
          OwnerId: ACCOUNT_ID,
          Tags: tagList(group.tags),
        })),
    };
  },

  GetSnapshotBlockPublicAccessState(ctx) {
    return { State: ctx.state.regions.get(ctx.region)!.snapshotBlockPublicAccess, ManagedBy: 'account' };
  },
};

/**
 * The subnet and security groups a RunInstances request launches into, or AWS's refusal: an unknown
 * subnet or group, a group of another VPC, or no default VPC when the request names no subnet.
 */
export function launchNetwork(
  ctx: Ec2Context,
  subnetId: string | undefined,
  groupIds: string[],
): { subnet: Subnet; groups: SecurityGroup[] } {
  const network = ctx.state.network;
  let subnet: Subnet | undefined;
  if (subnetId) {
    subnet = network.subnets.get(subnetId);
    if (!subnet || subnet.region !== ctx.region)
      throw new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
  } else {
    const vpc = network.defaultVpc(ctx.region);
    subnet =
      vpc &&
      [...network.subnets.values()].find((candidate) => candidate.vpcId === vpc.id && candidate.defaultForAz);
    if (!subnet)
      throw new AwsError(
        'VPCIdNotSpecified',
        'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.',
      );
  }
  const groups = groupIds.map((id) => {
    const group = network.securityGroups.get(id);
    if (!group || group.region !== ctx.region)
      throw new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    if (group.vpcId !== subnet.vpcId)
      throw new AwsError(
        'InvalidParameter',
        `Security group ${id} and subnet ${subnet.id} belong to different networks.`,
      );
    return group;
  });
  if (groups.length === 0) {
    const fallback = network.defaultGroup(subnet.vpcId);
    if (fallback) groups.push(fallback);
  }
  return { subnet, groups };
}
