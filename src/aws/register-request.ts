import type { RegisterImageCommandInput } from '@aws-sdk/client-ec2';
import type { PlannedImage } from '../compose/types.js';
import type { BootMode, Flavour } from '../settings/index.js';
import { imageTags, TAG } from './tags.js';
import { awsDescription } from './description.js';

/** The RegisterImage request of one flavour: every attribute the AMI is created with. */
export function registerRequest(
  image: PlannedImage,
  flavour: Flavour,
  ami: { name: string; bootMode: BootMode; snapshotId: string; volumeSize: number },
): RegisterImageCommandInput {
  return {
    Name: ami.name,
    Description: awsDescription(`${image.file} (${image.compose_id || 'direct image'}), ${flavour.name}`),
    Architecture: image.ec2_arch,
    BootMode: ami.bootMode,
    EnaSupport: flavour.ena,
    SriovNetSupport: flavour.sriovNetSupport ? 'simple' : undefined,
    ImdsSupport: flavour.imdsV2 ? 'v2.0' : undefined,
    TpmSupport: flavour.tpm ? 'v2.0' : undefined,
    RootDeviceName: flavour.rootDeviceName,
    VirtualizationType: 'hvm',
    BlockDeviceMappings: [
      {
        DeviceName: flavour.rootDeviceName,
        Ebs: {
          SnapshotId: ami.snapshotId,
          VolumeSize: flavour.volumeSize ?? ami.volumeSize,
          VolumeType: flavour.volumeType,
          Iops: flavour.iops,
          DeleteOnTermination: true,
        },
      },
    ],
    TagSpecifications: [
      {
        ResourceType: 'image',
        Tags: imageTags(image, { [TAG.name]: ami.name, [TAG.flavour]: flavour.name }),
      },
    ],
  };
}
