import type { Ec2 } from '../aws/clients.js';
import {
  expectedAmis,
  launchPermissions,
  snapshotIds,
  type Audience,
  type ExpectedAmi,
} from '../aws/images.js';
import { readSettled } from '../aws/consistency.js';
import { resolveRegions } from '../aws/regions.js';
import { registrationGaps, registrationOf, type Registration } from '../aws/read-back.js';
import { snapshotPermissions } from '../aws/snapshots.js';
import { MANAGED_BY, TAG, tagValue } from '../aws/tags.js';
import { VerifyError } from '../errors.js';
import type { Settings } from '../settings/index.js';
import type { Log } from '../log.js';
import { buildManifest, writeManifest, type AmiRecord } from '../report/manifest.js';
import { openStage, type StageDeps } from './stage.js';
import type { Table } from '../report/table.js';
import { COMPOSE_STAGE_READS, defineStage, fileOutput } from './descriptor.js';

export interface VerifyRow extends AmiRecord {
  state: string;
  gaps: string[];
  /** What kind of problem each gap is, which decides what to do about it. */
  gapKinds: GapKind[];
}

type GapKind = 'missing' | 'registration' | 'tags' | 'sharing';

/** What to do about each kind of gap: each leads out, none back into a re-run that reuses the same AMI. */
const NEXT_STEP: Record<GapKind, string> = {
  missing:
    'Re-run import (base region) or copy (other regions) for the AMIs named: a re-run creates only what is missing.',
  registration:
    'An AMI registered with other settings cannot be changed, and a re-run reuses it only when its registration matches: deregister it (aws ec2 deregister-image --image-id <ami> --region <region>) and re-run import or copy, or give these settings a flavour of its own name.',
  tags: "An AMI without fedimg's tags was not registered by fedimg from this image: deregister or rename it, then re-run import or copy.",
  sharing: 'Re-run publish: it makes public (or shares) what is not yet, as public and share-accounts say.',
};

export interface VerifyResult {
  composeId: string;
  skipped: boolean;
  rows: VerifyRow[];
  gaps: string[];
}

/**
 * Does every image × flavour × region AMI exist, is it available, tagged, and public (with its
 * snapshot) as configured? Fedora's original test plan asked exactly "do the images exist in EC2?".
 */
export async function runVerify(
  settings: Settings,
  log: Log,
  deps: StageDeps<VerifyResult> = {},
): Promise<VerifyResult> {
  const shape = {
    name: 'verify',
    skipped: (plan: { composeId: string }): VerifyResult => ({
      composeId: plan.composeId,
      skipped: true,
      rows: [],
      gaps: [],
    }),
  };
  return openStage(settings, log, deps, shape, async ({ plan, clients, report }) => {
    const base = settings.baseRegion;
    const { regions } = await resolveRegions(clients.ec2(base), settings.copy.regions, base, log, 'verify');
    const perRegion = await Promise.all(
      [base, ...regions].map(async (region) => {
        const ec2 = clients.ec2(region);
        const read = async () => {
          const amis = await expectedAmis(
            ec2,
            region,
            base,
            plan.images,
            settings.flavours,
            settings.nameTemplate,
          );
          return Promise.all(amis.map(async (ami) => verifyRow(settings, ec2, ami)));
        };
        // Verify runs right after publish, whose changes may not show at once: sharing gaps are read
        // again before they count (other gaps do not settle by waiting, but come with the region).
        return readSettled(
          read,
          (rows) => {
            const unsettled = rows.filter((row) => row.gapKinds.includes('sharing')).length;
            return unsettled > 0 ? `${region}: ${unsettled} AMI(s) not yet shared as configured` : undefined;
          },
          { firstWaitMs: settings.copy.pollIntervalMs, log },
        );
      }),
    );
    const rows = perRegion.flat();
    const gaps = rows.flatMap((row) => row.gaps);
    const kinds = new Set(rows.flatMap((row) => row.gapKinds));
    if (settings.manifestFile) {
      writeManifest(settings.manifestFile, buildManifest(rows));
      log.info(`Manifest written to ${settings.manifestFile}.`);
    }
    for (const row of rows)
      log.info(
        `${row.region}  ${row.name}  ${row.imageId || '-'}  ${row.state}  public=${row.public}${row.gaps.length ? '  GAP' : ''}`,
      );
    const result = await report({ composeId: plan.composeId, skipped: false, rows, gaps });
    if (gaps.length > 0) {
      throw new VerifyError(`Verification found ${gaps.length} gap(s):\n${gaps.join('\n')}`, {
        hint: (Object.keys(NEXT_STEP) as GapKind[])
          .filter((kind) => kinds.has(kind))
          .map((kind) => NEXT_STEP[kind])
          .join(' '),
      });
    }
    log.info(
      `Verified ${rows.length} AMI(s) in ${perRegion.length} region(s): all present, available, tagged and ${settings.publish.public ? 'public' : 'private'} as configured.`,
    );
    return result;
  });
}

