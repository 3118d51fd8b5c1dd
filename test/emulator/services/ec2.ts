import { createHash } from 'node:crypto';
import { BlockCutter } from '../../../src/image/blocks.js';
import { bootConsoleLines } from '../boot-console.js';
import { AwsError, notFound } from '../errors.js';
import {
  ACCOUNT_ID,
  BLOCK_SIZE,
  globToRegExp,
  newId,
  tagList,
  type AccountState,
  type BlockDevice,
  type Image,
  type ImportTask,
  type Instance,
  type Permissions,
  type Snapshot,
  type Tags,
} from '../state.js';

export interface Ec2Context {
  state: AccountState;
  region: string;
}

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;
type Filter = { Name?: string; Values?: string[] };
type TagSpecification = { ResourceType?: string; Tags?: Array<{ Key?: string; Value?: string }> };

const AMI_NAME = /^[A-Za-z0-9 ()[\]./\-'@_]{3,128}$/;

function strings(value: unknown): string[] {
  return Array.isArray(value) ? (value as string[]) : [];
}

function tagsFrom(specifications: unknown, resourceType: string): Tags {
  const tags: Tags = new Map();
  for (const spec of (specifications as TagSpecification[] | undefined) ?? []) {
    if (spec.ResourceType && spec.ResourceType !== resourceType) continue;
    for (const tag of spec.Tags ?? []) if (tag.Key) tags.set(tag.Key, tag.Value ?? '');
  }
  return tags;
}

/** Describe-call filters: every filter must match one of its values (wildcards * and ?). */
function matchesFilters(filters: unknown, values: (name: string) => string[] | undefined): boolean {
  for (const filter of (filters as Filter[] | undefined) ?? []) {
    const name = filter.Name ?? '';
    const actual = values(name);
    if (actual === undefined) throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
    const wanted = (filter.Values ?? []).map(globToRegExp);
    if (!actual.some((value) => wanted.some((pattern) => pattern.test(value)))) return false;
  }
  return true;
}

function tagFilterValues(tags: Tags, name: string): string[] | undefined {
  if (name === 'tag-key') return [...tags.keys()];
  if (name === 'tag-value') return [...tags.values()];
  if (name.startsWith('tag:')) {
    const value = tags.get(name.slice(4));
    return value === undefined ? [] : [value];
  }
  return undefined;
}

function isPublic(permissions: Permissions): boolean {
  return permissions.groups.has('all');
}

function inRegion<T extends { region: string; visibleAt: number }>(
  ctx: Ec2Context,
  map: Map<string, T>,
): T[] {
  return [...map.values()].filter((item) => item.region === ctx.region && ctx.state.visible(item));
}

function getImage(ctx: Ec2Context, id: unknown): Image {
  const image = ctx.state.images.get(String(id));
  if (!image || image.region !== ctx.region || !ctx.state.visible(image)) {
    throw notFound('InvalidAMIID.NotFound', String(id), 'image id');
  }
  return image;
}

function getSnapshot(ctx: Ec2Context, id: unknown): Snapshot {
  const snapshot = ctx.state.snapshots.get(String(id));
  if (!snapshot || snapshot.region !== ctx.region || !ctx.state.visible(snapshot)) {
    throw notFound('InvalidSnapshot.NotFound', String(id), 'snapshot');
  }
  return snapshot;
}

function getInstance(ctx: Ec2Context, id: unknown): Instance {
  const instance = ctx.state.instances.get(String(id));
  if (!instance || instance.region !== ctx.region || !ctx.state.visible(instance)) {
    throw notFound('InvalidInstanceID.NotFound', String(id), 'instance ID');
  }
  return instance;
}

function snapshotOutput(snapshot: Snapshot): Output {
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
    Tags: tagList(snapshot.tags),
    StorageTier: 'standard',
  };
}

