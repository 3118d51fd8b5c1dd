/** AMIs: register, describe, share, deprecate, deregister. */

import { AwsError } from '../../errors.js';
import { ACCOUNT_ID, newId, tagList, type BlockDevice, type Image } from '../../state.js';
import {
  AMI_NAME,
  getImage,
  getSnapshot,
  inRegion,
  isPublic,
  matchesFilters,
  ownedBySelf,
  shown,
  strings,
  tagFilterValues,
  tagsFrom,
  withinLength,
  type Ec2Context,
  type Operations,
  type Output,
} from './common.js';
import { checkCancellable, checkedDeprecation } from './deprecation.js';
import { page } from './pages.js';

function imageOutput(image: Image, now: number): Output {
  return {
    ImageId: image.id,
    ImageLocation: `${ACCOUNT_ID}/${image.name}`,
    State: image.state,
    OwnerId: ACCOUNT_ID,
    CreationDate: new Date(image.createdAt).toISOString(),
    Public: isPublic(shown(image.launchPermission, now)),
    Architecture: image.architecture,
    ImageType: 'machine',
    Name: image.name,
    Description: image.description,
    KernelId: image.kernelId,
    RootDeviceName: image.rootDeviceName,
    RootDeviceType: 'ebs',
    VirtualizationType: image.virtualizationType,
    Hypervisor: 'xen',
    EnaSupport: image.enaSupport,
    SriovNetSupport: image.sriovNetSupport,
    BootMode: image.bootMode,
    TpmSupport: image.tpmSupport,
    ImdsSupport: image.imdsSupport,
    DeprecationTime: image.deprecationTime?.toISOString(),
    BlockDeviceMappings: image.blockDeviceMappings,
    Tags: tagList(shown(image.tags, now)),
    StateReason: image.stateReason,
    SourceImageId: image.sourceImageId,
    SourceImageRegion: image.sourceRegion,
  };
}

export function imageFromFields(
  ctx: Ec2Context,
  fields: Omit<
    Image,
    | 'id'
    | 'region'
    | 'createdAt'
    | 'state'
    | 'stateReason'
    | 'launchPermission'
    | 'deprecationTime'
    | 'boot'
    | 'visibleAt'
  >,
): Image {
  const now = ctx.state.now();
  const image: Image = {
    ...fields,
    id: newId('ami'),
    region: ctx.region,
    createdAt: now,
    state: 'pending',
    stateReason: undefined,
    launchPermission: { groups: new Set(), users: new Set() },
    deprecationTime: undefined,
    boot: 'pass',
    visibleAt: now + ctx.state.durations.consistency,
  };
  image.boot = ctx.state.bootVerdictFor(image);
  ctx.state.images.set(image.id, image);
  return image;
}

