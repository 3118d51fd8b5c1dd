import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CopyError, InputError } from '../../src/errors.js';
import type { InputName } from '../../src/settings/index.js';
import { terminalLog } from '../../src/log.js';
import { runBootTest } from '../../src/stages/boot-test.js';
import { runCopy } from '../../src/stages/copy.js';
import { runImport } from '../../src/stages/import.js';
import { runPlan } from '../../src/stages/plan.js';
import { expectClean } from '../helpers/aws.js';
import { useWorld } from '../helpers/world.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const REGIONS = 'eu-west-1,ap-south-1,sa-east-1,us-west-2';

const world = useWorld('fedimg-copy-', [{ composeId: 'Fedora-43-20260402.0', rawSize: 2 * 1024 * 1024 + 3 }]);

function settings(stage: string, extra: Partial<Record<InputName, string>> = {}) {
  return world.settings(stage, {
    'volume-types': 'gp3,gp2',
    regions: REGIONS,
    ...extra,
  });
}

async function importedAndTested(): Promise<void> {
  await runImport(settings('import'), quiet);
  await runBootTest(settings('boot-test'), quiet);
}

describe('copy stage', () => {
  it('copies two arches × two flavours into four regions in parallel, tagged, and reuses them on a re-run', async () => {
    await importedAndTested();
    world.emulator.setDurations({ copy: 200 });
    const started = Date.now();
    const result = await runCopy(settings('copy'), quiet);
    const elapsed = Date.now() - started;
    expect(result.copies).toHaveLength(16);
    expect(result.failures).toEqual([]);
    // All regions at once: far less than 16 copies one after another.
    expect(elapsed).toBeLessThan(16 * 200);
    const inventory = world.emulator.inventory();
    for (const region of REGIONS.split(',')) {
      const here = inventory.images.filter((image) => image.region === region);
      expect(here.map((image) => image.name).sort()).toEqual([
        'Fedora-Cloud-Base-AmazonEC2.aarch64-43-1.6',
        'Fedora-Cloud-Base-AmazonEC2.aarch64-43-1.6-gp2',
        'Fedora-Cloud-Base-AmazonEC2.x86_64-43-1.6',
        'Fedora-Cloud-Base-AmazonEC2.x86_64-43-1.6-gp2',
      ]);
      for (const image of here) {
        expect(image.tags).toMatchObject({
          ManagedBy: 'fedimg',
          'fedimg:compose-id': world.compose.composeId,
          'fedimg:source-ami': expect.stringMatching(/^us-east-1\/ami-/),
        });
        const snapshot = inventory.snapshots.find((candidate) => candidate.id === image.snapshotIds[0])!;
        expect(snapshot.tags['fedimg:source-sha256']).toBe(image.tags['fedimg:source-sha256']);
      }
    }
    const events = (await readFile(join(world.dir, 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(
      events.filter((event) => event.topic === 'image.copy' && event.status === 'completed'),
    ).toHaveLength(16);

    const before = world.emulator.requests().length;
    const again = await runCopy(settings('copy'), quiet);
    expect(again.copies.every((copy) => copy.reused)).toBe(true);
    expect(
      world.emulator
        .requests()
        .slice(before)
        .filter((request) => request.operation === 'CopyImage'),
    ).toEqual([]);
    expect(world.emulator.inventory().images).toHaveLength(inventory.images.length);
    expectClean(world.emulator, expect);
  }, 120_000);

  it('warns about a failed copy in a best-effort region and fails the stage for a required one', async () => {
    await importedAndTested();
    world.emulator.setRegion('sa-east-1', { copyFault: 'fail' });
    const bestEffort = await runCopy(settings('copy', { 'best-effort-regions': 'sa-east-1' }), quiet);
    expect(bestEffort.failures.map((failure) => [failure.region, failure.bestEffort])).toEqual(
      Array(4).fill(['sa-east-1', true]),
    );
    expect(bestEffort.copies).toHaveLength(12);

    const required = await runCopy(settings('copy'), quiet).catch((e: unknown) => e);
    expect(required).toBeInstanceOf(CopyError);
    expect((required as Error).message).toMatch(/failed in required region\(s\) sa-east-1/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(
      world.emulator
        .inventory()
        .images.filter((image) => image.region === 'sa-east-1' && image.state !== 'failed'),
    ).toEqual([]);
  }, 120_000);

  it('copies nothing of an image that failed or skipped its boot test', async () => {
    await runImport(settings('import'), quiet);
    await expect(runCopy(settings('copy'), quiet)).rejects.toThrow(/no AMI that passed its boot test/);
    world.emulator.setBoot('Fedora-Cloud-Base-AmazonEC2.aarch64-*', 'fail');
    await runBootTest(settings('boot-test'), quiet).catch(() => undefined);
    await expect(runCopy(settings('copy'), quiet)).rejects.toThrow(/aarch64.*\(one failed\)/);
    expect(world.emulator.requests().filter((request) => request.operation === 'CopyImage')).toEqual([]);
  }, 60_000);

  it('resolves "all" to the enabled regions, skips opt-in regions not enabled, and names unknown ones', async () => {
    await importedAndTested();
    world.emulator.setDurations({ copy: 10 });
    const all = await runCopy(
      settings('copy', { regions: 'all', architectures: 'x86_64', 'volume-types': 'gp3' }),
      quiet,
    );
    expect(all.regions).toContain('af-south-1'); // opted in
    expect(all.regions).not.toContain('us-east-1'); // the base region
    expect(all.regions).not.toContain('il-central-1');
    expect(all.notEnabled).toContain('il-central-1');
    expect(all.copies).toHaveLength(all.regions.length);
    await expect(runCopy(settings('copy', { regions: 'eu-west-1,xx-nowhere-9' }), quiet)).rejects.toThrow(
      InputError,
    );
    await expect(runCopy(settings('copy', { regions: 'eu-west-1,xx-nowhere-9' }), quiet)).rejects.toThrow(
      /Unknown region\(s\): xx-nowhere-9/,
    );
    // The plan already refuses them, before anything is uploaded; not-enabled ones are left out.
    await expect(runPlan(settings('plan', { regions: 'eu-west-1,xx-nowhere-9' }), quiet)).rejects.toThrow(
      /Unknown region\(s\): xx-nowhere-9/,
    );
    await expect(
      runPlan(settings('plan', { regions: 'eu-west-1,il-central-1' }), quiet),
    ).resolves.toMatchObject({
      regions: ['eu-west-1'],
    });
  }, 120_000);
});
