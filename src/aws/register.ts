import {
  CopySnapshotCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  RegisterImageCommand,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import type { PlannedImage } from '../compose/types.js';
import { bootModeFor, type Flavour } from '../settings/index.js';
import { describeError, RegisterError } from '../errors.js';
import type { Log } from '../log.js';
import { isDuplicateName } from './errors.js';
import { amiName } from './naming.js';
import { imageTags, MANAGED_BY, TAG, tagValue } from './tags.js';
import { waitForSnapshot } from './snapshots.js';
import { waitForImage } from './images.js';
import { registrationGaps } from './read-back.js';
import { registerRequest } from './register-request.js';
import { keyInRegion } from './kms.js';
import { awsDescription } from './description.js';

export interface RegisteredAmi {
  flavour: string;
  name: string;
  imageId: string;
  snapshotId: string;
  region: string;
  volumeType: string;
  bootMode: string;
  encrypted: boolean;
  reused: boolean;
}

export interface RegisterContext {
  ec2: EC2Client;
  region: string;
  log: Log;
  nameTemplate: string;
  pollIntervalMs: number;
  imageTimeoutMs: number;
  signal?: AbortSignal;
}

async function imageByName(ec2: EC2Client, name: string): Promise<Image | undefined> {
  const { Images } = await ec2.send(
    new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }),
  );
  return Images?.[0];
}

/** An AMI fedimg registered from this very image: reuse it. Anything else with the name is a conflict. */
function checkOwnership(existing: Image, image: PlannedImage, name: string, region: string): void {
  if (
    tagValue(existing.Tags, TAG.managedBy) !== MANAGED_BY ||
    tagValue(existing.Tags, TAG.sourceSha256) !== image.sha256
  ) {
    throw new RegisterError(
      `The AMI name ${name} is already used in ${region} by ${existing.ImageId}, which fedimg did not register from ${image.file}.`,
      {
        hint: 'Deregister that AMI if it is stale, or change name-template.',
      },
    );
  }
}

/** Encrypted flavours boot from an encrypted copy of the snapshot, made once per KMS key. */
async function encryptedCopy(
  ctx: RegisterContext,
  image: PlannedImage,
  snapshotId: string,
  kmsKeyId: string,
): Promise<string> {
  const { Snapshots } = await ctx.ec2.send(
    new DescribeSnapshotsCommand({
      OwnerIds: ['self'],
      Filters: [
        { Name: `tag:${TAG.sourceSnapshot}`, Values: [snapshotId] },
        { Name: `tag:${TAG.kmsKey}`, Values: [kmsKeyId] },
      ],
    }),
  );
  let copyId = Snapshots?.find((snapshot) => snapshot.State !== 'error')?.SnapshotId;
  if (!copyId) {
    const copy = await ctx.ec2.send(
      new CopySnapshotCommand({
        SourceRegion: ctx.region,
        SourceSnapshotId: snapshotId,
        Encrypted: true,
        KmsKeyId: keyInRegion(kmsKeyId, ctx.region),
        Description: awsDescription(`${image.file} encrypted with ${kmsKeyId} by fedimg`),
        TagSpecifications: [
          {
            ResourceType: 'snapshot',
            Tags: imageTags(image, {
              [TAG.name]: `${image.name} (encrypted)`,
              [TAG.sourceSnapshot]: snapshotId,
              [TAG.kmsKey]: kmsKeyId,
            }),
          },
        ],
      }),
    );
    copyId = copy.SnapshotId!;
    ctx.log.info(`${image.arch}: encrypting snapshot ${snapshotId} as ${copyId} with ${kmsKeyId}.`);
  }
  const final = await waitForSnapshot(ctx.ec2, copyId, {
    timeoutMs: 60 * 60_000,
    intervalMs: ctx.pollIntervalMs,
    signal: ctx.signal,
  });
  if (final.state !== 'completed')
    throw new RegisterError(
      `The encrypted copy ${copyId} of ${snapshotId} in ${ctx.region} ended ${final.state}.`,
      { hint: 'Check the KMS key policy; re-run the job.' },
    );
  return copyId;
}

/**
 * An AMI of this name from an earlier run is reused only when it was registered as this flavour
 * asks now: otherwise the run would report settings the AMI does not have. AMI names are unique per
 * region, so the way out is to remove the old AMI or give the new settings a name of their own.
 */
