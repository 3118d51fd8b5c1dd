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
import { unwatched, type InputName, type Settings } from '../../src/settings/index.js';
import { runBootTest } from '../../src/stages/boot-test.js';
import { runImport } from '../../src/stages/import.js';
import { runMarketplace } from '../../src/stages/marketplace.js';
import { runPublish } from '../../src/stages/publish.js';
import { runVerify } from '../../src/stages/verify.js';
import { ADMIN_CREDENTIALS } from '../../emulator/server.js';
import {
  applyRolePolicy,
  documentedRoles,
  MARKETPLACE_ACCESS_ROLE,
  MARKETPLACE_ACCESS_ROLE_ARN,
  marketplaceTrust,
} from '../helpers/iam.js';
import { useWorld } from '../helpers/world.js';

const quiet = terminalLog({ stream: { write: () => true } as unknown as NodeJS.WritableStream });
const PRODUCTS = { x86_64: 'prod-fedorax86', aarch64: 'prod-fedoraarm' };
const ROLE = MARKETPLACE_ACCESS_ROLE_ARN;

const world = useWorld('fedimg-marketplace-', [
  { composeId: 'Fedora-41-20241027.0', rawSize: 1024 * 1024 + 3 },
  { composeId: 'Fedora-Rawhide-20261130.n.0', rawSize: 1024 * 1024 + 5, subdir: 'nightly' },
  { composeId: 'Fedora-41-20240917.0', rawSize: 1024 * 1024 + 7, label: 'Beta-1.2', subdir: 'beta' },
  // A compose ID near the longest a plan takes (100 characters), for names AWS limits.
  { composeId: `Fedora-${'Cloud-'.repeat(13)}42-20251028.0`, rawSize: 1024 * 1024 + 9, subdir: 'long' },
]);
const ga = () => world.composes[0]!;
const beta = () => world.composes[2]!;

function settings(stage: string, compose = ga(), extra: Partial<Record<InputName, string>> = {}): Settings {
  const parsed = world.settings(stage, {
    'compose-location': world.location(compose),
    regions: 'us-east-1',
    'marketplace-products': `x86_64=${PRODUCTS.x86_64},aarch64=${PRODUCTS.aarch64}`,
    'marketplace-access-role-arn': ROLE,
    'manifest-file': join(world.dir, 'manifest.json'),
    ...extra,
  });
  const { marketplace } = unwatched(parsed);
  marketplace.pollIntervalMs = 20;
  marketplace.waitMs = 20_000;
  return parsed;
}

/** The marketplace stage with no compose: what the lifecycle workflow runs. */
function observing(extra: Partial<Record<InputName, string>> = {}): Settings {
  const parsed = settings('marketplace', ga(), { ...extra, 'compose-location': '' });
  expect(unwatched(parsed).images).toEqual({ kind: 'none' });
  return parsed;
}

async function publish(compose = ga()): Promise<void> {
  await runImport(settings('import', compose), quiet);
  await runBootTest(settings('boot-test', compose), quiet);
  await runPublish(settings('publish', compose), quiet);
  await runVerify(settings('verify', compose), quiet);
}

const catalog = () => new MarketplaceCatalogClient({ region: 'us-east-1' });

async function versions(product: string): Promise<
  Array<{
    VersionTitle: string;
    Sources: Array<{ Image: string; OperatingSystem: object }>;
    DeliveryOptions: Array<{ Id: string; Visibility: string; Recommendations: object }>;
  }>
> {
  const entity = await catalog().send(
    new DescribeEntityCommand({ Catalog: 'AWSMarketplace', EntityId: product }),
  );
  return JSON.parse(entity.Details!).Versions;
}

const changeSets = () => [...world.emulator.state.catalog.changeSets.values()];

beforeEach(() => {
  world.emulator.setDurations({ imageAvailable: 0 });
  world.emulator.setMarketplace({ preparingMs: 20, applyingMs: 20, scanFindings: undefined });
  // The publish role's documented policy, Marketplace statements included, and the access role
  // as docs/marketplace-access-role.json has it.
  applyRolePolicy(world.emulator);
  documentedRoles(world.emulator);
});

