/**
 * The reliability scenarios: each drives the real stages against the emulator and asserts the
 * outcome a user needs. The runner (suite.ts, run by faults.test.ts and account-and-input.test.ts) checks the emulator's inventory after each
 * one for anything leaked. `npm test` runs them once with small images; `npm run soak` repeats them
 * with larger images.
 */
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { PlannedImage } from '../../src/compose/types.js';
import {
  BootTestError,
  ComposeError,
  CopyError,
  FedimgError,
  ImageSourceError,
  InputError,
  PublishError,
  UploadError,
} from '../../src/errors.js';
import type { InputName, Settings } from '../../src/settings/index.js';
import type { Log } from '../../src/log.js';
import { runBootTest } from '../../src/stages/boot-test.js';
import { runCopy } from '../../src/stages/copy.js';
import { runImport } from '../../src/stages/import.js';
import { runPlan } from '../../src/stages/plan.js';
import { runPublish } from '../../src/stages/publish.js';
import { runVerify } from '../../src/stages/verify.js';
import { matrixEntry, statusMessage } from '../fixtures/compose.js';
import { paddedSha256 } from '../fixtures/disk-image.js';
import { blocksUploaded, snapshotSha256 } from '../helpers/aws.js';
import { applyRolePolicy, STAGING_BUCKET } from '../helpers/iam.js';
import { interruptibleImportArgs, spawnCli } from '../helpers/runner.js';
import { ADMIN_CREDENTIALS } from '../../emulator/server.js';
import type { World } from '../helpers/world.js';

/** The test world (emulator, compose server, settings) plus the image size and a quiet log. */
export interface ScenarioContext extends World {
  rawSize: number;
  log: Log;
}

export interface Scenario {
  group: 'fault' | 'account state' | 'bad input';
  name: string;
  /**
   * The scenario cancels work mid-flight: requests already on the wire are still answered after
   * fedimg removed what they were for, and may be refused then (nobody waits for those answers).
   */
  abandonsRequests?: true;
  run(ctx: ScenarioContext): Promise<void>;
}

export const REGIONS = ['eu-west-1', 'us-west-2'];
const BLOCK = 524288;

function settings(
  ctx: ScenarioContext,
  stage: string,
  extra: Partial<Record<InputName, string>> = {},
): Settings {
  return ctx.settings(stage, {
    regions: REGIONS.join(','),
    'manifest-file': join(ctx.dir, 'manifest.json'),
    ...extra,
  });
}

/** One image of the compose as the plan's matrix gives it, optionally altered. */
function planned(ctx: ScenarioContext, arch: string, change: Partial<PlannedImage> = {}): PlannedImage {
  return { ...matrixEntry(ctx.compose, arch, ctx.location()), ...change };
}

async function pipeline(ctx: ScenarioContext, extra: Partial<Record<InputName, string>> = {}): Promise<void> {
  await runImport(settings(ctx, 'import', extra), ctx.log);
  await runBootTest(settings(ctx, 'boot-test', extra), ctx.log);
  await runCopy(settings(ctx, 'copy', extra), ctx.log);
  await runPublish(settings(ctx, 'publish', extra), ctx.log);
  const verified = await runVerify(settings(ctx, 'verify', extra), ctx.log);
  expect(verified.gaps).toEqual([]);
  // Two arches in the base region and every destination, all public.
  const images = ctx.emulator.inventory().images;
  expect(images).toHaveLength(2 * (1 + REGIONS.length));
  expect(images.every((image) => image.public)).toBe(true);
}

/** The stored snapshot holds the raw image byte for byte. */
async function expectImported(ctx: ScenarioContext, arch = 'x86_64'): Promise<void> {
  // Reading the snapshot back is the check, not the system under test: no faults for it.
  ctx.emulator.clearFaults();
  const snapshots = ctx.emulator.inventory().snapshots.filter((snapshot) => snapshot.region === 'us-east-1');
  const image = ctx.emulator.inventory().images.find((candidate) => candidate.name.includes(`.${arch}-`))!;
  const snapshot = snapshots.find((candidate) => image.snapshotIds.includes(candidate.id))!;
  expect(await snapshotSha256(snapshot.id, Math.ceil(ctx.rawSize / BLOCK))).toBe(
    await paddedSha256(ctx.rawSize, `${ctx.compose.composeId}/${arch}`),
  );
}

async function rejects(
  promise: Promise<unknown>,
  type: new (...args: never[]) => FedimgError,
  message: RegExp,
) {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error, 'the stage should have failed').toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
}