function checkRegistration(existing: Image, image: PlannedImage, flavour: Flavour, region: string): void {
  const differences = registrationGaps(existing, image, flavour);
  const encrypted = existing.BlockDeviceMappings?.some((mapping) => mapping.Ebs?.Encrypted) === true;
  if (encrypted !== Boolean(flavour.kmsKeyId))
    differences.push(`${existing.ImageId} (${existing.Name}): it is ${encrypted ? '' : 'not '}encrypted`);
  const tagged = tagValue(existing.Tags, TAG.flavour);
  if (tagged !== undefined && tagged !== flavour.name)
    differences.push(
      `${existing.ImageId} (${existing.Name}): it is the ${tagged} flavour, not ${flavour.name}`,
    );
  if (differences.length === 0) return;
  throw new RegisterError(
    `${existing.ImageId} (${existing.Name}) in ${region} is registered with other settings than the ${flavour.name} flavour asks for: ${differences.map((difference) => difference.replace(/^\S+ \([^)]*\): /, '')).join('; ')}.`,
    {
      hint: `An AMI's registration cannot change and its name is taken: deregister it (aws ec2 deregister-image --image-id ${existing.ImageId} --region ${region}; its snapshot is reused) and re-run, or give these settings a flavour of its own name (config-file) so both AMIs exist.`,
    },
  );
}

/**
 * Registers every flavour from the image's one snapshot (the old service re-imported the image per
 * volume type). Existing AMIs from an earlier run are found by name and tags and reused.
 */
export async function registerFlavours(
  image: PlannedImage,
  snapshot: { id: string; volumeSize: number },
  flavours: Flavour[],
  ctx: RegisterContext,
): Promise<RegisteredAmi[]> {
  const results: RegisteredAmi[] = [];
  for (const [index, flavour] of flavours.entries()) {
    const name = amiName(ctx.nameTemplate, {
      image,
      flavour,
      isDefaultFlavour: index === 0,
      region: ctx.region,
    });
    const bootMode = bootModeFor(flavour, image.ec2_arch);
    const base = {
      flavour: flavour.name,
      name,
      region: ctx.region,
      volumeType: flavour.volumeType,
      bootMode,
      encrypted: Boolean(flavour.kmsKeyId),
    };
    const existing = await imageByName(ctx.ec2, name);
    if (existing) {
      checkOwnership(existing, image, name, ctx.region);
      checkRegistration(existing, image, flavour, ctx.region);
      ctx.log.info(`${image.arch}/${flavour.name}: ${name} is already registered as ${existing.ImageId}.`);
      results.push({
        ...base,
        imageId: existing.ImageId!,
        snapshotId: existing.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId ?? snapshot.id,
        reused: true,
      });
      continue;
    }
    const snapshotId = flavour.kmsKeyId
      ? await encryptedCopy(ctx, image, snapshot.id, flavour.kmsKeyId)
      : snapshot.id;
    let imageId: string;
    try {
      const registered = await ctx.ec2.send(
        new RegisterImageCommand(
          registerRequest(image, flavour, { name, bootMode, snapshotId, volumeSize: snapshot.volumeSize }),
        ),
      );
      imageId = registered.ImageId!;
    } catch (error) {
      // A concurrent run for the same compose may have won the race for the name.
      const raced = isDuplicateName(error) ? await imageByName(ctx.ec2, name) : undefined;
      if (!raced) {
        throw new RegisterError(
          `Registering ${name} (${flavour.name}) from ${snapshotId} in ${ctx.region} failed: ${describeError(error)}.`,
          {
            hint: 'The snapshot is kept and reused when the job is re-run.',
            cause: error,
          },
        );
      }
      checkOwnership(raced, image, name, ctx.region);
      imageId = raced.ImageId!;
    }
    const state = await waitForImage(ctx.ec2, imageId, {
      timeoutMs: ctx.imageTimeoutMs,
      intervalMs: ctx.pollIntervalMs,
      signal: ctx.signal,
    });
    if (state.state !== 'available') {
      throw new RegisterError(
        `AMI ${imageId} (${name}) in ${ctx.region} became ${state.state}${state.reason ? `: ${state.reason}` : ''}.`,
        {
          hint: 'Deregister it and re-run the job.',
        },
      );
    }
    ctx.log.info(
      `${image.arch}/${flavour.name}: registered ${name} as ${imageId} (${flavour.volumeType}, ${bootMode}).`,
    );
    results.push({ ...base, imageId, snapshotId, reused: false });
  }
  return results;
}