describe('the marketplace stage', () => {
  it('adds one version per arch with the published us-east-1 AMI, as AWS’s shapes have it, and a re-run starts nothing new', async () => {
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
      expect(version).toMatchObject({
        VersionTitle: 'Fedora 41',
        Sources: [
          { Image: row.amiId, OperatingSystem: { Name: 'FEDORA', Version: '41', Username: 'fedora' } },
        ],
        // DescribeEntity's shape, not the request's: the required instance type, the scan port open.
        DeliveryOptions: [
          {
            Recommendations: {
              InstanceType: row.arch === 'x86_64' ? 't3.medium' : 't4g.medium',
              SecurityGroups: [{ Protocol: 'tcp', FromPort: 22, ToPort: 22, CidrIps: ['0.0.0.0/0'] }],
            },
          },
        ],
      });
    }
    // The manifest the release attaches names each architecture's new version.
    const manifest = JSON.parse(await readFile(join(world.dir, 'manifest.json'), 'utf8'));
    for (const record of manifest.images)
      expect(record.marketplace).toMatchObject({
        product: PRODUCTS[record.architecture as keyof typeof PRODUCTS],
        version: 'Fedora 41',
        state: 'added',
      });
    const count = changeSets().length;
    const again = await runMarketplace(settings('marketplace'), quiet);
    expect(again.rows.map((row) => row.state)).toEqual(['already-there', 'already-there']);
    expect(changeSets()).toHaveLength(count);
  }, 120_000);

  it('names the change sets of a compose with a long ID within the 100 characters AWS takes, and finds them again', async () => {
    const long = world.composes[3]!;
    expect(long.composeId.length).toBeGreaterThan(95);
    await publish(long);
    const first = await runMarketplace(settings('marketplace', long), quiet);
    expect(first.rows.map((row) => row.state)).toEqual(['added', 'added']);
    const names = changeSets().map((set) => set.name!);
    expect(new Set(names).size).toBe(2);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(100);
    const count = changeSets().length;
    const again = await runMarketplace(settings('marketplace', long), quiet);
    expect(again.rows.map((row) => row.state)).toEqual(['already-there', 'already-there']);
    expect(changeSets()).toHaveLength(count);
  }, 120_000);

  it('skips a nightly with a notice, creating nothing', async () => {
    const result = await runMarketplace(settings('marketplace', world.composes[1]!), quiet);
    expect(result.rows.every((row) => row.state === 'skipped' && /nightly compose/.test(row.note))).toBe(
      true,
    );
    expect(changeSets()).toHaveLength(0);
  });

  it('gives a Beta its own title, so the GA that follows is a second version, not "already there"', async () => {
    await publish(beta());
    await publish(ga());
    const withBeta = { 'marketplace-include-beta': 'true' };
    const first = await runMarketplace(settings('marketplace', beta(), withBeta), quiet);
    expect(first.rows.map((row) => [row.state, row.version])).toEqual([
      ['added', 'Fedora 41 Beta'],
      ['added', 'Fedora 41 Beta'],
    ]);
    const second = await runMarketplace(settings('marketplace', ga(), withBeta), quiet);
    expect(second.rows.map((row) => [row.state, row.version])).toEqual([
      ['added', 'Fedora 41'],
      ['added', 'Fedora 41'],
    ]);
    expect((await versions(PRODUCTS.x86_64)).map((version) => version.VersionTitle)).toEqual([
      'Fedora 41 Beta',
      'Fedora 41',
    ]);
  }, 180_000);

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

  it('retries after a FAILED change set once the cause is fixed: the re-run submits a new set and succeeds', async () => {
    await publish();
    // The access role as fedimg documented it before: its own policy, without DescribeSnapshotAttribute.
    world.emulator.putRole({
      name: MARKETPLACE_ACCESS_ROLE,
      trustPolicy: marketplaceTrust(),
      inline: {
        old: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'ec2:DescribeImages',
                'ec2:DescribeImageAttribute',
                'ec2:DescribeSnapshots',
                'ec2:ModifyImageAttribute',
                'ec2:ModifySnapshotAttribute',
              ],
              Resource: '*',
            },
          ],
        },
      },
    });
    const failure = await runMarketplace(settings('marketplace'), quiet).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MarketplaceError);
    expect((failure as Error).message).toMatch(
      /ended FAILED[\s\S]*INVALID_ACCESS_ROLE: The access role .*fedimg-marketplace may not ec2:DescribeSnapshotAttribute/,
    );
    expect((failure as MarketplaceError).hint).toMatch(
      /re-run the marketplace job: it submits a new change set/,
    );
    expect(await versions(PRODUCTS.x86_64)).toEqual([]);
    // The cause fixed (the role as docs/marketplace-access-role.json has it), the same job re-run.
    documentedRoles(world.emulator);
    const retried = await runMarketplace(settings('marketplace'), quiet);
    expect(retried.rows.map((row) => row.state)).toEqual(['added', 'added']);
    const named = changeSets().filter((set) => set.name === 'fedimg Fedora-41-20241027.0 x86_64 apply');
    expect(named.map((set) => set.status)).toEqual(['FAILED', 'SUCCEEDED']);
  }, 120_000);

  it('cannot have its access role assumed when the trust asks for aws:SourceAccount, which AWS does not document this service to set', async () => {
    await publish();
    world.emulator.putRole({
      name: MARKETPLACE_ACCESS_ROLE,
      trustPolicy: marketplaceTrust({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
      attached: ['arn:aws:iam::aws:policy/AWSMarketplaceAmiIngestion'],
    });
    const failure = await runMarketplace(settings('marketplace'), quiet).catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(/AWS Marketplace cannot assume .*: its trust policy/);
  }, 120_000);

  it('names iam:PassRole and the access role when the publish role may not pass it', async () => {
    await publish();
    applyRolePolicy(world.emulator, { without: ['MarketplacePassOnlyTheAccessRoleToMarketplace'] });
    const failure = (await runMarketplace(settings('marketplace'), quiet).catch(
      (error: unknown) => error,
    )) as MarketplaceError;
    expect(failure).toBeInstanceOf(MarketplaceError);
    expect(failure.message).toContain(`pass the access role ${ROLE} to AWS Marketplace (iam:PassRole)`);
    expect(failure.hint).toContain('MarketplacePassOnlyTheAccessRoleToMarketplace');
    expect(changeSets()).toHaveLength(0);
  }, 120_000);

  it('shows the scan findings a FAILED set’s error message points at', async () => {
    await publish();
    world.emulator.setMarketplace({
      scanFindings: [{ ErrorCode: 'SCANNING_ISSUE', ErrorMessage: 'CVE-2024-0001 in openssl-3.2.1' }],
    });
    const failure = (await runMarketplace(settings('marketplace'), quiet).catch(
      (error: unknown) => error,
    )) as Error;
    expect(failure.message).toContain('SCANNING_ISSUE: CVE-2024-0001 in openssl-3.2.1');
    expect(failure.message).not.toContain('/__emulator/marketplace-findings/');
  }, 120_000);

  it('refuses a version AWS would not take before submitting it, naming AWS’s field', async () => {
    await publish();
    const failure = (await runMarketplace(
      settings('marketplace', ga(), {
        'marketplace-version-title': 'Fedora {release} {compose_id} {compose_id} {compose_id}',
      }),
      quiet,
    ).catch((error: unknown) => error)) as MarketplaceError;
    expect(failure).toBeInstanceOf(MarketplaceError);
    expect(failure.message).toMatch(/Version\.VersionTitle has \d+ characters; AWS takes at most 64/);
    expect(changeSets()).toHaveLength(0);
  }, 120_000);

  it('only validates on a dry run (Intent VALIDATE)', async () => {
    await publish();
    const result = await runMarketplace(settings('marketplace', ga(), { 'dry-run': 'true' }), quiet);
    expect(result.rows.map((row) => row.state)).toEqual(['validated', 'validated']);
    expect(changeSets().map((set) => set.intent)).toEqual(['VALIDATE', 'VALIDATE']);
    expect(await versions(PRODUCTS.x86_64)).toEqual([]);
  }, 120_000);

  it('refuses an AMI that is not public, naming what to run first', async () => {
    await runImport(settings('import'), quiet);
    await runBootTest(settings('boot-test'), quiet);
    const failure = await runMarketplace(settings('marketplace'), quiet).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MarketplaceError);
    expect((failure as Error).message).toMatch(/is not public[\s\S]*Run the publish stage first/);
    expect(changeSets()).toHaveLength(0);
  }, 120_000);

  it('restricts 60 earlier delivery options in one change set of two changes (AWS takes 50 a change)', async () => {
    await publish();
    const product = world.emulator.state.catalog.product(PRODUCTS.x86_64, Date.now())!;
    for (let index = 0; index < 60; index++)
      product.versions.push({
        Id: `version-${index}`,
        VersionTitle: `Earlier ${index}`,
        CreationDate: new Date(Date.UTC(2020, 0, 1 + index)).toISOString(),
        Sources: [],
        DeliveryOptions: [{ Id: `option-${String(index).padStart(2, '0')}`, Visibility: 'Public' }],
      });
    await runMarketplace(settings('marketplace', ga(), { 'marketplace-restrict-previous': 'true' }), quiet);
    const restrict = changeSets().find((set) => set.name === 'fedimg Fedora-41-20241027.0 x86_64 restrict')!;
    expect(restrict.status).toBe('SUCCEEDED');
    expect(
      restrict.changes.map(
        (change) => (change.DetailsDocument as { DeliveryOptionIds: string[] }).DeliveryOptionIds.length,
      ),
    ).toEqual([50, 10]);
    const visibility = (await versions(PRODUCTS.x86_64)).map((version) => [
      version.VersionTitle,
      version.DeliveryOptions[0]!.Visibility,
    ]);
    expect(visibility.filter(([, seen]) => seen === 'Restricted')).toHaveLength(60);
    expect(visibility.find(([title]) => title === 'Fedora 41')).toEqual(['Fedora 41', 'Public']);
  }, 120_000);

  it('records a scan longer than the wait as submitted; a later run with no compose sees it succeed and restricts the earlier versions', async () => {
    await publish();
    // An earlier release's version on the x86_64 product, added the way fedimg adds one.
    await runMarketplace(settings('marketplace', ga(), { 'marketplace-version-title': 'Fedora 40' }), quiet);
    world.emulator.setMarketplace({ preparingMs: 50, applyingMs: 1500 });
    const short = settings('marketplace', ga(), { 'marketplace-restrict-previous': 'true' });
    unwatched(short).marketplace.waitMs = 200;
    const submitted = await runMarketplace(short, quiet);
    expect(submitted.rows.map((row) => [row.arch, row.state])).toEqual([
      ['x86_64', 'submitted'],
      ['aarch64', 'submitted'],
    ]);
    const manifest = JSON.parse(await readFile(join(world.dir, 'manifest.json'), 'utf8'));
    expect(
      manifest.images.map((record: { marketplace: { state: string } }) => record.marketplace.state),
    ).toEqual(['submitted', 'submitted']);
    // The lifecycle workflow's run, before the scan ends: still submitted, nothing restricted.
    const early = await runMarketplace(observing({ 'marketplace-restrict-previous': 'true' }), quiet);
    expect(early.rows.filter((row) => row.state === 'submitted')).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    const later = await runMarketplace(observing({ 'marketplace-restrict-previous': 'true' }), quiet);
    const x86 = later.rows.find((row) => row.arch === 'x86_64' && row.version === 'Fedora 41')!;
    expect(x86).toMatchObject({ state: 'added', note: 'restricted 1 earlier delivery option(s)' });
    const visibility = Object.fromEntries(
      (await versions(PRODUCTS.x86_64)).map((version) => [
        version.VersionTitle,
        version.DeliveryOptions[0]!.Visibility,
      ]),
    );
    expect(visibility).toEqual({ 'Fedora 40': 'Restricted', 'Fedora 41': 'Public' });
  }, 120_000);

  it('reports, with no compose, a change set that FAILED since the day before, failing the run with AWS’s details', async () => {
    await publish();
    world.emulator.putRole({
      name: MARKETPLACE_ACCESS_ROLE,
      trustPolicy: { Version: '2012-10-17', Statement: [] },
    });
    await runMarketplace(settings('marketplace'), quiet).catch(() => undefined);
    const failure = (await runMarketplace(observing(), quiet).catch((error: unknown) => error)) as Error;
    expect(failure).toBeInstanceOf(MarketplaceError);
    expect(failure.message).toMatch(/ended FAILED[\s\S]*INVALID_ACCESS_ROLE/);
  }, 120_000);
});
