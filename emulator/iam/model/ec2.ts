/**
 * The Service Authorization Reference's rows for the EC2 actions fedimg, its doctor and the route
 * tests call, copied from "Actions, resources, and condition keys for Amazon EC2" (SAR.ec2): per
 * action the resource types it authorizes (* marks a required one) with the condition keys each
 * carries, the keys of the row without a resource type (they apply to the whole request), and the
 * dependent actions. CreateTags, DeleteTags and RunInstances list only the resource types fedimg can
 * touch.
 */
import { row, SAR, type ActionRow } from './row.js';

export const EC2_ROWS: Record<string, ActionRow> = {
  'ec2:CancelImportTask': row(
    'import-image-task import-snapshot-task',
    {
      'import-image-task': 'aws:ResourceTag/${TagKey} ec2:ResourceTag/${TagKey}',
      'import-snapshot-task': 'aws:ResourceTag/${TagKey} ec2:ResourceTag/${TagKey}',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:CopyImage': row(
    'image* snapshot*',
    {
      image: 'aws:RequestTag/${TagKey} aws:TagKeys ec2:ImageID ec2:Owner',
      snapshot: 'aws:RequestTag/${TagKey} aws:TagKeys',
      '': 'ec2:Region',
    },
    SAR.ec2,
    ['ec2:CreateTags'],
  ),
  'ec2:CopySnapshot': row(
    'snapshot*',
    {
      snapshot:
        'aws:RequestTag/${TagKey} aws:TagKeys ec2:Encrypted ec2:OutpostArn ec2:Owner ec2:ParentSnapshot ec2:ParentVolume ec2:ProductCode ec2:SnapshotID ec2:SnapshotTime ec2:VolumeSize',
      '': 'ec2:Region',
    },
    SAR.ec2,
    ['ec2:CreateTags'],
  ),
  'ec2:CreateTags': row(
    'image import-snapshot-task instance network-interface security-group snapshot subnet volume vpc',
    {
      image:
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ImageID ec2:ImageType ec2:Owner ec2:Public ec2:ResourceTag/${TagKey} ec2:RootDeviceType',
      'import-snapshot-task':
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey}',
      instance:
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:AvailabilityZone ec2:AvailabilityZoneId ec2:CpuOptionsAmdSevSnp ec2:EbsOptimized ec2:InstanceAutoRecovery ec2:InstanceBandwidthWeighting ec2:InstanceID ec2:InstanceMarketType ec2:InstanceMetadataTags ec2:InstanceProfile ec2:InstanceType ec2:ManagedResourceOperator ec2:MetadataHttpEndpoint ec2:MetadataHttpPutResponseHopLimit ec2:MetadataHttpTokens ec2:PlacementGroup ec2:ProductCode ec2:ResourceTag/${TagKey} ec2:RootDeviceType ec2:Tenancy',
      'network-interface':
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:AuthorizedUser ec2:AvailabilityZone ec2:ManagedResourceOperator ec2:NetworkInterfaceID ec2:Permission ec2:ResourceTag/${TagKey} ec2:Subnet ec2:Vpc',
      'security-group':
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey} ec2:SecurityGroupID ec2:Vpc',
      snapshot:
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:Encrypted ec2:Owner ec2:ParentVolume ec2:ResourceTag/${TagKey} ec2:SnapshotID ec2:SnapshotTime ec2:VolumeSize',
      subnet:
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:AvailabilityZone ec2:AvailabilityZoneId ec2:ResourceTag/${TagKey} ec2:SubnetID ec2:Vpc',
      volume:
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:AvailabilityZone ec2:AvailabilityZoneId ec2:Encrypted ec2:ManagedResourceOperator ec2:ParentSnapshot ec2:ParentVolume ec2:ResourceTag/${TagKey} ec2:VolumeID ec2:VolumeInitializationRate ec2:VolumeIops ec2:VolumeSize ec2:VolumeThroughput ec2:VolumeType',
      vpc: 'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey} ec2:Tenancy ec2:VpcID',
      '': 'ec2:CreateAction ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DeleteSnapshot': row(
    'snapshot*',
    {
      snapshot:
        'aws:ResourceTag/${TagKey} ec2:AvailabilityZone ec2:OutpostArn ec2:Owner ec2:ParentVolume ec2:ResourceTag/${TagKey} ec2:SnapshotID ec2:SnapshotTime ec2:VolumeSize',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DeleteTags': row(
    'image import-snapshot-task instance network-interface security-group snapshot subnet volume vpc',
    {
      image: 'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey}',
      'import-snapshot-task':
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey}',
      instance: 'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey}',
      'network-interface':
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey}',
      'security-group':
        'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey}',
      snapshot: 'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey}',
      subnet: 'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey}',
      volume: 'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey}',
      vpc: 'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ec2:ResourceTag/${TagKey}',
      '': 'aws:TagKeys ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DeregisterImage': row(
    'image*',
    {
      image:
        'aws:ResourceTag/${TagKey} ec2:ImageID ec2:ImageType ec2:Owner ec2:Public ec2:ResourceTag/${TagKey} ec2:RootDeviceType',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeAvailabilityZones': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeImageAttribute': row(
    'image*',
    {
      image:
        'aws:ResourceTag/${TagKey} ec2:ImageID ec2:ImageType ec2:Owner ec2:Public ec2:ResourceTag/${TagKey} ec2:RootDeviceType',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeImages': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeImportSnapshotTasks': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeInstanceStatus': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeInstances': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeRegions': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeSecurityGroups': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeSnapshotAttribute': row(
    'snapshot*',
    {
      snapshot:
        'aws:ResourceTag/${TagKey} ec2:Encrypted ec2:OutpostArn ec2:Owner ec2:ParentVolume ec2:ResourceTag/${TagKey} ec2:SnapshotID ec2:SnapshotTime ec2:SourceOutpostArn ec2:VolumeSize',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeSnapshots': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeSubnets': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DescribeVpcs': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:DisableImageDeprecation': row(
    'image*',
    {
      image:
        'aws:ResourceTag/${TagKey} ec2:ImageID ec2:ImageType ec2:Owner ec2:Public ec2:ResourceTag/${TagKey} ec2:RootDeviceType',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:EnableImageDeprecation': row(
    'image*',
    {
      image:
        'aws:ResourceTag/${TagKey} ec2:ImageID ec2:ImageType ec2:Owner ec2:Public ec2:ResourceTag/${TagKey} ec2:RootDeviceType',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:GetConsoleOutput': row(
    'instance*',
    {
      instance:
        'aws:ResourceTag/${TagKey} ec2:AvailabilityZone ec2:AvailabilityZoneId ec2:CpuOptionsAmdSevSnp ec2:EbsOptimized ec2:InstanceAutoRecovery ec2:InstanceBandwidthWeighting ec2:InstanceID ec2:InstanceMarketType ec2:InstanceMetadataTags ec2:InstanceProfile ec2:InstanceType ec2:ManagedResourceOperator ec2:MetadataHttpEndpoint ec2:MetadataHttpPutResponseHopLimit ec2:MetadataHttpTokens ec2:PlacementGroup ec2:ProductCode ec2:ResourceTag/${TagKey} ec2:RootDeviceType ec2:Tenancy',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:GetEbsEncryptionByDefault': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:GetImageBlockPublicAccessState': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:GetSnapshotBlockPublicAccessState': row(
    '',
    {
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:ImportSnapshot': row(
    'import-snapshot-task* snapshot*',
    {
      'import-snapshot-task': 'aws:RequestTag/${TagKey} aws:TagKeys',
      snapshot:
        'aws:RequestTag/${TagKey} aws:TagKeys ec2:Owner ec2:ParentVolume ec2:SnapshotID ec2:SnapshotTime ec2:VolumeSize',
      '': 'ec2:Region',
    },
    SAR.ec2,
    ['ec2:CreateTags'],
  ),
  'ec2:ModifyImageAttribute': row(
    'image*',
    {
      image:
        'aws:ResourceTag/${TagKey} ec2:Attribute ec2:Attribute/${AttributeName} ec2:ImageID ec2:ImageType ec2:Owner ec2:Public ec2:ResourceTag/${TagKey} ec2:RootDeviceType',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:ModifySnapshotAttribute': row(
    'snapshot*',
    {
      snapshot:
        'aws:ResourceTag/${TagKey} ec2:Add/group ec2:Add/userId ec2:Attribute ec2:Attribute/${AttributeName} ec2:AvailabilityZone ec2:Owner ec2:ParentVolume ec2:Remove/group ec2:Remove/userId ec2:ResourceTag/${TagKey} ec2:SnapshotID ec2:SnapshotTime ec2:VolumeSize',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
  'ec2:RegisterImage': row(
    'image* snapshot',
    {
      image: 'aws:RequestTag/${TagKey} aws:TagKeys ec2:ImageID ec2:Owner',
      snapshot:
        'aws:ResourceTag/${TagKey} ec2:OutpostArn ec2:Owner ec2:ParentVolume ec2:ResourceTag/${TagKey} ec2:SnapshotID ec2:SnapshotTime ec2:SourceOutpostArn ec2:VolumeSize',
      '': 'ec2:Region',
    },
    SAR.ec2,
    ['ec2:CreateTags'],
  ),
  'ec2:RunInstances': row(
    'image* instance* network-interface* security-group* subnet* key-pair launch-template placement-group snapshot volume',
    {
      image:
        'aws:ResourceTag/${TagKey} ec2:ImageID ec2:ImageType ec2:IsLaunchTemplateResource ec2:LaunchTemplate ec2:Owner ec2:Public ec2:ResourceTag/${TagKey} ec2:RootDeviceType',
      instance:
        'aws:RequestTag/${TagKey} aws:TagKeys ec2:AvailabilityZone ec2:AvailabilityZoneId ec2:CpuOptionsAmdSevSnp ec2:EbsOptimized ec2:InstanceAutoRecovery ec2:InstanceBandwidthWeighting ec2:InstanceID ec2:InstanceMarketType ec2:InstanceMetadataTags ec2:InstanceProfile ec2:InstanceType ec2:IsLaunchTemplateResource ec2:LaunchTemplate ec2:ManagedResourceOperator ec2:MetadataHttpEndpoint ec2:MetadataHttpPutResponseHopLimit ec2:MetadataHttpTokens ec2:PlacementGroup ec2:ProductCode ec2:RootDeviceType ec2:Tenancy',
      'network-interface':
        'aws:RequestTag/${TagKey} aws:TagKeys ec2:AssociatePublicIpAddress ec2:AuthorizedService ec2:AvailabilityZone ec2:IsLaunchTemplateResource ec2:LaunchTemplate ec2:ManagedResourceOperator ec2:NetworkInterfaceID ec2:Subnet ec2:Vpc',
      'security-group':
        'aws:ResourceTag/${TagKey} ec2:IsLaunchTemplateResource ec2:LaunchTemplate ec2:ResourceTag/${TagKey} ec2:SecurityGroupID ec2:Vpc',
      subnet:
        'aws:ResourceTag/${TagKey} ec2:AvailabilityZone ec2:AvailabilityZoneId ec2:IsLaunchTemplateResource ec2:LaunchTemplate ec2:ResourceTag/${TagKey} ec2:SubnetID ec2:Vpc',
      'key-pair':
        'aws:ResourceTag/${TagKey} ec2:IsLaunchTemplateResource ec2:KeyPairName ec2:KeyPairType ec2:LaunchTemplate ec2:ResourceTag/${TagKey}',
      'launch-template':
        'aws:ResourceTag/${TagKey} ec2:IsLaunchTemplateResource ec2:LaunchTemplate ec2:ManagedResourceOperator ec2:ResourceTag/${TagKey}',
      'placement-group':
        'aws:ResourceTag/${TagKey} ec2:IsLaunchTemplateResource ec2:LaunchTemplate ec2:PlacementGroupName ec2:PlacementGroupStrategy ec2:ResourceTag/${TagKey}',
      snapshot:
        'aws:ResourceTag/${TagKey} ec2:IsLaunchTemplateResource ec2:LaunchTemplate ec2:Owner ec2:ParentVolume ec2:ResourceTag/${TagKey} ec2:SnapshotID ec2:SnapshotTime ec2:VolumeSize',
      volume:
        'aws:RequestTag/${TagKey} aws:TagKeys ec2:AvailabilityZone ec2:AvailabilityZoneId ec2:Encrypted ec2:IsLaunchTemplateResource ec2:LaunchTemplate ec2:ManagedResourceOperator ec2:ParentSnapshot ec2:VolumeID ec2:VolumeInitializationRate ec2:VolumeIops ec2:VolumeSize ec2:VolumeThroughput ec2:VolumeType',
      '': 'ec2:Region',
    },
    SAR.ec2,
    ['ec2:CreateTags', 'iam:PassRole', 'ssm:GetParameters'],
  ),
  'ec2:TerminateInstances': row(
    'instance*',
    {
      instance:
        'aws:ResourceTag/${TagKey} ec2:AvailabilityZone ec2:AvailabilityZoneId ec2:CpuOptionsAmdSevSnp ec2:EbsOptimized ec2:InstanceAutoRecovery ec2:InstanceBandwidthWeighting ec2:InstanceID ec2:InstanceMarketType ec2:InstanceMetadataTags ec2:InstanceProfile ec2:InstanceType ec2:ManagedResourceOperator ec2:MetadataHttpEndpoint ec2:MetadataHttpPutResponseHopLimit ec2:MetadataHttpTokens ec2:PlacementGroup ec2:ProductCode ec2:ResourceTag/${TagKey} ec2:RootDeviceType ec2:Tenancy',
      '': 'ec2:Region',
    },
    SAR.ec2,
  ),
};
