import { fedimgAmiNamed } from '../aws/images.js';
import {
  BOOT_TEST_HINT,
  bootTest,
  bootTestFailure,
  tagVerdict,
  type BootTestOutcome,
} from '../aws/instances.js';
import { amiName } from '../aws/naming.js';
import { TAG, tagValue } from '../aws/tags.js';
import type { PlannedImage } from '../compose/types.js';
import { BootTestError } from '../errors.js';
import type { Settings } from '../settings/index.js';
import type { Log } from '../log.js';
import { openStage, type StageDeps } from './stage.js';
import type { Table } from '../report/table.js';
import { COMPOSE_STAGE_READS, defineStage, eventsFileOutput } from './descriptor.js';

export interface BootTestRecord {
  image: PlannedImage;
  name: string;
  outcome: BootTestOutcome | undefined;
  /** Passed in an earlier run (the AMI carries the tag): not booted again. */
  alreadyPassed: boolean;
  imageId: string;
}

export interface BootTestResult {
  composeId: string;
  skipped: boolean;
  reason: string | undefined;
  records: BootTestRecord[];
}

/**
 * Boots the AMIs the import stage registered (found by name and tags in the base region) and
 * records each verdict as a tag. Any failure fails the stage: those AMIs are never copied or made
 * public.
 */
export async function runBootTest(
  settings: Settings,
  log: Log,
  deps: StageDeps<BootTestResult> = {},
): Promise<BootTestResult> {
  const shape = {
    name: 'boot-test',
    skipped: (plan: { composeId: string; reason: string | undefined }): BootTestResult => ({
      composeId: plan.composeId,
      skipped: true,
      reason: plan.reason,
      records: [],
    }),
  };
  return openStage(settings, log, deps, shape, async ({ plan, clients, pending, events, report }) => {
    const region = settings.baseRegion;
    const ec2 = clients.ec2(region);
    const wanted = settings.flavours.filter((flavour, index) =>
      settings.bootTest.flavours.length === 0
        ? index === 0
        : settings.bootTest.flavours.includes(flavour.name),
    );
    const targets = plan.images.flatMap((image) =>
      wanted.map((flavour) => ({
        image,
        name: amiName(settings.nameTemplate, {
          image,
          flavour,
          isDefaultFlavour: flavour === settings.flavours[0],
          region,
        }),
      })),
    );
    const records = await log.group(`Boot test ${targets.length} AMI(s) in ${region}`, () =>
      Promise.all(
        targets.map(async ({ image, name }): Promise<BootTestRecord> => {
          const ami = await fedimgAmiNamed(ec2, image, name);
          if (!ami?.ImageId) {
            throw new BootTestError(`AMI ${name} of ${image.file} is not registered in ${region}.`, {
              hint: 'Run the import stage for this compose first.',
            });
          }
          if (tagValue(ami.Tags, TAG.bootTest) === 'passed') {
            log.info(`${image.arch}: ${ami.ImageId} (${name}) passed its boot test in an earlier run.`);
            return { image, name, outcome: undefined, alreadyPassed: true, imageId: ami.ImageId };
          }
          events.emit('image.test', 'started', image, region, { id: ami.ImageId });
          const outcome = await bootTest(
            image,
            { imageId: ami.ImageId, name },
            { ec2, region, log, pending, settings: settings.bootTest, signal: deps.signal },
          );
          await tagVerdict(ec2, outcome, { firstWaitMs: settings.bootTest.pollIntervalMs, log });
          events.emit('image.test', outcome.passed ? 'completed' : 'failed', image, region, {
            id: ami.ImageId,
            ...(outcome.passed ? {} : { error: outcome.consoleTail.slice(-3).join(' | ') }),
          });
          if (outcome.passed)
            log.info(
              `${image.arch}: ${ami.ImageId} passed its boot test in ${outcome.seconds.toFixed(0)} s.`,
            );
          else log.error(bootTestFailure(image, outcome, region).message, 'fedimg boot-test');
          return { image, name, outcome, alreadyPassed: false, imageId: ami.ImageId };
        }),
      ),
    );
    const result = await report({ composeId: plan.composeId, skipped: false, reason: undefined, records });
    const failed = records.filter((record) => record.outcome && !record.outcome.passed);
    if (failed.length > 0) {
      // The message carries what each failure showed; the hint only what to do next.
      const details = failed.map((record) => bootTestFailure(record.image, record.outcome!, region).detail);
      throw new BootTestError(
        `${failed.length} of ${records.length} AMI(s) failed the boot test: ${failed.map((record) => `${record.imageId} (${record.image.arch})`).join(', ')}.\n${details.join('\n')}`,
        { hint: BOOT_TEST_HINT },
      );
    }
    return result;
  });
}

export function bootTestTable(result: BootTestResult, region: string): Table {
  const failures = result.records.filter((record) => record.outcome && !record.outcome.passed);
  return {
    title: `fedimg boot test — ${result.composeId || 'direct image'} in ${region}`,
    header: ['Image', 'AMI', 'Name', 'Instance', 'Verdict', 'Seconds'],
    rows: result.records.map((record) => [
      record.image.file,
      record.imageId,
      record.name,
      record.outcome?.instanceId ?? '',
      record.alreadyPassed
        ? 'passed earlier'
        : record.outcome?.passed
          ? 'passed'
          : `failed${record.outcome?.exitCode !== undefined ? ` (exit ${record.outcome.exitCode})` : ''}`,
      record.outcome ? record.outcome.seconds.toFixed(0) : '',
    ]),
    note: result.skipped
      ? `Nothing to do: ${result.reason}.`
      : failures.length > 0
        ? failures
            .map(
              (record) => `${record.imageId} console: ${record.outcome!.consoleTail.slice(-10).join(' ⏎ ')}`,
            )
            .join('\n')
        : undefined,
  };
}

export const bootTestStage = defineStage<BootTestResult>({
  name: 'boot-test',
  about: 'boot each AMI, read the verdict from its console, always terminate',
  compose: 'required',
  reads: [...COMPOSE_STAGE_READS, 'bootTest'],
  inRun: true,
  run: runBootTest,
  table: (result, settings) => bootTestTable(result, settings.baseRegion),
  outputsBefore: eventsFileOutput,
  outputs: (result) => ({
    'boot-test': JSON.stringify(
      result.records.map((record) => ({
        image: record.image.name,
        ami: record.imageId,
        passed: record.alreadyPassed || Boolean(record.outcome?.passed),
      })),
    ),
    skipped: String(result.skipped),
  }),
});