function checkUniqueName(ctx: Ec2Context, name: string): void {
  if (!AMI_NAME.test(name)) {
    throw new AwsError(
      'InvalidAMIName.Malformed',
      `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'`,
    );
  }
  for (const image of ctx.state.images.values()) {
    if (image.region === ctx.region && image.name === name) {
      throw new AwsError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${image.id}`);
    }
  }
}

function usedSnapshots(ctx: Ec2Context): Set<string> {
  const used = new Set<string>();
  for (const image of ctx.state.images.values()) {
    for (const mapping of image.blockDeviceMappings)
      if (mapping.Ebs?.SnapshotId) used.add(mapping.Ebs.SnapshotId);
  }
  return used;
}

export const imageOperations: Operations = {
  RegisterImage(ctx, input) {
    const name = String(input.Name ?? '');
    withinLength('Description', input.Description, 255);
    const virtualizationType = String(input.VirtualizationType ?? 'hvm');
    if (virtualizationType === 'paravirtual' && !input.KernelId) {
      throw new AwsError('InvalidParameterCombination', 'A paravirtual image requires a kernel (KernelId)');
    }
    if (input.ImageLocation)
      throw new AwsError(
        'InvalidParameterCombination',
        'Instance-store (S3-backed) images cannot be registered here',
      );
    const mappings = ((input.BlockDeviceMappings as BlockDevice[] | undefined) ?? []).map((mapping) => ({
      ...mapping,
      Ebs: mapping.Ebs ? { ...mapping.Ebs } : undefined,
    }));
    const rootDeviceName = String(input.RootDeviceName ?? '/dev/xvda');
    const root = mappings.find((mapping) => mapping.DeviceName === rootDeviceName);
    if (!root?.Ebs?.SnapshotId) {
      throw new AwsError(
        'InvalidBlockDeviceMapping',
        `The root device ${rootDeviceName} needs an EBS snapshot in the block device mapping`,
      );
    }
    for (const mapping of mappings) {
      if (!mapping.Ebs?.SnapshotId) continue;
      const snapshot = getSnapshot(ctx, mapping.Ebs.SnapshotId);
      if (snapshot.state !== 'completed')
        throw new AwsError('IncorrectState', `Snapshot ${snapshot.id} is not completed (${snapshot.state})`);
      mapping.Ebs.VolumeSize ??= snapshot.volumeSize;
      if (mapping.Ebs.VolumeSize < snapshot.volumeSize) {
        throw new AwsError(
          'InvalidBlockDeviceMapping',
          `Volume of size ${mapping.Ebs.VolumeSize}GB is smaller than snapshot '${snapshot.id}', expect size >= ${snapshot.volumeSize}GB`,
        );
      }
      mapping.Ebs.VolumeType ??= 'gp2';
      mapping.Ebs.DeleteOnTermination ??= true;
      mapping.Ebs.Encrypted = snapshot.encrypted;
    }
    const architecture = String(input.Architecture ?? 'x86_64');
    const bootMode = input.BootMode ? String(input.BootMode) : undefined;
    if (architecture === 'arm64' && bootMode && bootMode !== 'uefi') {
      throw new AwsError('InvalidParameterCombination', 'arm64 images support only the uefi boot mode');
    }
    if (input.TpmSupport && bootMode !== 'uefi' && bootMode !== 'uefi-preferred') {
      throw new AwsError('InvalidParameterCombination', 'NitroTPM requires the uefi boot mode');
    }
    checkUniqueName(ctx, name);
    const image = imageFromFields(ctx, {
      name,
      description: input.Description ? String(input.Description) : undefined,
      architecture,
      bootMode,
      enaSupport: input.EnaSupport === true,
      sriovNetSupport: input.SriovNetSupport ? String(input.SriovNetSupport) : undefined,
      imdsSupport: input.ImdsSupport ? String(input.ImdsSupport) : undefined,
      tpmSupport: input.TpmSupport ? String(input.TpmSupport) : undefined,
      rootDeviceName,
      virtualizationType,
      kernelId: input.KernelId ? String(input.KernelId) : undefined,
      blockDeviceMappings: mappings,
      tags: tagsFrom(input.TagSpecifications, 'image'),
      sourceImageId: undefined,
      sourceRegion: undefined,
      clientToken: input.ClientToken ? String(input.ClientToken) : undefined,
    });
    ctx.state.schedule(ctx.state.durations.imageAvailable, () => {
      if (image.state === 'pending') image.state = 'available';
    });
    return { ImageId: image.id };
  },

  DescribeImages(ctx, input) {
    const ids = strings(input.ImageIds);
    const owners = strings(input.Owners);
    const executable = strings(input.ExecutableUsers);
    const images = ids.length > 0 ? ids.map((id) => getImage(ctx, id)) : inRegion(ctx, ctx.state.images);
    const { items, NextToken } = page(
      images
        .filter(() => ownedBySelf(owners))
        .filter(
          (image) =>
            executable.length === 0 ||
            executable.some((user) => {
              const permission = shown(image.launchPermission, ctx.state.now());
              return user === 'all'
                ? isPublic(permission)
                : user === 'self' || user === ACCOUNT_ID || permission.users.has(user);
            }),
        )
        .filter((image) =>
          matchesFilters(input.Filters, (name) => {
            switch (name) {
              case 'name':
                return [image.name];
              case 'image-id':
                return [image.id];
              case 'state':
                return [image.state];
              case 'architecture':
                return [image.architecture];
              case 'is-public':
                return [String(isPublic(shown(image.launchPermission, ctx.state.now())))];
              case 'owner-id':
                return [ACCOUNT_ID];
              case 'source-image-id':
                return image.sourceImageId ? [image.sourceImageId] : [];
              case 'block-device-mapping.snapshot-id':
                return image.blockDeviceMappings.flatMap((mapping) =>
                  mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
                );
              default:
                return tagFilterValues(shown(image.tags, ctx.state.now()), name);
            }
          }),
        ),
      input,
    );
    return {
      Images: items.map((image) => imageOutput(image, ctx.state.now())),
      ...(NextToken ? { NextToken } : {}),
    };
  },

  DeregisterImage(ctx, input) {
    const image = getImage(ctx, input.ImageId);
    ctx.state.images.delete(image.id);
    const results: Output[] = [];
    if (input.DeleteAssociatedSnapshots === true) {
      const stillUsed = usedSnapshots(ctx);
      for (const mapping of image.blockDeviceMappings) {
        const id = mapping.Ebs?.SnapshotId;
        if (!id) continue;
        if (stillUsed.has(id)) {
          results.push({ SnapshotId: id, ReturnCode: 'error-generic' });
        } else {
          ctx.state.snapshots.delete(id);
          results.push({ SnapshotId: id, ReturnCode: 'success' });
        }
      }
    }
    return { Return: true, DeleteSnapshotResults: results };
  },

  EnableImageDeprecation(ctx, input) {
    const image = getImage(ctx, input.ImageId);
    const at = input.DeprecateAt instanceof Date ? input.DeprecateAt : new Date(String(input.DeprecateAt));
    image.deprecationTime = checkedDeprecation(image, at, ctx.state.now());
    return { Return: true };
  },

  DisableImageDeprecation(ctx, input) {
    const image = getImage(ctx, input.ImageId);
    checkCancellable(image);
    image.deprecationTime = undefined;
    return { Return: true };
  },
};
