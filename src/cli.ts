import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FedimgError } from './errors.js';
import { runGuarded } from './guard.js';
import { INPUT_NAMES, parseSettings, STAGES, type InputName } from './settings/index.js';
import { terminalLog } from './log.js';
import { planTable } from './report/plan-summary.js';
import { tableAsMarkdown, tableAsText, type Table } from './report/table.js';
import { runPlan } from './stages/plan.js';
import { importTable } from './report/import-summary.js';
import { runImport } from './stages/import.js';
import { bootTestTable } from './report/boot-test-summary.js';
import { runBootTest } from './stages/boot-test.js';
import { copyTable } from './report/copy-summary.js';
import { runCopy } from './stages/copy.js';
import { publishTable, verifyTable } from './report/publish-summary.js';
import { runPublish } from './stages/publish.js';
import { runVerify } from './stages/verify.js';
import { runCleanup } from './stages/cleanup.js';
import { cleanupTable } from './report/cleanup-summary.js';
import { releaseTable } from './report/release-summary.js';
import { runRelease } from './stages/release.js';

const USAGE = `Usage: fedimg <stage> [options]

Stages: ${STAGES.join(', ')}, and run (plan, import, boot-test, copy, publish, verify in order)

Where the images come from (one of):
  --compose <url>            compose location: the compose root or its compose/ directory
  --compose-id <id>          a compose ID; the location is derived under --compose-base-url
  --payload <json|@file>     the compose-status message Pungi sends (repository_dispatch payload)
  --image-url <url>          one raw.xz image; with --image-sha256, or a CHECKSUM file beside it

Options (the action's inputs, same names):
  --compose-status <status>  status when it is known without reading STATUS
  --allowed-hosts <list>     hosts fedimg may fetch from (host[:port], comma-separated)
  --allow-http               permit plain http on allowed hosts (loopback test servers)
  --subvariants <list>       productmd subvariants to publish (default Cloud_Base)
  --architectures <list>     x86_64, aarch64 (default both)
  --decoder <auto|system|npm> xz decoder (default auto: system xz when installed)
  --image <json>             one entry of the plan's matrix instead of a compose

Import options:
  --base-region <region>     where snapshots and AMIs are created (default AWS_REGION or us-east-1)
  --upload-method <m>        ebs-direct (default) or import-snapshot (needs --s3-bucket)
  --concurrency <n>          PutSnapshotBlock workers (default 64)
  --omit-zero-blocks         skip all-zero blocks (unsafe for volumes launched encrypted)
  --volume-size <GiB>        snapshot size (default: the raw image rounded up)
  --max-volume-size-gib <n>  refuse images larger than this raw (default 64)
  --image-cache <bool>       keep downloads in the GitHub Actions cache (only where that service exists)
  --volume-types <list>      one AMI flavour per volume type (default gp3)
  --boot-mode <mode>, --imds-v2 <bool>, --tpm <bool>, --kms-key-id <key>
  --config-file <path>       flavours from a YAML/JSON file
  --name-template <t>        AMI names (default {product}.{arch}-{release}-{version}; "classic" for the old one)
  --events-file <path>       NDJSON event log (default fedimg-events.ndjson)

Boot-test options:
  --test-command <cmd>       run on the booted instance; exit 0 passes (default /bin/true)
  --instance-types <list>    x86_64=t3.micro,arm64=t4g.micro
  --boot-timeout-minutes <n> from launch to verdict (default 15)
  --subnet-id <id>, --security-group-ids <list>  where to launch (no inbound access is needed)
  --boot-test-flavours <list> flavours to boot (default: the first)

Copy options:
  --regions <list|all>       destination regions (default all enabled regions)
  --best-effort-regions <list> regions where a failed copy is only a warning
  --copy-timeout-minutes <n> per copy (default 45)

Publish and verify options:
  --public <bool>            make AMIs and snapshots public (default true)
  --share-accounts <list>    with --public false: share with these account IDs
  --deprecation-days <n>     deprecate nightly/test composes' AMIs after n days (default 30)
  --release-deprecation-days <n> deprecate release AMIs too (default never)
  --public-ami-quota <n>     the account's public-AMI quota per region (default 5)
  --manifest-file <path>     verify: where the compose manifest is written (default fedimg-manifest.json)
  --notify-url <url>, --notify-secret <s>  also POST events, HMAC-signed

Release (a GitHub release tagged by the compose ID, with the manifest and events attached):
  --github-token <token>     a token allowed to write contents; GITHUB_REPOSITORY=<owner>/<name> names the repository

Cleanup (the lifecycle sweep over every enabled region; a dry run from the CLI unless --dry-run false):
  --delete-after-days <n>    delete expired AMIs this long after they were made private (default 10)
  --include-releases <bool>  also expire release AMIs (default false)
  --orphan-after-hours <n>   delete fedimg snapshots no AMI uses once this old (default 24)
  --instance-max-hours <n>   terminate boot-test instances older than this (default 2)
  --json                     print the stage's result as JSON on stdout (logs go to stderr)
  --summary-file <path>      append each stage's table as Markdown (like the job summary)
  -v, --verbose              debug logs
  -h, --help                 this text
`;

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function optionSpec(): Options {
  const options: Options = {
    compose: { type: 'string' },
    payload: { type: 'string' },
    json: { type: 'boolean' },
    'summary-file': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of INPUT_NAMES) {
    if (name !== 'stage')
      options[name] = { type: name === 'allow-http' || name === 'omit-zero-blocks' ? 'boolean' : 'string' };
  }
  return options;
}

