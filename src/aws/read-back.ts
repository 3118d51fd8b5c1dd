import type { Image } from '@aws-sdk/client-ec2';
import type { PlannedImage } from '../compose/types.js';
import { bootModeFor, type Flavour } from '../settings/index.js';
import { registerRequest } from './register-request.js';

/** An AMI's registration as AWS reports it: what verify checks and the manifest records. */
export interface Registration {
  architecture: string;
  bootMode: string;
  enaSupport: boolean;
  sriovNetSupport: string;
  imdsSupport: string;
  tpmSupport: string;
  rootDeviceName: string;
  volumeType: string;
  volumeSize: number;
}

export function registrationOf(image: Image): Registration {
  const root = image.BlockDeviceMappings?.find((mapping) => mapping.DeviceName === image.RootDeviceName);
  return {
    architecture: image.Architecture ?? '',
    bootMode: image.BootMode ?? '',
    enaSupport: image.EnaSupport === true,
    sriovNetSupport: image.SriovNetSupport ?? '',
    imdsSupport: image.ImdsSupport ?? '',
    tpmSupport: image.TpmSupport ?? '',
    rootDeviceName: image.RootDeviceName ?? '',
    volumeType: root?.Ebs?.VolumeType ?? '',
    volumeSize: root?.Ebs?.VolumeSize ?? 0,
  };
}

/**
 * Every way the AMI's registration, read back from AWS, differs from what the flavour asked for
 * (the same RegisterImage request import sends). An AWS that drops an attribute shows up here.
 */
export function registrationGaps(found: Image, image: PlannedImage, flavour: Flavour): string[] {
  const request = registerRequest(image, flavour, {
    name: found.Name ?? '',
    bootMode: bootModeFor(flavour, image.ec2_arch),
    snapshotId: '',
    volumeSize: 0,
  });
  const expected: Partial<Registration> = {
    architecture: request.Architecture,
    bootMode: request.BootMode,
    enaSupport: request.EnaSupport === true,
    sriovNetSupport: request.SriovNetSupport ?? '',
    imdsSupport: request.ImdsSupport ?? '',
    tpmSupport: request.TpmSupport ?? '',
    rootDeviceName: request.RootDeviceName,
    volumeType: request.BlockDeviceMappings?.[0]?.Ebs?.VolumeType,
    // Without a configured size the volume is the image's size, which only needs to be there.
    ...(flavour.volumeSize ? { volumeSize: flavour.volumeSize } : {}),
  };
  const actual = registrationOf(found);
  const gaps = (Object.keys(expected) as Array<keyof Registration>)
    .filter((key) => expected[key] !== actual[key])
    .map((key) => `${key} is ${JSON.stringify(actual[key])}, expected ${JSON.stringify(expected[key])}`);
  if (!flavour.volumeSize && actual.volumeSize < 1) gaps.push('the root volume has no size');
  return gaps.map((gap) => `${found.ImageId} (${found.Name}): ${gap}`);
}
