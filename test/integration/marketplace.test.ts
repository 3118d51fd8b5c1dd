import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DescribeEntityCommand,
  MarketplaceCatalogClient,
  StartChangeSetCommand,
} from '@aws-sdk/client-marketplace-catalog';
import { beforeEach, describe, expect, it } from 'vitest';
import { MarketplaceError } from '../../src/errors.js';
import { terminalLog } from '../../src/log.js';
import type { InputName, Settings } from '../../src/settings/index.js';
import { runBootTest } from '../../src/stages/boot-test.js';
import { runImport } from '../../src/stages/import.js';
import { runMarketplace } from '../../src/stages/marketplace.js';
import { runPublish } from '../../src/stages/publish.js';
import { runVerify } from '../../src/stages/verify.js';
import { ADMIN_CREDENTIALS } from '../../emulator/server.js';
import { ACCOUNT_ID } from '../../emulator/state.js';
import { applyRolePolicy } from '../helpers/iam.js';
import { useWorld } from '../helpers/world.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const PRODUCTS = { x86_64: 'prod-fedorax86', aarch64: 'prod-fedoraarm' };
const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/fedimg-marketplace`;

const world = useWorld('fedimg-marketplace-', [
  { composeId: 'Fedora-41-20241027.0', rawSize: 1024 * 1024 + 3 },
  { composeId: 'Fedora-Rawhide-20261130.n.0', rawSize: 1024 * 1024 + 5, subdir: 'nightly' },
]);

function settings(
  stage: string,
  compose = world.composes[0]!,
  extra: Partial<Record<InputName, string>> = {},
): Settings {
  const parsed = world.settings(stage, {
    'compose-location': world.location(compose),
    regions: 'us-east-1',
    'marketplace-products': `x86_64=${PRODUCTS.x86_64},aarch64=${PRODUCTS.aarch64}`,
    'marketplace-access-role-arn': ROLE,
    'manifest-file': join(world.dir, 'manifest.json'),
    ...extra,
  });
  parsed.marketplace.pollIntervalMs = 20;
  parsed.marketplace.timeoutMs = 20_000;
  return parsed;
}

async function publish(compose = world.composes[0]!): Promise<void> {
  for (const run of [runImport, runBootTest, runPublish, runVerify])
    await run(settings('import', compose), quiet);
}

async function versions(
  product: string,
): Promise<Array<{ VersionTitle: string; Sources: Array<{ Image: string }> }>> {
  const entity = await new MarketplaceCatalogClient({ region: 'us-east-1' }).send(
    new DescribeEntityCommand({ Catalog: 'AWSMarketplace', EntityId: product }),
  );
  return JSON.parse(entity.Details!).Versions;
}

beforeEach(() => {
  world.emulator.setDurations({ imageAvailable: 0 });
  world.emulator.setMarketplace({ preparingMs: 20, applyingMs: 20 });
  // The publish role's documented policy, Marketplace statements included.
  applyRolePolicy(world.emulator);
});

describe('the marketplace stage', () => {
  it('adds one version per arch with the published us-east-1 AMI, and a re-run starts nothing new', async () => {
    await publish();
    const first = await runMarketplace(settings('marketplace'), quiet);
    expect(first.rows.map((row) => [row.arch, row.state, row.version])).toEqual(
      expect.arrayContaining([
        ['x86_64', 'added', 'Fedora 41'],
        ['aarch64', 'added', 'Fedora 41'],
      ]),
    );
    for (const row of first.rows) {
      const [version] = await versions(row.product);
      expect(version).toMatchObject({ VersionTitle: 'Fedora 41', Sources: [{ Image: row.amiId }] });
    }
    // The manifest the release attaches names each architecture's new version.
    const manifest = JSON.parse(await readFile(join(world.dir, 'manifest.json'), 'utf8'));
    for (const record of manifest.images)
      expect(record.marketplace).toMatchObject({
        product: PRODUCTS[record.architecture as keyof typeof PRODUCTS],
        version: 'Fedora 41',
        state: 'added',
      });
    const changeSets = world.emulator.state.catalog.changeSets.size;
    const again = await runMarketplace(settings('marketplace'), quiet);
    expect(again.rows.map((row) => row.state)).toEqual(['already-there', 'already-there']);
    expect(world.emulator.state.catalog.changeSets.size).toBe(changeSets);
    const events = (await readFile(join(world.dir, 'events.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.filter((event) => event.topic === 'image.marketplace')).toHaveLength(2);
  }, 120_000);

  it('skips a nightly with a notice, creating nothing', async () => {
    const nightly = world.composes[1]!;
    const result = await runMarketplace(settings('marketplace', nightly), quiet);
    expect(result.rows.every((row) => row.state === 'skipped' && /nightly compose/.test(row.note))).toBe(
      true,
    );
    expect(world.emulator.state.catalog.changeSets.size).toBe(0);
  });

  it('waits for a product another change set holds, then adds its version', async () => {
    await publish();
    world.emulator.setMarketplace({ preparingMs: 400, applyingMs: 400 });
    // Someone else's change set on the x86_64 product, still running when fedimg starts.
    const admin = new MarketplaceCatalogClient({ region: 'us-east-1', credentials: ADMIN_CREDENTIALS });
    await admin.send(
      new StartChangeSetCommand({
        Catalog: 'AWSMarketplace',
        ChangeSet: [
          {
            ChangeType: 'RestrictDeliveryOptions',
            Entity: { Type: 'AmiProduct@1.0', Identifier: PRODUCTS.x86_64 },
            DetailsDocument: { DeliveryOptionIds: ['not-there'] },
          },
        ],
      }),
    );
    const result = await runMarketplace(settings('marketplace'), quiet);
    expect(result.rows.map((row) => row.state)).toEqual(['added', 'added']);
    expect((await versions(PRODUCTS.x86_64)).map((version) => version.VersionTitle)).toEqual(['Fedora 41']);
  }, 120_000);

  it('ends a FAILED change set in an error that lists AWS’s details, with nothing added', async () => {
    await publish();
    world.emulator.setMarketplace({ brokenRoles: new Set([ROLE]) });
    const failure = await runMarketplace(settings('marketplace'), quiet).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MarketplaceError);
    expect((failure as Error).message).toMatch(
      /ended FAILED[\s\S]*INVALID_ACCESS_ROLE: AWS Marketplace cannot assume/,
    );
    expect((failure as Error).message).toContain('access role');
    expect(await versions(PRODUCTS.x86_64)).toEqual([]);
  }, 120_000);

  it('only validates on a dry run (Intent VALIDATE)', async () => {
    await publish();
    const result = await runMarketplace(
      settings('marketplace', world.composes[0]!, { 'dry-run': 'true' }),
      quiet,
    );
    expect(result.rows.map((row) => row.state)).toEqual(['validated', 'validated']);
    expect([...world.emulator.state.catalog.changeSets.values()].map((set) => set.intent)).toEqual([
      'VALIDATE',
      'VALIDATE',
    ]);
    expect(await versions(PRODUCTS.x86_64)).toEqual([]);
  }, 120_000);

  it('refuses an AMI that is not public, naming what to run first', async () => {
    for (const run of [runImport, runBootTest]) await run(settings('import'), quiet);
    const failure = await runMarketplace(settings('marketplace'), quiet).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MarketplaceError);
    expect((failure as Error).message).toMatch(/is not public[\s\S]*Run the publish stage first/);
    expect(world.emulator.state.catalog.changeSets.size).toBe(0);
  }, 120_000);

  it('restricts the earlier versions once the new one is in, when asked', async () => {
    await publish();
    // An earlier release's version on the x86_64 product, added the way fedimg adds one.
    await runMarketplace(
      settings('marketplace', world.composes[0]!, { 'marketplace-version-title': 'Fedora 40' }),
      quiet,
    );
    await runMarketplace(
      settings('marketplace', world.composes[0]!, { 'marketplace-restrict-previous': 'true' }),
      quiet,
    );
    const product = world.emulator.state.catalog.products.get(PRODUCTS.x86_64)!;
    const visibility = Object.fromEntries(
      product.versions.map((version) => [
        version.VersionTitle,
        (version.DeliveryOptions as Array<{ Visibility: string }>).map((option) => option.Visibility),
      ]),
    );
    expect(visibility).toEqual({ 'Fedora 40': ['Restricted'], 'Fedora 41': ['Public'] });
  }, 120_000);
});