const EMPTY_REGISTRATION: Registration = {
  architecture: '',
  bootMode: '',
  enaSupport: false,
  sriovNetSupport: '',
  imdsSupport: '',
  tpmSupport: '',
  rootDeviceName: '',
  volumeType: '',
  volumeSize: 0,
};

/** One AMI as the manifest records it, with every way it differs from what was configured. */
async function verifyRow(settings: Settings, ec2: Ec2, ami: ExpectedAmi): Promise<VerifyRow> {
  const { found, region } = ami;
  return {
    region,
    image: ami.image,
    name: ami.name,
    flavour: ami.flavour.name,
    isDefaultFlavour: ami.flavour === settings.flavours[0],
    ...(found ? registrationOf(found) : EMPTY_REGISTRATION),
    imageId: found?.ImageId ?? '',
    snapshotIds: found ? snapshotIds(found) : [],
    state: found?.State ?? 'missing',
    public: found?.Public ? 'yes' : 'no',
    deprecationTime: found?.DeprecationTime,
    ...(await gapsOf(settings, ec2, ami)),
  };
}

async function gapsOf(
  settings: Settings,
  ec2: Ec2,
  { found, name, region, image, flavour }: ExpectedAmi,
): Promise<{ gaps: string[]; gapKinds: GapKind[] }> {
  if (!found?.ImageId) return { gaps: [`${name} is missing in ${region}`], gapKinds: ['missing'] };
  const gaps: string[] = [];
  const gapKinds: GapKind[] = [];
  const gap = (kind: GapKind, text: string) => {
    gaps.push(text);
    gapKinds.push(kind);
  };
  const shouldBePublic = settings.publish.public && !flavour.kmsKeyId;
  const visibility = (isPublic: boolean) => (isPublic ? 'public' : 'private');
  if (found.State !== 'available')
    gap('missing', `${found.ImageId} (${name}) in ${region} is ${found.State}`);
  if (
    tagValue(found.Tags, TAG.managedBy) !== MANAGED_BY ||
    tagValue(found.Tags, TAG.sourceSha256) !== image.sha256
  ) {
    gap('tags', `${found.ImageId} in ${region} lacks fedimg's tags`);
  }
  for (const difference of registrationGaps(found, image, flavour))
    gap('registration', `${difference} in ${region}`);
  if (Boolean(found.Public) !== shouldBePublic)
    gap(
      'sharing',
      `${found.ImageId} in ${region} is ${visibility(Boolean(found.Public))}, expected ${visibility(shouldBePublic)}`,
    );
  // Shared rather than public: every listed account may launch the AMI and use its snapshots.
  const sharedWith = shouldBePublic ? [] : settings.publish.shareAccounts;
  const missing = (audience: Audience) =>
    sharedWith.filter((account) => !audience.accounts.includes(account));
  if (sharedWith.length > 0) {
    const absent = missing(await launchPermissions(ec2, found.ImageId));
    if (absent.length > 0)
      gap('sharing', `${found.ImageId} in ${region} is not shared with ${absent.join(', ')}`);
  }
  for (const snapshotId of snapshotIds(found)) {
    const audience = await snapshotPermissions(ec2, snapshotId);
    if (audience.public !== shouldBePublic)
      gap(
        'sharing',
        `snapshot ${snapshotId} of ${found.ImageId} in ${region} is ${visibility(audience.public)}, expected ${visibility(shouldBePublic)}`,
      );
    const absent = missing(audience);
    if (absent.length > 0)
      gap(
        'sharing',
        `snapshot ${snapshotId} of ${found.ImageId} in ${region} is not shared with ${absent.join(', ')}`,
      );
  }
  return { gaps, gapKinds };
}

export function verifyTable(result: VerifyResult): Table {
  return {
    title: `fedimg verify — ${result.composeId || 'direct image'}`,
    header: ['Region', 'Name', 'Flavour', 'AMI', 'State', 'Public', 'Gaps'],
    rows: result.rows.map((row) => [
      row.region,
      row.name,
      row.flavour,
      row.imageId || '-',
      row.state,
      row.public,
      row.gaps.join('; '),
    ]),
    note: result.gaps.length ? `${result.gaps.length} gap(s).` : undefined,
  };
}

export const verifyStage = defineStage<VerifyResult>({
  name: 'verify',
  about: 'check every AMI in every region against the plan; write the manifest',
  compose: 'required',
  reads: [...COMPOSE_STAGE_READS, 'copy', 'publish', 'manifestFile'],
  inRun: true,
  run: runVerify,
  table: (result) => verifyTable(result),
  outputsBefore: (settings) => fileOutput('manifest-file', settings.manifestFile),
  outputs: () => ({}),
});
