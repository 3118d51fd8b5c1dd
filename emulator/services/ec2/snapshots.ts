/** EBS snapshots as EC2 serves them: describe, share, copy, delete (EBS direct writes them). */

import { AwsError, notFound } from '../../errors.js';
import { ACCOUNT_ID, newId, tagList, type Snapshot } from '../../state.js';
import {
  getSnapshot,
  inRegion,
  isPublic,
  matchesFilters,
  modifyPermissions,
  ownedBySelf,
  permissionsOutput,
  shown,
  strings,
  tagFilterValues,
  tagsFrom,
  type Ec2Context,
  type Operations,
  type Output,
} from './common.js';
import { page } from './pages.js';

function snapshotOutput(snapshot: Snapshot, now: number): Output {
  return {
    SnapshotId: snapshot.id,
    VolumeId: 'vol-ffffffff',
    State: snapshot.state,
    StateMessage: snapshot.stateMessage,
    StartTime: new Date(snapshot.startedAt),
    Progress: snapshot.state === 'completed' ? '100%' : '0%',
    OwnerId: ACCOUNT_ID,
    Description: snapshot.description,
    VolumeSize: snapshot.volumeSize,
    Encrypted: snapshot.encrypted,
    KmsKeyId: snapshot.kmsKeyId,
    Tags: tagList(shown(snapshot.tags, now)),
    StorageTier: 'standard',
  };
}

export function completeSnapshotLater(
  ctx: Ec2Context,
  snapshot: Snapshot,
  delay: number,
  failure?: string,
): void {
  ctx.state.schedule(delay, () => {
    if (!ctx.state.snapshots.has(snapshot.id)) return;
    snapshot.state = failure ? 'error' : 'completed';
    snapshot.stateMessage = failure;
  });
}

/**
 * CopyImage and CopySnapshot take a KMS key only for an encrypted copy. EC2 API Reference,
 * CopyImage, KmsKeyId: "If you specify a KMS key, you must also set the encrypted state to true";
 * CopySnapshot, KmsKeyId: "If KmsKeyId is specified, the encrypted state must be true". The error
 * code AWS answers with is not documented for either; InvalidParameterDependency is the one the EC2
 * API Reference's error codes list for "a parameter that must be used with another parameter".
 */
export function requireEncryptedWithKey(input: Record<string, unknown>, operation: string): void {
  if (input.KmsKeyId !== undefined && input.Encrypted !== true) {
    throw new AwsError(
      'InvalidParameterDependency',
      `${operation}: the parameter KmsKeyId requires the parameter Encrypted to be true`,
    );
  }
}

/**
 * Why a copy into `region` with this KMS key will fail, if it will. EC2 API Reference, CopyImage,
 * KmsKeyId: "The specified KMS key must exist in the destination Region", and for CopyImage and
 * CopySnapshot: "Amazon Web Services authenticates the KMS key asynchronously. Therefore, if you
 * specify an identifier that is not valid, the action can appear to complete, but eventually fails."
 * The emulator has no KMS: the one key it can tell is missing is a key or alias ARN that names
 * another region. The state reason AWS gives is not documented.
 */
export function missingKeyReason(kmsKeyId: string | undefined, region: string): string | undefined {
  const arn = /^arn:[a-z-]+:kms:([a-z0-9-]+):\d{12}:(?:key|alias)\//.exec(kmsKeyId ?? '');
  return arn && arn[1] !== region ? `The KMS key ${kmsKeyId} does not exist in ${region}` : undefined;
}

export function newSnapshot(
  ctx: Ec2Context,
  fields: Partial<Snapshot> & Pick<Snapshot, 'volumeSize' | 'source'>,
): Snapshot {
  const encryptedByDefault = ctx.state.regions.get(ctx.region)?.encryptionByDefault ?? false;
  const snapshot: Snapshot = {
    id: newId('snap'),
    region: ctx.region,
    description: '',
    tags: new Map(),
    encrypted: encryptedByDefault,
    kmsKeyId: undefined,
    startedAt: ctx.state.now(),
    state: 'pending',
    stateMessage: undefined,
    open: false,
    blocks: new Map(),
    checksums: new Map(),
    clientToken: undefined,
    timeoutMinutes: 60,
    sourceSnapshotId: undefined,
    createVolumePermission: { groups: new Set(), users: new Set() },
    visibleAt: ctx.state.now() + ctx.state.durations.consistency,
    ...fields,
  };
  if (encryptedByDefault) snapshot.encrypted = true;
  ctx.state.snapshots.set(snapshot.id, snapshot);
  return snapshot;
}

export function copySnapshotData(source: Snapshot, target: Snapshot): void {
  target.blocks = new Map(source.blocks);
  target.checksums = new Map(source.checksums);
}

