import { createHash } from 'node:crypto';
import {
  CopyImageCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import type { PlannedImage } from '../compose/types.js';
import { CopyError, describeError } from '../errors.js';
import type { Log } from '../log.js';
import { withRetry } from '../util/retry.js';
import { hintForAwsError, isLimitExceeded, isTransient } from './errors.js';
import { MANAGED_BY, TAG, tagValue } from './tags.js';
import { waitForImage } from './images.js';
import { keyInRegion } from './kms.js';
import type { CopySettings } from '../settings/index.js';
import { awsDescription } from './description.js';

export interface CopySource {
  image: PlannedImage;
  flavour: string;
  imageId: string;
  name: string;
  /** The encrypted flavour's KMS key (undefined: not encrypted); named for each destination region. */
  kmsKeyId: string | undefined;
  /** The source AMI's tags: the copy and its snapshots are created with them. */
  tags: Array<{ Key?: string; Value?: string }>;
}

export interface CopyOutcome {
  source: CopySource;
  region: string;
  imageId: string;
  reused: boolean;
}

/** At most `limit` copies at once into one region (AWS allows 20 concurrent copies per destination). */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

async function existingCopy(ec2: EC2Client, source: CopySource): Promise<Image | undefined> {
  const { Images } = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [
        { Name: 'name', Values: [source.name] },
        { Name: `tag:${TAG.sourceSha256}`, Values: [source.image.sha256] },
      ],
    }),
  );
  return Images?.find((image) => tagValue(image.Tags, TAG.managedBy) === MANAGED_BY);
}

/**
 * One AMI into one region: an existing copy (found by name and tags; CopyImage itself does not
 * enforce unique names) is reused, a failed one replaced; otherwise CopyImage with a ClientToken, the
 * source's tags, and the tags also on the new snapshots. Waits for several available reads in a row.
 */
export async function copyToRegion(
  source: CopySource,
  region: string,
  ec2: EC2Client,
  sourceRegion: string,
  settings: CopySettings,
  log: Log,
  signal?: AbortSignal,
): Promise<CopyOutcome> {
  const label = `${source.name} → ${region}`;
  let existing = await existingCopy(ec2, source);
  if (existing?.State === 'failed' || existing?.State === 'error') {
    log.info(`${label}: replacing failed copy ${existing.ImageId}.`);
    await ec2.send(
      new DeregisterImageCommand({ ImageId: existing.ImageId, DeleteAssociatedSnapshots: true }),
    );
    existing = undefined;
  }
  let imageId = existing?.ImageId;
  const reused = Boolean(imageId);
  if (!imageId) {
    const token = createHash('sha256')
      .update(`${source.imageId}:${region}:${source.kmsKeyId ? `true:${source.kmsKeyId}` : 'false'}`)
      .digest('hex')
      .slice(0, 64);
    const copyTags = source.tags
      .filter(
        (tag): tag is { Key: string; Value: string | undefined } =>
          Boolean(tag.Key) && !tag.Key!.startsWith('aws:'),
      )
      .map((tag) => ({ Key: tag.Key, Value: tag.Value ?? '' }))
      .concat([{ Key: TAG.sourceAmi, Value: `${sourceRegion}/${source.imageId}` }]);
    // ResourceLimitExceeded: 20 copies are already running into this region (other runs too); the
    // slot frees up as they finish, so it is retried, like a transient error, until the timeout.
    const copied = await withRetry(
      () =>
        ec2.send(
          new CopyImageCommand({
            SourceRegion: sourceRegion,
            SourceImageId: source.imageId,
            Name: source.name,
            Description: awsDescription(
              `${source.image.file} (${source.image.compose_id || 'direct image'}), ${source.flavour}, copied from ${sourceRegion}`,
            ),
            ClientToken: token,
            // Tagged as it is created (ManagedBy=fedimg included): the IAM policy lets fedimg
            // create only what carries its tag, and a copy must never exist untagged.
            TagSpecifications: [
              { ResourceType: 'image', Tags: copyTags },
              { ResourceType: 'snapshot', Tags: copyTags },
            ],
            Encrypted: source.kmsKeyId ? true : undefined,
            KmsKeyId: source.kmsKeyId ? keyInRegion(source.kmsKeyId, region) : undefined,
          }),
          { abortSignal: signal },
        ),
      settings.retry,
      {
        retryable: (error) => isLimitExceeded(error) || isTransient(error),
        deadline: Date.now() + settings.timeoutMs,
        signal,
      },
    );
    imageId = copied.ImageId!;
    log.info(`${label}: copying ${source.imageId} as ${imageId}.`);
  }
  const state = await waitForImage(ec2, imageId, {
    timeoutMs: settings.timeoutMs,
    intervalMs: settings.pollIntervalMs,
    consecutive: settings.consecutive,
    signal,
  });
  if (state.state !== 'available') {
    // A failed copy is never of use: remove it (with its snapshots) rather than leave it behind.
    const removed = await ec2
      .send(new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }))
      .then(
        () => true,
        (error: unknown) => {
          log.warning(
            `${label}: could not remove the failed copy ${imageId}: ${describeError(error)}`,
            'fedimg copy',
          );
          return false;
        },
      );
    throw new CopyError(
      `The copy ${imageId} of ${source.imageId} into ${region} became ${state.state}${state.reason ? `: ${state.reason}` : ''}.`,
      {
        hint: removed
          ? 'The failed copy was removed; re-run the copy job.'
          : 'The failed copy could not be removed (see the warning above); re-run the copy job, which replaces it.',
      },
    );
  }
  log.info(`${label}: ${imageId} available${reused ? ' (existing copy)' : ''}.`);
  return { source, region, imageId, reused };
}

export function copyFailure(source: CopySource, region: string, error: unknown): CopyError {
  if (error instanceof CopyError) return error;
  return new CopyError(
    `Copying ${source.imageId} (${source.name}) into ${region} failed: ${describeError(error)}.`,
    {
      hint: hintForAwsError(error) ?? 'Re-run the copy job; existing copies are reused.',
      cause: error,
    },
  );
}
