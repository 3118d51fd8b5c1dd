import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';

/** Where a boot-test instance would launch: the configured subnet and groups, or the default VPC's. */

export interface NetworkPart {
  id: string;
  /** Tag values as AWS returned them (untrusted: compared, never acted on). */
  tags: Record<string, string>;
}

export interface LaunchNetwork {
  /** The configured subnet, or the default VPC's default subnet of the region's first zone. */
  subnet: NetworkPart | undefined;
  groups: NetworkPart[];
  /** Why there is nowhere to launch (no default VPC, a configured subnet or group that is missing). */
  problem: string | undefined;
}

const tagsOf = (tags: Array<{ Key?: string; Value?: string }> | undefined) =>
  Object.fromEntries((tags ?? []).flatMap((tag) => (tag.Key ? [[tag.Key, tag.Value ?? '']] : [])));

export async function launchNetwork(
  ec2: EC2Client,
  region: string,
  subnetId: string | undefined,
  groupIds: string[],
): Promise<LaunchNetwork> {
  let vpcId: string | undefined;
  let subnet: NetworkPart | undefined;
  if (subnetId) {
    const { Subnets = [] } = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [subnetId] }] }),
    );
    if (!Subnets[0])
      return { subnet: undefined, groups: [], problem: `subnet-id ${subnetId} does not exist in ${region}.` };
    vpcId = Subnets[0].VpcId;
    subnet = { id: subnetId, tags: tagsOf(Subnets[0].Tags) };
  } else {
    const { Vpcs = [] } = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
    );
    vpcId = Vpcs[0]?.VpcId;
    if (!vpcId)
      return {
        subnet: undefined,
        groups: [],
        problem: `${region} has no default VPC: set subnet-id and security-group-ids to where boot tests may launch.`,
      };
  }
  const { SecurityGroups = [] } = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters:
        groupIds.length > 0
          ? [{ Name: 'group-id', Values: groupIds }]
          : [
              { Name: 'vpc-id', Values: [vpcId!] },
              { Name: 'group-name', Values: ['default'] },
            ],
    }),
  );
  const missing = groupIds.filter((id) => !SecurityGroups.some((group) => group.GroupId === id));
  if (missing.length > 0)
    return {
      subnet,
      groups: [],
      problem: `security-group-ids ${missing.join(', ')} do not exist in ${region}.`,
    };
  return {
    subnet,
    groups: SecurityGroups.map((group) => ({ id: group.GroupId!, tags: tagsOf(group.Tags) })),
    problem: undefined,
  };
}
