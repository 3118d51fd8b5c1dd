import type { AwsClients, Ec2 } from '../aws/clients.js';
import {
  deprecateAmi,
  expectedAmis,
  grantLaunch,
  imageVerdict,
  publicAmiCount,
  snapshotIds,
  type ExpectedAmi,
  type Grant,
} from '../aws/images.js';
import { blocksPublicAmis, encryptsByDefault, resolveRegions } from '../aws/regions.js';
import { encryptedSnapshots, grantCreateVolume } from '../aws/snapshots.js';
import { describeError, PublishError } from '../errors.js';
import type { Settings } from '../settings/index.js';
import type { Log } from '../log.js';
import type { EventLog } from '../report/events.js';
import { PUBLISHED_SCHEMA, publishedMessage } from '../report/fedora-message.js';
import { plannedDeprecation } from './deprecation.js';
import { openStage, type StageDeps } from './stage.js';
import type { Table } from '../report/table.js';
import { COMPOSE_STAGE_READS, defineStage, eventsFileOutput } from './descriptor.js';

export interface PublishedAmi {
  region: string;
  ami: ExpectedAmi;
  imageId: string;
  public: boolean;
  deprecateAt: string | undefined;
}

export interface PublishResult {
  composeId: string;
  skipped: boolean;
  reason: string | undefined;
  published: PublishedAmi[];
  skippedRegions: string[];
}

/** What stops publishing: AMIs not there yet, a boot test not passed, or the account's settings. */
type ProblemKind = 'missing' | 'untested' | 'account';

interface Problem {
  kind: ProblemKind;
  text: string;
}

interface RegionPlan {
  region: string;
  amis: ExpectedAmi[];
  problems: Problem[];
}

const NEXT_STEP: Record<ProblemKind, string> = {
  missing:
    'Run the import and copy jobs for the regions named (finished work is reused), then re-run publish.',
  untested:
    'Run the boot test (or fix the image and re-run it); an AMI that has not passed is never made public.',
  account: 'Fix the account settings named above, then re-run the publish job.',
};

/** The next steps for these problems, the most basic first (nothing to publish before settings matter). */
function publishHint(problems: Problem[]): string {
  const kinds = new Set(problems.map((problem) => problem.kind));
  return (['missing', 'untested', 'account'] as const)
    .filter((kind) => kinds.has(kind))
    .map((kind) => NEXT_STEP[kind])
    .join(' ');
}

/** Every check that can stop publishing in a region, each problem with the fix for the account. */
async function preflight(
  settings: Settings,
  clients: AwsClients,
  region: string,
  amis: ExpectedAmi[],
): Promise<Problem[]> {
  const ec2 = clients.ec2(region);
  const problems: Problem[] = [];
  const problem = (kind: ProblemKind, text: string) => problems.push({ kind, text });
  for (const ami of amis) {
    const siblings = amis.filter((other) => other.image === ami.image);
    const verdict = imageVerdict(siblings.map((other) => other.found));
    if (!ami.found?.ImageId) problem('missing', `${ami.name} does not exist in ${region}.`);
    else if (ami.found.State !== 'available')
      problem('missing', `${ami.found.ImageId} (${ami.name}) in ${region} is ${ami.found.State}.`);
    // Only the booted flavour carries the verdict: while it is missing here, that is the problem to
    // name (it blocks the region), not a boot test its siblings never needed.
    else if (verdict !== 'passed' && siblings.every((other) => other.found?.ImageId)) {
      problem(
        'untested',
        `${ami.found.ImageId} (${ami.name}) in ${region}: ${ami.image.file} has ${verdict === 'failed' ? 'failed' : 'not passed'} the boot test.`,
      );
    }
  }
  if (!settings.publish.public || problems.length > 0) return problems;
  const toPublish = amis.filter((ami) => !ami.flavour.kmsKeyId && !ami.found?.Public);
  if (toPublish.length > 0 && (await blocksPublicAmis(ec2))) {
    problem(
      'account',
      `Block public access for AMIs is on in ${region}: turn it off (aws ec2 disable-image-block-public-access --region ${region}, or EC2 console → AMIs → Data protection and security); the change takes up to 10 minutes.`,
    );
  }
  const after = (await publicAmiCount(ec2)) + toPublish.length;
  if (after > settings.publish.publicAmiQuota) {
    problem(
      'account',
      `${region} would hold ${after} public AMIs, over the account's quota of ${settings.publish.publicAmiQuota}: request a higher "Public AMIs" quota in Service Quotas (EC2) for ${region}, or set public-ami-quota if it was already raised.`,
    );
  }
  const encrypted = await encryptedSnapshots(
    ec2,
    toPublish.flatMap((ami) => snapshotIds(ami.found!)),
  );
  if (encrypted.length > 0) {
    const byDefault = await encryptsByDefault(ec2);
    problem(
      'account',
      `Snapshots ${encrypted.join(', ')} in ${region} are encrypted${byDefault ? ' (EBS encryption by default is on)' : ''} and can never be public: turn off encryption by default in ${region} (aws ec2 disable-ebs-encryption-by-default --region ${region}), then delete these AMIs and re-run import/copy.`,
    );
  }
  return problems;
}