export async function cli(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: optionSpec(), allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (positionals.length > 1) {
    process.stderr.write(`Unexpected arguments: ${positionals.slice(1).join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const log = terminalLog({ verbose: values.verbose === true });
  const read = (name: InputName): string => {
    // `run` is every stage in order; the settings are the same as the plan's.
    if (name === 'stage') return positionals[0] === 'run' ? 'plan' : positionals[0]!;
    // From a terminal the lifecycle sweep only reports unless told otherwise.
    if (name === 'dry-run' && positionals[0] === 'cleanup' && values['dry-run'] === undefined) return 'true';
    if (name === 'compose-location') return String(values['compose-location'] ?? values.compose ?? '');
    if (name === 'compose-payload') {
      const payload = String(values['compose-payload'] ?? values.payload ?? '');
      return payload.startsWith('@') ? readFileSync(payload.slice(1), 'utf8') : payload;
    }
    const value = values[name];
    return typeof value === 'boolean' ? String(value) : (value ?? '');
  };
  const controller = new AbortController();
  const cancel = () => controller.abort(new Error('cancelled'));
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  const summaryFile = typeof values['summary-file'] === 'string' ? values['summary-file'] : undefined;
  // Like the runner's job summary: every stage's table, appended as Markdown.
  const summarise = (table: Table) => {
    if (summaryFile) appendFileSync(summaryFile, tableAsMarkdown(table));
  };
  try {
    // A failure outside the stage's own error handling still ends in its error path (below).
    return await runGuarded(async (signal): Promise<number> => {
      const settings = parseSettings(read);
      const print = (result: unknown, table: Table) => {
        summarise(table);
        process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : tableAsText(table));
      };
      if (positionals[0] === 'run') {
        const plan = await runPlan(settings, log);
        if (plan.plan.skipped) {
          print(plan, planTable(plan.plan));
          return 0;
        }
        summarise(planTable(plan.plan));
        summarise(importTable(await runImport(settings, log, { signal }), settings.baseRegion));
        await runBootTest(settings, log, {
          signal,
          onResult: async (result) => summarise(bootTestTable(result, settings.baseRegion)),
        });
        await runCopy(settings, log, {
          signal,
          onResult: async (result) => {
            summarise(copyTable(result, settings.baseRegion));
            process.stderr.write(tableAsText(copyTable(result, settings.baseRegion)));
          },
        });
        summarise(publishTable(await runPublish(settings, log, { signal })));
        const verified = await runVerify(settings, log);
        print(verified, verifyTable(verified));
        process.stderr.write(
          `Manifest: ${resolve(settings.manifestFile)}\nEvents: ${resolve(settings.eventsFile)}\n`,
        );
        if (summaryFile) process.stderr.write(`Summary: ${resolve(summaryFile)}\n`);
        return 0;
      }
      switch (settings.stage) {
        case 'plan': {
          const result = await runPlan(settings, log);
          print(result, planTable(result.plan));
          return 0;
        }
        case 'import': {
          const result = await runImport(settings, log, { signal: signal });
          print(result, importTable(result, settings.baseRegion));
          return 0;
        }
        case 'boot-test': {
          // Printed before a failure is reported, so the failing console lines are shown.
          await runBootTest(settings, log, {
            signal: signal,
            onResult: async (result) => print(result, bootTestTable(result, settings.baseRegion)),
          });
          return 0;
        }
        case 'copy': {
          await runCopy(settings, log, {
            signal: signal,
            onResult: async (result) => print(result, copyTable(result, settings.baseRegion)),
          });
          return 0;
        }
        case 'publish': {
          const result = await runPublish(settings, log, { signal: signal });
          print(result, publishTable(result));
          return 0;
        }
        case 'verify': {
          const result = await runVerify(settings, log);
          print(result, verifyTable(result));
          return 0;
        }
        case 'release': {
          const result = await runRelease(settings.release, log);
          print(result, releaseTable(result));
          return 0;
        }
        case 'cleanup': {
          const actions = await runCleanup(settings, log);
          print(actions, cleanupTable(actions, settings.cleanup.dryRun));
          return 0;
        }
      }
    }, controller.signal);
  } catch (error) {
    if (error instanceof FedimgError) {
      log.error(error.message, `fedimg ${error.area}`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}