export const snapshotOperations: Operations = {
  DescribeSnapshots(ctx, input) {
    const ids = strings(input.SnapshotIds);
    const owners = strings(input.OwnerIds);
    const restorable = strings(input.RestorableByUserIds);
    const snapshots =
      ids.length > 0 ? ids.map((id) => getSnapshot(ctx, id)) : inRegion(ctx, ctx.state.snapshots);
    const { items, NextToken } = page(
      snapshots
        .filter(() => ownedBySelf(owners))
        .filter(
          (snapshot) =>
            restorable.length === 0 ||
            restorable.some((user) => {
              const permission = shown(snapshot.createVolumePermission, ctx.state.now());
              return user === 'all'
                ? isPublic(permission)
                : permission.users.has(user) || user === ACCOUNT_ID;
            }),
        )
        .filter((snapshot) =>
          matchesFilters(input.Filters, (name) => {
            if (name === 'status') return [snapshot.state];
            if (name === 'snapshot-id') return [snapshot.id];
            if (name === 'description') return [snapshot.description];
            if (name === 'owner-id') return [ACCOUNT_ID];
            if (name === 'encrypted') return [String(snapshot.encrypted)];
            return tagFilterValues(shown(snapshot.tags, ctx.state.now()), name);
          }),
        ),
      input,
    );
    return {
      Snapshots: items.map((snapshot) => snapshotOutput(snapshot, ctx.state.now())),
      ...(NextToken ? { NextToken } : {}),
    };
  },

  DeleteSnapshot(ctx, input) {
    const snapshot = getSnapshot(ctx, input.SnapshotId);
    const user = [...ctx.state.images.values()].find((image) =>
      image.blockDeviceMappings.some((mapping) => mapping.Ebs?.SnapshotId === snapshot.id),
    );
    if (user) {
      throw new AwsError(
        'InvalidSnapshot.InUse',
        `The snapshot ${snapshot.id} is currently in use by ${user.id}`,
      );
    }
    ctx.state.snapshots.delete(snapshot.id);
    return {};
  },

  DescribeSnapshotAttribute(ctx, input) {
    const snapshot = getSnapshot(ctx, input.SnapshotId);
    if (input.Attribute !== 'createVolumePermission' && input.Attribute !== 'productCodes') {
      throw new AwsError(
        'InvalidParameterValue',
        `Value (${String(input.Attribute)}) for parameter attribute is invalid`,
      );
    }
    return {
      SnapshotId: snapshot.id,
      CreateVolumePermissions: permissionsOutput(shown(snapshot.createVolumePermission, ctx.state.now())),
      ProductCodes: [],
    };
  },

  ModifySnapshotAttribute(ctx, input) {
    const snapshot = getSnapshot(ctx, input.SnapshotId);
    const modification = (input.CreateVolumePermission ?? {}) as { Add?: unknown[]; Remove?: unknown[] };
    let add = modification.Add ?? [];
    let remove = modification.Remove ?? [];
    if (input.Attribute === 'createVolumePermission' && input.OperationType) {
      const entries = [
        ...strings(input.GroupNames).map((Group) => ({ Group })),
        ...strings(input.UserIds).map((UserId) => ({ UserId })),
      ];
      if (input.OperationType === 'add') add = entries;
      else remove = entries;
    }
    const makesPublic = (add as Array<{ Group?: string }>).some((entry) => entry.Group === 'all');
    // ModifySnapshotAttribute: encrypted snapshots cannot be made public.
    if (makesPublic && snapshot.encrypted) {
      throw new AwsError(
        'OperationNotPermitted',
        `Encrypted snapshots with EBS default key cannot be shared: ${snapshot.id}`,
      );
    }
    // Block public access for snapshots refuses new public sharing in either mode (the error code
    // is not documented; OperationNotPermitted is what EC2 uses for refused sharing).
    if (makesPublic && ctx.state.regions.get(ctx.region)?.snapshotBlockPublicAccess !== 'unblocked') {
      throw new AwsError(
        'OperationNotPermitted',
        `Block public access for snapshots is enabled in ${ctx.region}`,
      );
    }
    modifyPermissions(ctx, snapshot.createVolumePermission, add, remove);
    return {};
  },

  CopySnapshot(ctx, input) {
    const sourceRegion = String(input.SourceRegion ?? ctx.region);
    const source = ctx.state.snapshots.get(String(input.SourceSnapshotId));
    if (!source || source.region !== sourceRegion)
      throw notFound('InvalidSnapshot.NotFound', String(input.SourceSnapshotId), 'snapshot');
    if (source.state !== 'completed')
      throw new AwsError('IncorrectState', `Snapshot ${source.id} is not completed`);
    requireEncryptedWithKey(input, 'CopySnapshot');
    const encrypted = input.Encrypted === true || source.encrypted;
    const copy = newSnapshot(ctx, {
      volumeSize: source.volumeSize,
      source: 'copy',
      sourceSnapshotId: source.id,
      description: String(input.Description ?? `Copied for DestinationAmi from ${source.id}`),
      encrypted,
      kmsKeyId: encrypted ? String(input.KmsKeyId ?? 'alias/aws/ebs') : undefined,
      tags: tagsFrom(input.TagSpecifications, 'snapshot'),
    });
    copySnapshotData(source, copy);
    // An injected copy fault (the region's copyFault) holds for snapshot copies as for AMI copies: a
    // failed copy ends in the error state with a StateMessage ("Snapshot" data type, EC2 API
    // Reference: "If a snapshot copy operation fails (for example, if the proper KMS permissions
    // are not obtained) this field displays error state details").
    const fault = ctx.state.regions.get(ctx.region)!.copyFault;
    const missingKey = missingKeyReason(copy.kmsKeyId, ctx.region);
    if (fault !== 'stall')
      completeSnapshotLater(
        ctx,
        copy,
        ctx.state.durations.copy,
        missingKey ?? (fault === 'fail' ? `Copying ${source.id} into ${ctx.region} failed` : undefined),
      );
    return { SnapshotId: copy.id, Tags: tagList(copy.tags) };
  },

  GetEbsEncryptionByDefault(ctx) {
    return {
      EbsEncryptionByDefault: ctx.state.regions.get(ctx.region)!.encryptionByDefault,
      SseType: 'sse-ebs',
    };
  },
};