/**
 * Makes every AMI of the compose public in every region (snapshot first, so users can also copy the
 * AMI), or shares it with listed accounts, and deprecates nightlies. Nothing changes anywhere until
 * every required region passed its pre-flight checks.
 */
export async function runPublish(
  settings: Settings,
  log: Log,
  deps: StageDeps<PublishResult> = {},
): Promise<PublishResult> {
  const shape = {
    name: 'publish',
    skipped: (plan: { composeId: string; reason: string | undefined }): PublishResult => ({
      composeId: plan.composeId,
      skipped: true,
      reason: plan.reason,
      published: [],
      skippedRegions: [],
    }),
  };
  return openStage(settings, log, deps, shape, async ({ plan, clients, events }) => {
    const base = settings.baseRegion;
    const { regions } = await resolveRegions(clients.ec2(base), settings.copy.regions, base, log, 'publish');
    const plans: RegionPlan[] = await log.group(`Pre-flight checks in ${regions.length + 1} region(s)`, () =>
      Promise.all(
        [base, ...regions].map(async (region) => {
          const amis = await expectedAmis(
            clients.ec2(region),
            region,
            base,
            plan.images,
            settings.flavours,
            settings.nameTemplate,
          );
          return { region, amis, problems: await preflight(settings, clients, region, amis) };
        }),
      ),
    );
    const blocking = plans.filter(
      (entry) => entry.problems.length > 0 && !settings.copy.bestEffortRegions.includes(entry.region),
    );
    if (blocking.length > 0) {
      throw new PublishError(
        `Nothing was made public: pre-flight failed in ${blocking.map((entry) => entry.region).join(', ')}:\n${blocking
          .flatMap((entry) => entry.problems.map((problem) => problem.text))
          .join('\n')}`,
        { hint: publishHint(blocking.flatMap((entry) => entry.problems)) },
      );
    }
    const skippedRegions = plans.filter((entry) => entry.problems.length > 0).map((entry) => entry.region);
    for (const region of skippedRegions) {
      log.warning(
        `Skipping best-effort region ${region}: ${plans
          .find((entry) => entry.region === region)!
          .problems.map((problem) => problem.text)
          .join(' ')}`,
        'fedimg publish',
      );
    }
    const ready = plans.filter((entry) => entry.problems.length === 0);
    const published = await log.group('Publish', async () =>
      (
        await Promise.all(
          ready.map((entry) => publishRegion(settings, clients.ec2(entry.region), entry, events, log)),
        )
      ).flat(),
    );
    announce(settings, published, events, log);
    log.info(`Published ${published.length} AMI(s) in ${plans.length - skippedRegions.length} region(s).`);
    return { composeId: plan.composeId, skipped: false, reason: undefined, published, skippedRegions };
  });
}