function imageOutput(image: Image): Output {
  return {
    ImageId: image.id,
    ImageLocation: `${ACCOUNT_ID}/${image.name}`,
    State: image.state,
    OwnerId: ACCOUNT_ID,
    CreationDate: new Date(image.createdAt).toISOString(),
    Public: isPublic(image.launchPermission),
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
    Tags: tagList(image.tags),
    StateReason: image.stateReason,
    SourceImageId: image.sourceImageId,
    SourceImageRegion: image.sourceRegion,
  };
}

function instanceState(instance: Instance): Output {
  const codes = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48 };
  return { Code: codes[instance.state], Name: instance.state };
}

function instanceOutput(instance: Instance): Output {
  return {
    InstanceId: instance.id,
    ImageId: instance.imageId,
    State: instanceState(instance),
    InstanceType: instance.instanceType,
    Architecture: instance.architecture,
    LaunchTime: new Date(instance.launchedAt),
    Placement: { AvailabilityZone: `${instance.region}a` },
    SubnetId: instance.subnetId,
    SecurityGroups: instance.securityGroupIds.map((GroupId) => ({ GroupId })),
    Tags: tagList(instance.tags),
    ClientToken: instance.clientToken,
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/sda1',
  };
}

/** The EC2 architecture of an instance type: Graviton families carry a "g" after the generation. */
export function instanceTypeArchitecture(instanceType: string): string | undefined {
  const match = /^([a-z]+)(\d+)([a-z-]*)\.[a-z0-9]+$/.exec(instanceType);
  if (!match) return undefined;
  return match[3]!.includes('g') && !match[3]!.startsWith('gd') ? 'arm64' : 'x86_64';
}

function modifyPermissions(permissions: Permissions, add: unknown, remove: unknown): void {
  for (const entry of (add as Array<{ Group?: string; UserId?: string }> | undefined) ?? []) {
    if (entry.Group) permissions.groups.add(entry.Group);
    if (entry.UserId) permissions.users.add(entry.UserId);
  }
  for (const entry of (remove as Array<{ Group?: string; UserId?: string }> | undefined) ?? []) {
    if (entry.Group) permissions.groups.delete(entry.Group);
    if (entry.UserId) permissions.users.delete(entry.UserId);
  }
}

function permissionsOutput(permissions: Permissions): Output[] {
  return [
    ...[...permissions.groups].map((Group) => ({ Group })),
    ...[...permissions.users].map((UserId) => ({ UserId })),
  ];
}