const nothingCreated = (ctx: ScenarioContext) => {
  const inventory = ctx.emulator.inventory();
  expect([inventory.snapshots, inventory.images, inventory.instances, inventory.objects]).toEqual([
    [],
    [],
    [],
    [],
  ]);
};

/** A variant of one compose image written next to the compose, served by the same server. */
async function variantImage(
  ctx: ScenarioContext,
  name: string,
  change: (bytes: Buffer) => Buffer,
): Promise<{ url: string; bytes: Buffer }> {
  const original = ctx.compose.images.find((image) => image.arch === 'x86_64')!;
  const bytes = change(Buffer.from(await readFile(original.path)));
  await writeFile(join(ctx.compose.root, 'compose', name), bytes);
  return { url: `${ctx.location()}/${name}`, bytes };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function rewriteImagesJson(
  ctx: ScenarioContext,
  change: (text: string) => string,
  work: () => Promise<void>,
) {
  const path = join(ctx.compose.root, 'compose', 'metadata', 'images.json');
  const saved = await readFile(path, 'utf8');
  try {
    await writeFile(path, change(saved));
    await work();
  } finally {
    await writeFile(path, saved);
  }
}

function importInChild(ctx: ScenarioContext, image: PlannedImage) {
  const eventsFile = join(ctx.dir, 'child.ndjson');
  return spawnCli(interruptibleImportArgs(JSON.stringify(image), ctx.files.host, eventsFile), 'ignore');
}

export const SCENARIOS: Scenario[] = [
  // --- faults ------------------------------------------------------------------------------------
  {
    group: 'fault',
    name: 'throttling at 20% on every operation',
    async run(ctx) {
      ctx.emulator.addFault({ operation: '*', kind: 'throttle', rate: 0.2 });
      await pipeline(ctx);
      await expectImported(ctx);
    },
  },
  {
    group: 'fault',
    name: '5xx bursts',
    async run(ctx) {
      for (const operation of [
        'PutSnapshotBlock',
        'RegisterImage',
        'CopyImage',
        'ModifyImageAttribute',
        'DescribeImages',
      ])
        ctx.emulator.addFault({ operation, kind: 'server-error', count: 3 });
      await pipeline(ctx);
    },
  },
  {
    group: 'fault',
    name: 'the download connection reset mid-way (resumes, same bytes)',
    async run(ctx) {
      const image = planned(ctx, 'x86_64');
      ctx.files.faults = {
        resetAfter: { path: new URL(image.url).pathname, bytes: Math.floor(image.size / 3), times: 2 },
      };
      await runImport(settings(ctx, 'import', { image: JSON.stringify(image) }), ctx.log);
      expect(ctx.files.requests.some((request) => request.range)).toBe(true);
      await expectImported(ctx);
    },
  },
  {
    group: 'fault',
    name: 'a hung PutSnapshotBlock (times out, retries)',
    async run(ctx) {
      ctx.emulator.addFault({ operation: 'PutSnapshotBlock', kind: 'hang', count: 2 });
      const short = settings(ctx, 'import', { image: JSON.stringify(planned(ctx, 'x86_64')) });
      short.upload.blockTimeoutMs = 500;
      await runImport(short, ctx.log);
      await expectImported(ctx);
    },
  },
  {
    group: 'fault',
    name: 'the snapshot-not-found window after StartSnapshot',
    async run(ctx) {
      ctx.emulator.setDurations({ snapshotNotFoundWindow: 400 });
      await runImport(settings(ctx, 'import', { image: JSON.stringify(planned(ctx, 'x86_64')) }), ctx.log);
      await expectImported(ctx);
    },
  },
  {
    group: 'fault',
    name: 'eventual consistency after RegisterImage and CopyImage',
    async run(ctx) {
      ctx.emulator.setDurations({ consistency: 400 });
      await pipeline(ctx);
    },
  },
  {
    group: 'fault',
    name: 'a failed import task (S3 route): clean failure, then a re-run succeeds',
    async run(ctx) {
      const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
      // The bucket is the operator's, made once (account setup); the role may only stage in it.
      const s3 = new S3Client({ region: 'us-east-1', forcePathStyle: true, credentials: ADMIN_CREDENTIALS });
      await s3.send(new CreateBucketCommand({ Bucket: STAGING_BUCKET }));
      s3.destroy();
      applyRolePolicy(ctx.emulator, { importSnapshot: true });
      ctx.emulator.failNextImports(1);
      const extra = {
        image: JSON.stringify(planned(ctx, 'x86_64')),
        'upload-method': 'import-snapshot',
        's3-bucket': STAGING_BUCKET,
      };
      await rejects(runImport(settings(ctx, 'import', extra), ctx.log), UploadError, /import/i);
      expect(ctx.emulator.inventory().images).toEqual([]);
      await runImport(settings(ctx, 'import', extra), ctx.log);
      expect(ctx.emulator.inventory().images).toHaveLength(1);
    },
  },
  {
    group: 'fault',
    name: 'a copy failing in a best-effort region (warning, the rest published)',
    async run(ctx) {
      ctx.emulator.setRegion('us-west-2', { copyFault: 'fail' });
      const extra = { 'best-effort-regions': 'us-west-2' };
      await runImport(settings(ctx, 'import', extra), ctx.log);
      await runBootTest(settings(ctx, 'boot-test', extra), ctx.log);
      const copies = await runCopy(settings(ctx, 'copy', extra), ctx.log);
      expect(JSON.stringify(copies)).toContain('us-west-2');
      await runPublish(settings(ctx, 'publish', extra), ctx.log);
      const regions = new Set(ctx.emulator.inventory().images.map((image) => image.region));
      expect([...regions].sort()).toEqual(['eu-west-1', 'us-east-1']);
    },
  },
  {
    group: 'fault',
    name: 'a copy failing in a required region (the job fails, nothing half-made)',
    async run(ctx) {
      ctx.emulator.setRegion('us-west-2', { copyFault: 'fail' });
      await runImport(settings(ctx, 'import'), ctx.log);
      await runBootTest(settings(ctx, 'boot-test'), ctx.log);
      await rejects(runCopy(settings(ctx, 'copy'), ctx.log), CopyError, /us-west-2/);
      expect(ctx.emulator.inventory().images.filter((image) => image.region === 'us-west-2')).toEqual([]);
    },
  },
  {
    group: 'fault',
    name: 'a boot failure (instance terminated, nothing copied)',
    async run(ctx) {
      ctx.emulator.setBoot('*aarch64*', 'fail');
      await runImport(settings(ctx, 'import'), ctx.log);
      await rejects(runBootTest(settings(ctx, 'boot-test'), ctx.log), BootTestError, /aarch64/);
      await rejects(runCopy(settings(ctx, 'copy'), ctx.log), CopyError, /boot/);
      expect(ctx.emulator.inventory().images.every((image) => image.region === 'us-east-1')).toBe(true);
    },
  },
  {
    group: 'fault',
    name: 'a boot hang (times out, instance terminated)',
    async run(ctx) {
      ctx.emulator.setBoot('*x86_64*', 'hang');
      await runImport(settings(ctx, 'import'), ctx.log);
      const short = settings(ctx, 'boot-test');
      short.bootTest.timeoutMs = 1500;
      await rejects(runBootTest(short, ctx.log), BootTestError, /no verdict/);
    },
  },
  {
    group: 'fault',
    name: 'the job cancelled mid-upload (its snapshot deleted)',
    abandonsRequests: true,
    async run(ctx) {
      ctx.emulator.setLatency({ PutSnapshotBlock: 30 });
      const controller = new AbortController();
      const running = runImport(
        settings(ctx, 'import', { image: JSON.stringify(planned(ctx, 'x86_64')), concurrency: '2' }),
        ctx.log,
        { signal: controller.signal },
      );
      await blocksUploaded(ctx.emulator, 3);
      controller.abort(new Error('cancelled'));
      await expect(running).rejects.toThrow();
      expect(ctx.emulator.inventory().snapshots).toEqual([]);
    },
  },
  {
    group: 'fault',
    name: 'the process killed mid-upload, then re-run (completes, no duplicate)',
    async run(ctx) {
      ctx.emulator.setLatency({ PutSnapshotBlock: 30 });
      const image = planned(ctx, 'x86_64');
      const child = importInChild(ctx, image);
      await blocksUploaded(ctx.emulator, 4);
      child.kill('SIGKILL');
      await once(child, 'exit');
      ctx.emulator.setLatency({ PutSnapshotBlock: 0 });
      await runImport(settings(ctx, 'import', { image: JSON.stringify(image) }), ctx.log);
      expect(ctx.emulator.inventory().snapshots).toHaveLength(1);
      await expectImported(ctx);
    },
  },
  {
    group: 'fault',
    name: 'two runs for the same compose at once (one set of AMIs)',
    async run(ctx) {
      const outcomes = await Promise.allSettled([
        runImport(settings(ctx, 'import'), ctx.log),
        runImport(settings(ctx, 'import'), ctx.log),
      ]);
      // Both finish: they share one snapshot per image (same ClientToken) and one AMI per name.
      expect(
        outcomes.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'done')),
      ).toEqual(['done', 'done']);
      await runImport(settings(ctx, 'import'), ctx.log);
      const inventory = ctx.emulator.inventory();
      expect(inventory.images).toHaveLength(2);
      expect(inventory.snapshots.filter((snapshot) => snapshot.state === 'completed')).toHaveLength(2);
      await expectImported(ctx);
    },
  },

  // --- account states ----------------------------------------------------------------------------
  {
    group: 'account state',
    name: 'block-public-access on (nothing made public anywhere)',
    async run(ctx) {
      ctx.emulator.setRegion('eu-west-1', { blockPublicAccess: true });
      await runImport(settings(ctx, 'import'), ctx.log);
      await runBootTest(settings(ctx, 'boot-test'), ctx.log);
      await runCopy(settings(ctx, 'copy'), ctx.log);
      await rejects(
        runPublish(settings(ctx, 'publish'), ctx.log),
        PublishError,
        /Block public access.*eu-west-1/,
      );
      expect(ctx.emulator.inventory().images.some((image) => image.public)).toBe(false);
    },
  },
  {
    group: 'account state',
    name: 'public-AMI quota exhausted (nothing made public)',
    async run(ctx) {
      await runImport(settings(ctx, 'import'), ctx.log);
      await runBootTest(settings(ctx, 'boot-test'), ctx.log);
      await runCopy(settings(ctx, 'copy'), ctx.log);
      await rejects(
        runPublish(settings(ctx, 'publish', { 'public-ami-quota': '1' }), ctx.log),
        PublishError,
        /quota/,
      );
      expect(ctx.emulator.inventory().images.some((image) => image.public)).toBe(false);
    },
  },
  {
    group: 'account state',
    name: 'encryption by default on (refused before anything is public)',
    async run(ctx) {
      ctx.emulator.setRegion('us-east-1', { encryptionByDefault: true });
      await rejects(
        (async () => {
          await runImport(settings(ctx, 'import'), ctx.log);
          await runBootTest(settings(ctx, 'boot-test'), ctx.log);
          await runCopy(settings(ctx, 'copy'), ctx.log);
          await runPublish(settings(ctx, 'publish'), ctx.log);
        })(),
        FedimgError,
        /encrypt/i,
      );
      expect(ctx.emulator.inventory().images.some((image) => image.public)).toBe(false);
    },
  },
  {
    group: 'account state',
    name: 'a destination region not opted in (skipped with a notice)',
    async run(ctx) {
      ctx.emulator.setRegion('af-south-1', { optedIn: false });
      const extra = { regions: 'eu-west-1,af-south-1' };
      await runImport(settings(ctx, 'import', extra), ctx.log);
      await runBootTest(settings(ctx, 'boot-test', extra), ctx.log);
      await runCopy(settings(ctx, 'copy', extra), ctx.log);
      const regions = new Set(ctx.emulator.inventory().images.map((image) => image.region));
      expect([...regions].sort()).toEqual(['eu-west-1', 'us-east-1']);
    },
  },

  // --- bad input ---------------------------------------------------------------------------------
  {
    group: 'bad input',
    name: 'checksum mismatch (no snapshot, no AMI)',
    async run(ctx) {
      const image = planned(ctx, 'x86_64', { sha256: 'e'.repeat(64) });
      await rejects(
        runImport(settings(ctx, 'import', { image: JSON.stringify(image) }), ctx.log),
        ImageSourceError,
        /sha256/,
      );
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'size mismatch',
    async run(ctx) {
      const image = planned(ctx, 'x86_64');
      image.size += 1;
      await rejects(
        runImport(settings(ctx, 'import', { image: JSON.stringify(image) }), ctx.log),
        ImageSourceError,
        /bytes/,
      );
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'truncated image',
    async run(ctx) {
      const cut = await variantImage(ctx, 'cut.raw.xz', (bytes) =>
        bytes.subarray(0, Math.floor(bytes.length * 0.6)),
      );
      const image = planned(ctx, 'x86_64', {
        url: cut.url,
        sha256: sha256(cut.bytes),
        size: cut.bytes.length,
      });
      const short = settings(ctx, 'import', { image: JSON.stringify(image), 'volume-size': '1' });
      await rejects(runImport(short, ctx.log), ImageSourceError, /ends too early|truncated|xz/i);
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'corrupt xz',
    async run(ctx) {
      const bad = await variantImage(ctx, 'bad.raw.xz', (bytes) => {
        for (let i = 4000; i < 4200; i++) bytes[i] = bytes[i]! ^ 0xff;
        return bytes;
      });
      const image = planned(ctx, 'x86_64', {
        url: bad.url,
        sha256: sha256(bad.bytes),
        size: bad.bytes.length,
      });
      await rejects(
        runImport(settings(ctx, 'import', { image: JSON.stringify(image) }), ctx.log),
        ImageSourceError,
        /corrupt/,
      );
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'malformed images.json',
    async run(ctx) {
      await rewriteImagesJson(
        ctx,
        (text) => text.slice(0, 200),
        async () => {
          await rejects(runImport(settings(ctx, 'import'), ctx.log), ComposeError, /not valid JSON/);
        },
      );
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'missing images.json',
    async run(ctx) {
      const path = join(ctx.compose.root, 'compose', 'metadata', 'images.json');
      const saved = await readFile(path);
      await rm(path);
      try {
        await rejects(runImport(settings(ctx, 'import'), ctx.log), ComposeError, /images.json is missing/);
      } finally {
        await writeFile(path, saved);
      }
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'unknown productmd version',
    async run(ctx) {
      await rewriteImagesJson(
        ctx,
        (text) => text.replace('"version": "1.2"', '"version": "9.9"'),
        async () => {
          await rejects(runImport(settings(ctx, 'import'), ctx.log), ComposeError, /productmd version 9.9/);
        },
      );
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'DOOMED status (ends successfully, nothing done)',
    async run(ctx) {
      const payload = JSON.stringify(statusMessage(ctx.compose, ctx.location(), 'DOOMED'));
      const before = ctx.files.requests.length;
      const plan = await runPlan(
        settings(ctx, 'plan', { 'compose-location': '', 'compose-payload': payload }),
        ctx.log,
      );
      expect(plan.plan.skipped).toBe(true);
      const imported = await runImport(
        settings(ctx, 'import', { 'compose-location': '', 'compose-payload': payload }),
        ctx.log,
      );
      expect(imported.skipped).toBe(true);
      expect(ctx.files.requests.length).toBe(before);
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'a disallowed host',
    async run(ctx) {
      await rejects(
        runImport(settings(ctx, 'import', { 'allowed-hosts': 'kojipkgs.fedoraproject.org' }), ctx.log),
        ComposeError,
        /not in allowed-hosts/,
      );
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'an image path escaping the compose root',
    async run(ctx) {
      await rewriteImagesJson(
        ctx,
        (text) =>
          text.replace(/"Cloud\/x86_64\/images\/[^"]+raw\.xz"/, '"Cloud/../../../../etc/passwd.raw.xz"'),
        async () => {
          await rejects(
            runImport(settings(ctx, 'import'), ctx.log),
            ComposeError,
            /escapes the compose directory/,
          );
        },
      );
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'an oversized dispatch payload',
    async run(ctx) {
      const payload = JSON.stringify({
        ...statusMessage(ctx.compose, ctx.location()),
        padding: 'x'.repeat(70_000),
      });
      expect(() => settings(ctx, 'import', { 'compose-location': '', 'compose-payload': payload })).toThrow(
        /over the 65536-byte limit/,
      );
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'an injection-laden dispatch payload',
    async run(ctx) {
      const marker = join(ctx.dir, 'injected');
      const payload = JSON.stringify({
        ...statusMessage(ctx.compose, ctx.location()),
        compose_id: `x"; touch ${marker}; echo "`,
        compose_label: '${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      });
      expect(() => settings(ctx, 'import', { 'compose-location': '', 'compose-payload': payload })).toThrow(
        ComposeError,
      );
      await expect(readFile(marker)).rejects.toThrow();
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'unknown regions (named in the message, before any upload)',
    async run(ctx) {
      await rejects(
        runPlan(settings(ctx, 'plan', { regions: 'eu-west-1,eu-north-9' }), ctx.log),
        InputError,
        /eu-north-9/,
      );
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'a name template that yields an invalid AMI name',
    async run(ctx) {
      await rejects(
        runImport(settings(ctx, 'import', { 'name-template': '{stem}#{arch}' }), ctx.log),
        InputError,
        /name/i,
      );
      nothingCreated(ctx);
    },
  },
  {
    group: 'bad input',
    name: 'a config file with unknown keys',
    async run(ctx) {
      const config = join(ctx.dir, 'flavours.yaml');
      await writeFile(config, 'flavours:\n  - name: gp3\n    volume_typo: gp2\n');
      expect(() => settings(ctx, 'import', { 'config-file': config })).toThrow(/volume_typo/);
      nothingCreated(ctx);
    },
  },
];