/** Shares (or makes public) and deprecates every AMI of one region that passed its pre-flight. */
async function publishRegion(
  settings: Settings,
  ec2: Ec2,
  { region, amis }: RegionPlan,
  events: EventLog,
  log: Log,
): Promise<PublishedAmi[]> {
  const published: PublishedAmi[] = [];
  for (const ami of amis) {
    const found = ami.found!;
    const makePublic = settings.publish.public && !ami.flavour.kmsKeyId;
    try {
      const grant: Grant = makePublic
        ? { public: true }
        : { public: false, accounts: settings.publish.shareAccounts };
      const deprecation = plannedDeprecation(settings, ami.image, found, makePublic);
      if (deprecation.note) log.info(`${region}: ${deprecation.note}`);
      if (deprecation.set) await deprecateAmi(ec2, found.ImageId!, deprecation.at!);
      if (makePublic || settings.publish.shareAccounts.length > 0) {
        // The snapshot first: a public AMI with a private snapshot can be launched but not copied.
        for (const snapshotId of snapshotIds(found)) await grantCreateVolume(ec2, snapshotId, grant);
        await grantLaunch(ec2, found.ImageId!, grant);
      }
      published.push({
        region,
        ami,
        imageId: found.ImageId!,
        public: makePublic,
        deprecateAt: deprecation.at?.toISOString(),
      });
      events.emit('image.publish', 'completed', ami.image, region, {
        id: found.ImageId,
        vol_type: ami.flavour.volumeType,
        flavour: ami.flavour.name,
      });
    } catch (error) {
      events.emit('image.publish', 'failed', ami.image, region, {
        id: found.ImageId,
        error: describeError(error),
      });
      throw new PublishError(
        `Publishing ${found.ImageId} (${ami.name}) in ${region} failed: ${describeError(error)}.`,
        { hint: 'Re-run the publish job; what is already public stays so.', cause: error },
      );
    }
  }
  return published;
}

/**
 * Once every image is public in every region that passed its pre-flight, tells Fedora's consumers in
 * their own schema: one fedora_image_uploader.published.v1.aws message per image, for the default
 * flavour (the AMI name Fedora publishes). AMIs only shared with accounts are not announced.
 */
function announce(settings: Settings, published: PublishedAmi[], events: EventLog, log: Log): void {
  const byImage = new Map<string, PublishedAmi[]>();
  for (const entry of published)
    if (entry.public && entry.ami.flavour === settings.flavours[0])
      byImage.set(entry.ami.image.sha256, [...(byImage.get(entry.ami.image.sha256) ?? []), entry]);
  for (const entries of byImage.values()) {
    const { image, name } = entries[0]!.ami;
    const regions = Object.fromEntries(entries.map((entry) => [entry.region, entry.imageId]));
    const message = publishedMessage(image, name, regions, settings.publish.messageTopic);
    if ('skipped' in message) {
      log.notice(`No ${PUBLISHED_SCHEMA} message for ${name}: ${message.skipped}.`, 'fedimg publish');
      continue;
    }
    events.emitMessage(message.topic, PUBLISHED_SCHEMA, message.body);
    log.info(`Announced ${name} in ${entries.length} region(s) on ${message.topic}.`);
  }
}

export function publishTable(result: PublishResult): Table {
  const notes = [
    result.skipped ? `Nothing to do: ${result.reason}.` : '',
    result.skippedRegions.length ? `Best-effort regions skipped: ${result.skippedRegions.join(', ')}.` : '',
  ].filter(Boolean);
  return {
    title: `fedimg publish — ${result.composeId || 'direct image'}`,
    header: ['Region', 'AMI', 'Name', 'Public', 'Deprecated at'],
    rows: [...result.published]
      .sort((a, b) => a.region.localeCompare(b.region) || a.ami.name.localeCompare(b.ami.name))
      .map((entry) => [
        entry.region,
        entry.imageId,
        entry.ami.name,
        entry.public ? 'yes' : 'no',
        entry.deprecateAt ?? '',
      ]),
    note: notes.length ? notes.join('\n') : undefined,
  };
}

export const publishStage = defineStage<PublishResult>({
  name: 'publish',
  about: 'make the AMIs public (or share them) and set their deprecation',
  compose: 'required',
  reads: [...COMPOSE_STAGE_READS, 'copy', 'publish'],
  inRun: true,
  run: runPublish,
  table: (result) => publishTable(result),
  outputsBefore: eventsFileOutput,
  outputs: (result) => ({
    published: JSON.stringify(
      result.published.map((published) => ({
        region: published.region,
        ami: published.imageId,
        name: published.ami.name,
        public: published.public,
        deprecate_at: published.deprecateAt,
      })),
    ),
    skipped: String(result.skipped),
  }),
});