function completeSnapshotLater(ctx: Ec2Context, snapshot: Snapshot, delay: number, failure?: string): void {
  ctx.state.schedule(delay, () => {
    if (!ctx.state.snapshots.has(snapshot.id)) return;
    snapshot.state = failure ? 'error' : 'completed';
    snapshot.stateMessage = failure;
  });
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

function copySnapshotData(source: Snapshot, target: Snapshot): void {
  target.blocks = new Map(source.blocks);
  target.checksums = new Map(source.checksums);
}

function imageFromFields(
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

export const ec2Operations: Record<string, (ctx: Ec2Context, input: Input) => Output> = {
  DescribeRegions(ctx, input) {
    const names = strings(input.RegionNames);
    const regions = [...ctx.state.regions].filter(([name, settings]) => {
      if (names.length > 0) return names.includes(name);
      return input.AllRegions === true || settings.optedIn;
    });
    for (const name of names) {
      if (!ctx.state.regions.has(name))
        throw new AwsError('InvalidParameterValue', `Invalid region: ${name}`);
    }
    return {
      Regions: regions
        .filter(([name, settings]) =>
          matchesFilters(input.Filters, (filter) => {
            if (filter === 'region-name') return [name];
            if (filter === 'opt-in-status') return [optInStatus(settings)];
            return undefined;
          }),
        )
        .map(([name, settings]) => ({
          RegionName: name,
          Endpoint: `ec2.${name}.amazonaws.com`,
          OptInStatus: optInStatus(settings),
        })),
    };
  },

  DescribeAvailabilityZones(ctx) {
    return {
      AvailabilityZones: ['a', 'b', 'c'].map((suffix, index) => ({
        ZoneName: `${ctx.region}${suffix}`,
        ZoneId: `${ctx.region.replace(/-/g, '').slice(0, 4)}-az${index + 1}`,
        State: 'available',
        RegionName: ctx.region,
        ZoneType: 'availability-zone',
        OptInStatus: 'opt-in-not-required',
      })),
    };
  },

  // --- snapshots -------------------------------------------------------------------------------
  DescribeSnapshots(ctx, input) {
    const ids = strings(input.SnapshotIds);
    const owners = strings(input.OwnerIds);
    const restorable = strings(input.RestorableByUserIds);
    const snapshots =
      ids.length > 0 ? ids.map((id) => getSnapshot(ctx, id)) : inRegion(ctx, ctx.state.snapshots);
    return {
      Snapshots: snapshots
        .filter(() => ownedBySelf(owners))
        .filter(
          (snapshot) =>
            restorable.length === 0 ||
            restorable.some((user) =>
              user === 'all'
                ? isPublic(snapshot.createVolumePermission)
                : snapshot.createVolumePermission.users.has(user) || user === ACCOUNT_ID,
            ),
        )
        .filter((snapshot) =>
          matchesFilters(input.Filters, (name) => {
            if (name === 'status') return [snapshot.state];
            if (name === 'snapshot-id') return [snapshot.id];
            if (name === 'description') return [snapshot.description];
            if (name === 'owner-id') return [ACCOUNT_ID];
            if (name === 'encrypted') return [String(snapshot.encrypted)];
            return tagFilterValues(snapshot.tags, name);
          }),
        )
        .map(snapshotOutput),
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
      CreateVolumePermissions: permissionsOutput(snapshot.createVolumePermission),
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
    if (makesPublic && ctx.state.regions.get(ctx.region)?.blockPublicAccess) {
      throw new AwsError(
        'OperationNotPermitted',
        `Block public access for snapshots is enabled in ${ctx.region}`,
      );
    }
    modifyPermissions(snapshot.createVolumePermission, add, remove);
    return {};
  },

  CopySnapshot(ctx, input) {
    const sourceRegion = String(input.SourceRegion ?? ctx.region);
    const source = ctx.state.snapshots.get(String(input.SourceSnapshotId));
    if (!source || source.region !== sourceRegion)
      throw notFound('InvalidSnapshot.NotFound', String(input.SourceSnapshotId), 'snapshot');
    if (source.state !== 'completed')
      throw new AwsError('IncorrectState', `Snapshot ${source.id} is not completed`);
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
    completeSnapshotLater(ctx, copy, ctx.state.durations.copy);
    return { SnapshotId: copy.id, Tags: tagList(copy.tags) };
  },

  // --- ImportSnapshot --------------------------------------------------------------------------
  ImportSnapshot(ctx, input) {
    const container = (input.DiskContainer ?? {}) as {
      Format?: string;
      UserBucket?: { S3Bucket?: string; S3Key?: string };
      Description?: string;
    };
    const token = input.ClientToken ? String(input.ClientToken) : undefined;
    const existing =
      token &&
      [...ctx.state.importTasks.values()].find(
        (task) => task.clientToken === token && task.region === ctx.region,
      );
    if (existing) return importTaskOutput(existing);
    const bucket = container.UserBucket?.S3Bucket;
    const key = container.UserBucket?.S3Key;
    if (!bucket || !key)
      throw new AwsError('InvalidParameter', 'DiskContainer.UserBucket with S3Bucket and S3Key is required');
    const task: ImportTask = {
      id: newId('import-snap'),
      region: ctx.region,
      bucket,
      key,
      format: String(container.Format ?? 'RAW').toUpperCase(),
      description: input.Description ? String(input.Description) : container.Description,
      clientToken: token,
      encrypted: input.Encrypted === true,
      kmsKeyId: input.KmsKeyId ? String(input.KmsKeyId) : undefined,
      tags: tagsFrom(input.TagSpecifications, 'import-snapshot-task'),
      createdAt: ctx.state.now(),
      status: 'active',
      statusMessage: 'pending',
      progress: 0,
      snapshotId: undefined,
    };
    ctx.state.importTasks.set(task.id, task);
    const fail = ctx.state.failImports > 0;
    if (fail) ctx.state.failImports--;
    const duration = ctx.state.durations.import;
    ctx.state.schedule(duration / 2, () => {
      if (task.status === 'active') {
        task.progress = 50;
        task.statusMessage = 'converting';
      }
    });
    ctx.state.schedule(duration, () => {
      if (task.status !== 'active') return;
      const object = ctx.state.buckets.get(bucket)?.objects.get(key);
      const problem = fail
        ? 'ClientError: Disk validation failed [Unsupported disk image format]'
        : !object
          ? `ClientError: Unable to access the S3 object s3://${bucket}/${key}`
          : task.format !== 'RAW' ||
              object.size === 0 ||
              object.size % 512 !== 0 ||
              looksLikeContainer(object.chunks[0])
            ? 'ClientError: Disk validation failed [Invalid RAW disk image]'
            : undefined;
      if (problem) {
        task.status = 'deleting';
        task.statusMessage = problem;
        ctx.state.schedule(duration / 4, () => (task.status = 'deleted'));
        return;
      }
      const volumeSize = Math.max(1, Math.ceil(object!.size / 2 ** 30));
      const snapshot = newSnapshot(ctx, {
        volumeSize,
        source: 'import',
        description: `Created by AWS-VMImport service for ${task.id}`,
        encrypted: task.encrypted,
        kmsKeyId: task.encrypted ? (task.kmsKeyId ?? 'alias/aws/ebs') : undefined,
        state: 'completed',
        visibleAt: ctx.state.now(),
      });
      storeObjectAsBlocks(ctx.state.storeBlockData, object!.chunks, snapshot);
      task.snapshotId = snapshot.id;
      task.progress = 100;
      task.status = 'completed';
      task.statusMessage = undefined;
    });
    return importTaskOutput(task);
  },

  DescribeImportSnapshotTasks(ctx, input) {
    const ids = strings(input.ImportTaskIds);
    const tasks = [...ctx.state.importTasks.values()].filter(
      (task) => task.region === ctx.region && (ids.length === 0 || ids.includes(task.id)),
    );
    for (const id of ids) {
      if (!tasks.some((task) => task.id === id))
        throw new AwsError('InvalidConversionTaskId.Malformed', `The import task ${id} does not exist`);
    }
    return { ImportSnapshotTasks: tasks.map(importTaskOutput) };
  },

  CancelImportTask(ctx, input) {
    const task = ctx.state.importTasks.get(String(input.ImportTaskId));
    if (!task || task.region !== ctx.region)
      throw new AwsError(
        'InvalidConversionTaskId',
        `The import task ${String(input.ImportTaskId)} does not exist`,
      );
    const previous = task.status;
    if (task.status === 'active') {
      task.status = 'deleting';
      task.statusMessage = 'canceled';
      ctx.state.schedule(ctx.state.durations.import / 4, () => (task.status = 'deleted'));
    } else {
      throw new AwsError(
        'IncorrectState',
        `The import task ${task.id} is ${task.status} and cannot be cancelled`,
      );
    }
    return { ImportTaskId: task.id, PreviousState: previous, State: task.status };
  },

  // --- images ----------------------------------------------------------------------------------
  RegisterImage(ctx, input) {
    const name = String(input.Name ?? '');
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
    return {
      Images: images
        .filter(() => ownedBySelf(owners))
        .filter(
          (image) =>
            executable.length === 0 ||
            executable.some((user) =>
              user === 'all'
                ? isPublic(image.launchPermission)
                : user === 'self' || user === ACCOUNT_ID || image.launchPermission.users.has(user),
            ),
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
                return [String(isPublic(image.launchPermission))];
              case 'owner-id':
                return [ACCOUNT_ID];
              case 'source-image-id':
                return image.sourceImageId ? [image.sourceImageId] : [];
              case 'block-device-mapping.snapshot-id':
                return image.blockDeviceMappings.flatMap((mapping) =>
                  mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
                );
              default:
                return tagFilterValues(image.tags, name);
            }
          }),
        )
        .map(imageOutput),
    };
  },

  DescribeImageAttribute(ctx, input) {
    const image = getImage(ctx, input.ImageId);
    const output: Output = { ImageId: image.id };
    switch (input.Attribute) {
      case 'launchPermission':
        output.LaunchPermissions = permissionsOutput(image.launchPermission);
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
    modifyPermissions(image.launchPermission, add, remove);
    return {};
  },

  CopyImage(ctx, input) {
    const sourceRegion = String(input.SourceRegion ?? '');
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
    if (fault !== 'stall') {
      ctx.state.schedule(ctx.state.durations.copy, () => {
        if (image.state !== 'pending') return;
        for (const mapping of image.blockDeviceMappings) {
          const snapshot = mapping.Ebs?.SnapshotId
            ? ctx.state.snapshots.get(mapping.Ebs.SnapshotId)
            : undefined;
          if (snapshot) snapshot.state = fault === 'fail' ? 'error' : 'completed';
        }
        if (fault === 'fail') {
          image.state = 'failed';
          image.stateReason = {
            Code: 'Client.CopyImageFailed',
            Message: `Copying ${source.id} into ${ctx.region} failed`,
          };
        } else {
          image.state = 'available';
        }
      });
    }
    return { ImageId: image.id };
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
    if (Number.isNaN(at.getTime()) || at.getTime() <= ctx.state.now()) {
      throw new AwsError('InvalidParameterValue', 'DeprecateAt must be a date in the future');
    }
    const twoYears = 2 * 365 * 24 * 3600 * 1000;
    if (isPublic(image.launchPermission) && at.getTime() > ctx.state.now() + twoYears) {
      throw new AwsError(
        'InvalidParameterValue',
        'DeprecateAt for a public AMI can be at most 2 years in the future',
      );
    }
    image.deprecationTime = new Date(Math.floor(at.getTime() / 60000) * 60000);
    return { Return: true };
  },

  DisableImageDeprecation(ctx, input) {
    getImage(ctx, input.ImageId).deprecationTime = undefined;
    return { Return: true };
  },

  GetImageBlockPublicAccessState(ctx) {
    return {
      ImageBlockPublicAccessState: ctx.state.regions.get(ctx.region)!.blockPublicAccess
        ? 'block-new-sharing'
        : 'unblocked',
      ManagedBy: 'account',
    };
  },

  GetEbsEncryptionByDefault(ctx) {
    return {
      EbsEncryptionByDefault: ctx.state.regions.get(ctx.region)!.encryptionByDefault,
      SseType: 'sse-ebs',
    };
  },

  CreateTags(ctx, input) {
    const resources = strings(input.Resources).map((id) => taggable(ctx, id));
    for (const tags of resources) {
      for (const tag of (input.Tags as Array<{ Key?: string; Value?: string }> | undefined) ?? []) {
        if (tag.Key) tags.set(tag.Key, tag.Value ?? '');
      }
    }
    return {};
  },

  DeleteTags(ctx, input) {
    for (const id of strings(input.Resources)) {
      const tags = taggable(ctx, id);
      for (const tag of (input.Tags as Array<{ Key?: string; Value?: string }> | undefined) ?? []) {
        if (tag.Key && (tag.Value === undefined || tags.get(tag.Key) === tag.Value)) tags.delete(tag.Key);
      }
    }
    return {};
  },

  // --- instances -------------------------------------------------------------------------------
  RunInstances(ctx, input) {
    const token = input.ClientToken ? String(input.ClientToken) : undefined;
    if (token) {
      const existing = [...ctx.state.instances.values()].filter(
        (instance) => instance.region === ctx.region && instance.clientToken === token,
      );
      if (existing.length > 0) return reservation(existing);
    }
    const image = getImage(ctx, input.ImageId);
    if (image.state !== 'available')
      throw new AwsError('InvalidAMIID.Unavailable', `Image ${image.id} is not available (${image.state})`);
    const instanceType = String(input.InstanceType ?? 'm1.small');
    const architecture = instanceTypeArchitecture(instanceType);
    if (!architecture)
      throw new AwsError('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
    if (architecture !== image.architecture) {
      throw new AwsError(
        'InvalidParameterValue',
        `The architecture '${architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI.`,
      );
    }
    const count = Number(input.MinCount ?? 1);
    const now = ctx.state.now();
    const instances: Instance[] = [];
    for (let i = 0; i < count; i++) {
      const instance: Instance = {
        id: newId('i'),
        region: ctx.region,
        imageId: image.id,
        instanceType,
        architecture,
        userData: input.UserData ? Buffer.from(String(input.UserData), 'base64').toString('utf8') : '',
        tags: tagsFrom(input.TagSpecifications, 'instance'),
        clientToken: token,
        launchedAt: now,
        state: 'pending',
        runningAt: now + ctx.state.durations.boot,
        statusOkAt: now + ctx.state.durations.boot + ctx.state.durations.statusChecks,
        boot: image.boot,
        subnetId: input.SubnetId ? String(input.SubnetId) : undefined,
        securityGroupIds: strings(input.SecurityGroupIds),
        visibleAt: now + ctx.state.durations.consistency,
      };
      ctx.state.instances.set(instance.id, instance);
      ctx.state.schedule(ctx.state.durations.boot, () => {
        if (instance.state === 'pending') instance.state = 'running';
      });
      instances.push(instance);
    }
    return reservation(instances);
  },

  DescribeInstances(ctx, input) {
    const ids = strings(input.InstanceIds);
    const instances =
      ids.length > 0 ? ids.map((id) => getInstance(ctx, id)) : inRegion(ctx, ctx.state.instances);
    const matching = instances.filter((instance) =>
      matchesFilters(input.Filters, (name) => {
        if (name === 'instance-state-name') return [instance.state];
        if (name === 'image-id') return [instance.imageId];
        if (name === 'instance-id') return [instance.id];
        return tagFilterValues(instance.tags, name);
      }),
    );
    return { Reservations: matching.length > 0 ? [reservationOf(matching)] : [] };
  },

  DescribeInstanceStatus(ctx, input) {
    const ids = strings(input.InstanceIds);
    const instances =
      ids.length > 0 ? ids.map((id) => getInstance(ctx, id)) : inRegion(ctx, ctx.state.instances);
    const now = ctx.state.now();
    return {
      InstanceStatuses: instances
        .filter((instance) => input.IncludeAllInstances === true || instance.state === 'running')
        .map((instance) => {
          const checked = instance.state === 'running' && now >= instance.statusOkAt;
          const status =
            instance.state !== 'running'
              ? 'not-applicable'
              : !checked
                ? 'initializing'
                : instance.boot === 'no-boot'
                  ? 'impaired'
                  : 'ok';
          const details = [
            {
              Name: 'reachability',
              Status: status === 'ok' ? 'passed' : status === 'impaired' ? 'failed' : 'initializing',
            },
          ];
          return {
            InstanceId: instance.id,
            AvailabilityZone: `${instance.region}a`,
            InstanceState: instanceState(instance),
            InstanceStatus: { Status: status, Details: details },
            SystemStatus: {
              Status: instance.state === 'running' ? (checked ? 'ok' : 'initializing') : 'not-applicable',
              Details: details,
            },
          };
        }),
    };
  },

  GetConsoleOutput(ctx, input) {
    const instance = getInstance(ctx, input.InstanceId);
    const lines = instance.state === 'pending' ? [] : bootConsoleLines(instance, ctx.state.now());
    return {
      InstanceId: instance.id,
      Timestamp: new Date(),
      Output: lines.length > 0 ? Buffer.from(`${lines.join('\r\n')}\r\n`).toString('base64') : undefined,
    };
  },

  TerminateInstances(ctx, input) {
    return {
      TerminatingInstances: strings(input.InstanceIds).map((id) => {
        const instance = getInstance(ctx, id);
        const previous = instanceState(instance);
        if (instance.state !== 'terminated' && instance.state !== 'shutting-down') {
          instance.state = 'shutting-down';
          ctx.state.schedule(ctx.state.durations.terminate, () => (instance.state = 'terminated'));
        }
        return { InstanceId: instance.id, PreviousState: previous, CurrentState: instanceState(instance) };
      }),
    };
  },
};

/** One account owns everything here: an Owners list matches when it names it (or self). */
function ownedBySelf(owners: string[]): boolean {
  return owners.length === 0 || owners.some((owner) => owner === 'self' || owner === ACCOUNT_ID);
}

function optInStatus(settings: { optInRequired: boolean; optedIn: boolean }): string {
  return !settings.optInRequired ? 'opt-in-not-required' : settings.optedIn ? 'opted-in' : 'not-opted-in';
}

function reservationOf(instances: Instance[]): Output {
  return {
    ReservationId: `r-${instances[0]!.id.slice(2)}`,
    OwnerId: ACCOUNT_ID,
    Groups: [],
    Instances: instances.map(instanceOutput),
  };
}

function reservation(instances: Instance[]): Output {
  return reservationOf(instances);
}

function taggable(ctx: Ec2Context, id: string): Tags {
  if (id.startsWith('ami-')) return getImage(ctx, id).tags;
  if (id.startsWith('snap-')) return getSnapshot(ctx, id).tags;
  if (id.startsWith('i-')) return getInstance(ctx, id).tags;
  if (id.startsWith('import-snap-')) {
    const task = ctx.state.importTasks.get(id);
    if (task) return task.tags;
  }
  throw new AwsError('InvalidID', `The ID '${id}' is not valid`);
}

function importTaskOutput(task: {
  id: string;
  description: string | undefined;
  status: string;
  statusMessage: string | undefined;
  progress: number;
  snapshotId: string | undefined;
  bucket: string;
  key: string;
  format: string;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  tags: Tags;
}): Output {
  return {
    ImportTaskId: task.id,
    Description: task.description,
    Tags: tagList(task.tags),
    SnapshotTaskDetail: {
      Status: task.status,
      StatusMessage: task.statusMessage,
      Progress: task.status === 'active' ? String(task.progress) : undefined,
      SnapshotId: task.snapshotId,
      Format: task.format,
      Encrypted: task.encrypted,
      KmsKeyId: task.kmsKeyId,
      UserBucket: { S3Bucket: task.bucket, S3Key: task.key },
      DiskImageSize: undefined,
    },
  };
}

/** Disk images in container formats (qcow2, VHDX) are not RAW. */
function looksLikeContainer(first: Buffer | undefined): boolean {
  if (!first) return false;
  return (
    first.subarray(0, 4).equals(Buffer.from('QFI\xfb', 'latin1')) ||
    first.subarray(0, 8).toString('latin1') === 'vhdxfile'
  );
}

/** Cut a raw object into snapshot blocks, as the import service would write the volume. */
export function storeObjectAsBlocks(storeData: boolean, chunks: Buffer[], snapshot: Snapshot): void {
  const cutter = new BlockCutter(() => Buffer.alloc(BLOCK_SIZE));
  const zero = Buffer.alloc(BLOCK_SIZE);
  const store = (block: Buffer, index: number) => {
    if (block.equals(zero)) return; // never-written blocks read as zeros
    snapshot.blocks.set(index, storeData ? block : null);
    snapshot.checksums.set(index, createHash('sha256').update(block).digest('base64'));
  };
  let index = 0;
  for (const chunk of chunks) for (const block of cutter.push(chunk)) store(block, index++);
  const last = cutter.finish();
  if (last) store(last, index);
}
