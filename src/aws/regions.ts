import {
  DescribeRegionsCommand,
  GetEbsEncryptionByDefaultCommand,
  GetImageBlockPublicAccessStateCommand,
  GetSnapshotBlockPublicAccessStateCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { InputError } from '../errors.js';
import type { Log } from '../log.js';

export interface RegionChoice {
  /** Regions to work in (enabled for the account). */
  regions: string[];
  /** Asked for, but opt-in regions the account has not enabled: reported and skipped. */
  notEnabled: string[];
}

/**
 * The destination regions: a list, or `all` = every region enabled for the account, read from
 * DescribeRegions at run time (never hard-coded). Unknown names are an error.
 */
export async function resolveRegions(
  ec2: EC2Client,
  requested: string[],
  exclude: string,
  log: Log,
  /** The stage asking, which titles the notice about regions not enabled. */
  stage: string,
): Promise<RegionChoice> {
  const { Regions } = await ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
  const status = new Map(
    (Regions ?? []).map((region) => [region.RegionName!, region.OptInStatus ?? 'opt-in-not-required']),
  );
  const enabled = (name: string) => status.get(name) !== 'not-opted-in';
  const names = requested.includes('all') ? [...status.keys()].sort() : requested;
  const unknown = names.filter((name) => !status.has(name));
  if (unknown.length > 0) {
    throw new InputError(`Unknown region(s): ${unknown.join(', ')}.`, {
      hint: `The account knows ${[...status.keys()].sort().join(', ')}.`,
    });
  }
  const notEnabled = names.filter((name) => !enabled(name));
  if (notEnabled.length > 0) {
    log.notice(
      `Skipping region(s) not enabled for this account: ${notEnabled.join(', ')}. Enable them under Account → AWS Regions to publish there.`,
      `fedimg ${stage}`,
    );
  }
  return { regions: names.filter((name) => enabled(name) && name !== exclude), notEnabled };
}

/** Whether the account blocks new public sharing of AMIs in this region. */
export async function blocksPublicAmis(ec2: EC2Client): Promise<boolean> {
  const { ImageBlockPublicAccessState } = await ec2.send(new GetImageBlockPublicAccessStateCommand({}));
  return ImageBlockPublicAccessState === 'block-new-sharing';
}

/** Whether the account blocks making snapshots public in this region (either mode blocks new sharing). */
export async function blocksPublicSnapshots(ec2: EC2Client): Promise<boolean> {
  const { State } = await ec2.send(new GetSnapshotBlockPublicAccessStateCommand({}));
  return State !== undefined && State !== 'unblocked';
}

/** Whether new EBS volumes and snapshot copies in this region are encrypted by default. */
export async function encryptsByDefault(ec2: EC2Client): Promise<boolean> {
  const { EbsEncryptionByDefault } = await ec2.send(new GetEbsEncryptionByDefaultCommand({}));
  return Boolean(EbsEncryptionByDefault);
}
