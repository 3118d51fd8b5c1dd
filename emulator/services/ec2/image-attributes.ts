/** An AMI's attributes: who may launch it (public, shared), and the account's block on public AMIs. */
import { AwsError } from '../../errors.js';
import {
  getImage,
  inRegion,
  isPublic,
  modifyPermissions,
  permissionsOutput,
  shown,
  strings,
  type Operations,
  type Output,
} from './common.js';
import { deprecateWhenPublic } from './deprecation.js';

export const imageAttributeOperations: Operations = {
  DescribeImageAttribute(ctx, input) {
    const image = getImage(ctx, input.ImageId);
    const output: Output = { ImageId: image.id };
    switch (input.Attribute) {
      case 'launchPermission':
        output.LaunchPermissions = permissionsOutput(shown(image.launchPermission, ctx.state.now()));
        break;
      case 'description':
        output.Description = { Value: image.description };
        break;
      case 'bootMode':
        output.BootMode = { Value: image.bootMode };
        break;
      case 'imdsSupport':
        output.ImdsSupport = { Value: image.imdsSupport };
        break;
      case 'tpmSupport':
        output.TpmSupport = { Value: image.tpmSupport };
        break;
      case 'sriovNetSupport':
        output.SriovNetSupport = { Value: image.sriovNetSupport };
        break;
      case 'blockDeviceMapping':
        output.BlockDeviceMappings = image.blockDeviceMappings;
        break;
      default:
        throw new AwsError(
          'InvalidParameterValue',
          `Value (${String(input.Attribute)}) for parameter attribute is invalid`,
        );
    }
    return output;
  },

  ModifyImageAttribute(ctx, input) {
    const image = getImage(ctx, input.ImageId);
    if (input.Description) {
      image.description = String((input.Description as { Value?: string }).Value ?? '');
      return {};
    }
    const modification = (input.LaunchPermission ?? {}) as { Add?: unknown[]; Remove?: unknown[] };
    let add = modification.Add ?? [];
    let remove = modification.Remove ?? [];
    if (input.Attribute === 'launchPermission' && input.OperationType) {
      const entries = [
        ...strings(input.UserGroups).map((Group) => ({ Group })),
        ...strings(input.UserIds).map((UserId) => ({ UserId })),
      ];
      if (input.OperationType === 'add') add = entries;
      else remove = entries;
    }
    const makesPublic =
      (add as Array<{ Group?: string }>).some((entry) => entry.Group === 'all') &&
      !isPublic(image.launchPermission);
    if (makesPublic) {
      const region = ctx.state.regions.get(ctx.region)!;
      // Block public access for AMIs refuses new public sharing (the exact code is not documented;
      // OperationNotPermitted is what EC2 uses for refused sharing).
      if (region.blockPublicAccess) {
        throw new AwsError(
          'OperationNotPermitted',
          `Block public access for AMIs is enabled in ${ctx.region}; ${image.id} cannot be made public`,
        );
      }
      if (image.blockDeviceMappings.some((mapping) => mapping.Ebs?.Encrypted)) {
        throw new AwsError('InvalidParameter', `Encrypted AMI ${image.id} cannot be made public`);
      }
      const publicCount = inRegion(ctx, ctx.state.images).filter((other) =>
        isPublic(other.launchPermission),
      ).length;
      if (publicCount >= region.publicAmiQuota) {
        throw new AwsError(
          'ResourceLimitExceeded',
          `You have reached your quota of ${region.publicAmiQuota} public AMIs in ${ctx.region}`,
        );
      }
    }
    modifyPermissions(ctx, image.launchPermission, add, remove);
    deprecateWhenPublic(image);
    return {};
  },

  GetImageBlockPublicAccessState(ctx) {
    return {
      ImageBlockPublicAccessState: ctx.state.regions.get(ctx.region)!.blockPublicAccess
        ? 'block-new-sharing'
        : 'unblocked',
      ManagedBy: 'account',
    };
  },
};
