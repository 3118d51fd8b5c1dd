/** CopyImage: an AMI and its snapshots copied into the calling region, asynchronously. */

import { AwsError, notFound } from '../../errors.js';
import { AMI_NAME, inRegion, tagsFrom, withinLength, type Operations } from './common.js';
import { imageFromFields } from './images.js';
import { copySnapshotData, missingKeyReason, newSnapshot, requireEncryptedWithKey } from './snapshots.js';

export const copyImageOperations: Operations = {
  CopyImage(ctx, input) {
    const sourceRegion = String(input.SourceRegion ?? '');
    // Amazon EC2 API Reference, CopyImage, ClientToken: "Unique, case-sensitive identifier you
    // provide to ensure idempotency of the request" (EC2 User Guide, "Ensuring idempotency"): the
    // same token in the same region answers with the AMI the first request made. What AWS answers
    // when the same token comes with other parameters is not modelled here.
    withinLength('ClientToken', input.ClientToken, 128);
    withinLength('Description', input.Description, 255);
    const token = input.ClientToken ? String(input.ClientToken) : undefined;
    if (token) {
      const existing = [...ctx.state.images.values()].find(
        (image) => image.region === ctx.region && image.clientToken === token,
      );
      if (existing) return { ImageId: existing.id };
    }
    const source = ctx.state.images.get(String(input.SourceImageId));
    if (!source || source.region !== sourceRegion || !ctx.state.regions.get(sourceRegion)?.optedIn) {
      throw notFound('InvalidAMIID.NotFound', String(input.SourceImageId), `image id in ${sourceRegion}`);
    }
    if (source.state !== 'available')
      throw new AwsError('IncorrectState', `Image ${source.id} is not available (${source.state})`);
    const inFlight = inRegion(ctx, ctx.state.images).filter(
      (image) => image.sourceImageId && image.state === 'pending',
    ).length;
    if (inFlight >= 20) {
      throw new AwsError(
        'ResourceLimitExceeded',
        `You have reached the limit of 20 concurrent AMI copies into ${ctx.region}`,
      );
    }
    const name = String(input.Name ?? source.name);
    // CopyImage checks the name's format but, unlike RegisterImage, not its uniqueness.
    if (!AMI_NAME.test(name)) throw new AwsError('InvalidAMIName.Malformed', `AMI name ${name} is malformed`);
    const encrypted = input.Encrypted === true;
    requireEncryptedWithKey(input, 'CopyImage');
    const snapshots = source.blockDeviceMappings.map((mapping) => {
      if (!mapping.Ebs?.SnapshotId) return mapping;
      const original = ctx.state.snapshots.get(mapping.Ebs.SnapshotId)!;
      const copy = newSnapshot(ctx, {
        volumeSize: original.volumeSize,
        source: 'copy',
        sourceSnapshotId: original.id,
        description: `Copied for DestinationAmi from ${original.id}`,
        encrypted: encrypted || original.encrypted,
        kmsKeyId: encrypted ? String(input.KmsKeyId ?? 'alias/aws/ebs') : original.kmsKeyId,
        // TagSpecifications of type snapshot: "the same tag is applied to all the new snapshots".
        tags: tagsFrom(input.TagSpecifications, 'snapshot'),
      });
      copySnapshotData(original, copy);
      return { ...mapping, Ebs: { ...mapping.Ebs, SnapshotId: copy.id, Encrypted: copy.encrypted } };
    });
    const image = imageFromFields(ctx, {
      ...source,
      name,
      description: input.Description ? String(input.Description) : source.description,
      blockDeviceMappings: snapshots,
      tags: input.CopyImageTags === true ? new Map(source.tags) : tagsFrom(input.TagSpecifications, 'image'),
      sourceImageId: source.id,
      sourceRegion,
      clientToken: token,
    });
    const fault = ctx.state.regions.get(ctx.region)!.copyFault;
    const missingKey = encrypted ? missingKeyReason(String(input.KmsKeyId ?? ''), ctx.region) : undefined;
    if (fault !== 'stall') {
      ctx.state.schedule(ctx.state.durations.copy, () => {
        if (image.state !== 'pending') return;
        const fails = fault === 'fail' || missingKey !== undefined;
        for (const mapping of image.blockDeviceMappings) {
          const snapshot = mapping.Ebs?.SnapshotId
            ? ctx.state.snapshots.get(mapping.Ebs.SnapshotId)
            : undefined;
          if (snapshot) snapshot.state = fails ? 'error' : 'completed';
        }
        if (fails) {
          image.state = 'failed';
          image.stateReason = {
            Code: 'Client.CopyImageFailed',
            Message: missingKey ?? `Copying ${source.id} into ${ctx.region} failed`,
          };
        } else {
          image.state = 'available';
        }
      });
    }
    return { ImageId: image.id };
  },
};
