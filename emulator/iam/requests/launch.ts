/**
 * RunInstances for IAM, after the SAR's RunInstances row and its EC2-VPC-EBS scenarios: the AMI
 * (image*), the new instance (instance*), its network interface (network-interface*), its security
 * groups (security-group*), the subnet only when the request names one (subnet*), and the root
 * volume made from the AMI's snapshot (volume). Dependent: ec2:CreateTags for each tagged resource
 * type, and iam:PassRole when an instance profile is given (its role, passed to EC2). AWS's
 * documents do not say when the optional snapshot resource is authorized; the emulator does not.
 */
import { ACCOUNT_ID } from '../../constants.js';
import type { Candidate } from '../model/index.js';
import { launchNetwork } from '../../services/ec2/network.js';
import type { AccountState } from '../../state.js';
import {
  accountArn,
  existing,
  requestTagFacts,
  roleArn,
  securityGroupFacts,
  snapshotArn,
  specifiedTags,
  strings,
  subnetFacts,
  tagOnCreate,
  type Facts,
  type Input,
} from './facts.js';

export function launchCandidates(
  state: AccountState,
  region: string,
  input: Input,
  base: Facts,
): Candidate[] {
  const action = 'ec2:RunInstances';
  const image = existing(state, region, String(input.ImageId));
  const requestedSubnet = input.SubnetId ? String(input.SubnetId) : undefined;
  // Where the instance would land; an unknown subnet or group is refused by the call itself.
  let network: ReturnType<typeof launchNetwork> | undefined;
  try {
    network = launchNetwork({ state, region }, requestedSubnet, strings(input.SecurityGroupIds));
  } catch {
    network = undefined;
  }
  const metadata = (input.MetadataOptions ?? {}) as { HttpTokens?: string };
  const profile = (input.IamInstanceProfile ?? {}) as { Arn?: string; Name?: string };
  const profileName = profile.Name ?? profile.Arn?.split('/').pop();
  const zone = network?.subnet.availabilityZone ?? `${region}a`;
  const instance = accountArn(region, 'instance', '*');
  const networkInterface = accountArn(region, 'network-interface', '*');
  const volume = accountArn(region, 'volume', '*');
  const root = rootSnapshot(state, String(input.ImageId));
  const candidates: Candidate[] = [
    { action, resourceType: 'image', resource: image.arn, facts: { ...base, ...image.facts } },
    {
      action,
      resourceType: 'instance',
      resource: instance,
      facts: {
        ...base,
        ...requestTagFacts(specifiedTags(input, 'instance')),
        'ec2:InstanceType': String(input.InstanceType ?? 'm1.small'),
        'ec2:MetadataHttpTokens': metadata.HttpTokens ?? 'optional',
        'ec2:RootDeviceType': 'ebs',
        'ec2:AvailabilityZone': zone,
        ...(profileName
          ? { 'ec2:InstanceProfile': `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${profileName}` }
          : {}),
      },
    },
    {
      action,
      resourceType: 'network-interface',
      resource: networkInterface,
      facts: {
        ...base,
        ...requestTagFacts(specifiedTags(input, 'network-interface')),
        'ec2:AvailabilityZone': zone,
        ...(network
          ? {
              'ec2:Subnet': accountArn(region, 'subnet', network.subnet.id),
              'ec2:Vpc': accountArn(region, 'vpc', network.subnet.vpcId),
            }
          : {}),
      },
    },
    ...(network?.groups ?? []).map((group) => ({
      action,
      resourceType: 'security-group',
      resource: accountArn(region, 'security-group', group.id),
      facts: { ...base, ...securityGroupFacts(group) },
    })),
    ...(requestedSubnet && network
      ? [
          {
            action,
            resourceType: 'subnet',
            resource: accountArn(region, 'subnet', requestedSubnet),
            facts: { ...base, ...subnetFacts(network.subnet) },
          },
        ]
      : []),
    {
      action,
      resourceType: 'volume',
      resource: volume,
      facts: {
        ...base,
        ...requestTagFacts(specifiedTags(input, 'volume')),
        'ec2:AvailabilityZone': zone,
        ...(root
          ? {
              'ec2:ParentSnapshot': snapshotArn(region, root.snapshotId),
              'ec2:VolumeSize': String(root.size),
              'ec2:VolumeType': root.type,
              'ec2:Encrypted': String(root.encrypted),
            }
          : {}),
      },
    },
    ...tagOnCreate('RunInstances', 'instance', instance, specifiedTags(input, 'instance'), base),
    ...tagOnCreate('RunInstances', 'volume', volume, specifiedTags(input, 'volume'), base),
    ...tagOnCreate(
      'RunInstances',
      'network-interface',
      networkInterface,
      specifiedTags(input, 'network-interface'),
      base,
    ),
  ];
  if (profileName)
    candidates.push({
      action: 'iam:PassRole',
      resourceType: 'role',
      resource: roleArn(profileName),
      facts: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    });
  return candidates;
}

/** The AMI's root volume as RunInstances would create it. */
function rootSnapshot(state: AccountState, imageId: string) {
  const image = state.images.get(imageId);
  const mapping = image?.blockDeviceMappings.find((entry) => entry.DeviceName === image.rootDeviceName);
  if (!mapping?.Ebs?.SnapshotId) return undefined;
  return {
    snapshotId: mapping.Ebs.SnapshotId,
    size: mapping.Ebs.VolumeSize ?? 1,
    type: mapping.Ebs.VolumeType ?? 'gp2',
    encrypted: mapping.Ebs.Encrypted === true,
  };
}
