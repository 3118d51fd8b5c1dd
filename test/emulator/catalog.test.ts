import {
  CancelChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeEntityCommand,
  ListChangeSetsCommand,
  MarketplaceCatalogClient,
  StartChangeSetCommand,
  type ChangeSetSummaryListItem,
  type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-marketplace-catalog';
import { EC2Client, ModifyImageAttributeCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeAmi, startEmulator } from '../helpers/aws.js';
import { marketplaceTrust } from '../helpers/iam.js';
import { ADMIN_CREDENTIALS, type Emulator } from '../../emulator/server.js';
import { ACCOUNT_ID } from '../../emulator/state.js';

let emulator: Emulator;
const PRODUCT = 'prod-fedora41x86';
const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/fedimg-marketplace-ingestion`;

beforeAll(async () => {
  emulator = await startEmulator();
  // The access role as AWS Marketplace's seller guide has sellers create it.
  emulator.putRole({
    name: 'fedimg-marketplace-ingestion',
    trustPolicy: marketplaceTrust(),
    attached: ['arn:aws:iam::aws:policy/AWSMarketplaceAmiIngestion'],
  });
});
afterAll(() => emulator.stop());
beforeEach(() => {
  emulator.reset();
  emulator.setDurations({ imageAvailable: 0 });
  emulator.setMarketplace({ preparingMs: 20, applyingMs: 20 });
});

const catalog = () => new MarketplaceCatalogClient({ region: 'us-east-1', maxAttempts: 1 });

async function publicAmi(region = 'us-east-1', share: 'public' | 'private' = 'public'): Promise<string> {
  const { imageId } = await makeAmi({ region });
  if (share === 'public') {
    const ec2 = new EC2Client({ region, credentials: ADMIN_CREDENTIALS });
    await ec2.send(
      new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: [{ Group: 'all' }] } }),
    );
    ec2.destroy();
  }
  return imageId;
}

function addVersion(
  amiId: string,
  title: string,
  options: {
    role?: string;
    intent?: 'VALIDATE';
    token?: string;
    name?: string;
    instanceType?: string | null;
  } = {},
) {
  return new StartChangeSetCommand({
    Catalog: 'AWSMarketplace',
    Intent: options.intent,
    ClientRequestToken: options.token,
    ChangeSetName: options.name,
    ChangeSet: [
      {
        ChangeType: 'AddDeliveryOptions',
        Entity: { Type: 'AmiProduct@1.0', Identifier: PRODUCT },
        DetailsDocument: {
          Version: { VersionTitle: title, ReleaseNotes: 'https://fedoramagazine.org/announcing-fedora-41/' },
          DeliveryOptions: [
            {
              Details: {
                AmiDeliveryOptionDetails: {
                  AmiSource: {
                    AmiId: amiId,
                    AccessRoleArn: options.role ?? ROLE,
                    UserName: 'fedora',
                    OperatingSystemName: 'FEDORA',
                    OperatingSystemVersion: '41',
                    ScanningPort: 22,
                  },
                  UsageInstructions: 'ssh fedora@<host>',
                  ...(options.instanceType === null
                    ? {}
                    : { RecommendedInstanceType: options.instanceType ?? 't3.medium' }),
                  SecurityGroups: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: ['0.0.0.0/0'] }],
                },
              },
            },
          ],
        },
      },
    ],
  });
}

async function settle(changeSetId: string): Promise<DescribeChangeSetCommandOutput> {
  for (;;) {
    const described = await catalog().send(
      new DescribeChangeSetCommand({ Catalog: 'AWSMarketplace', ChangeSetId: changeSetId }),
    );
    if (!['PREPARING', 'APPLYING'].includes(described.Status!)) return described;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function versionsOf(
  product = PRODUCT,
): Promise<Array<{ VersionTitle: string; Sources: Array<{ Image: string }> }>> {
  const entity = await catalog().send(
    new DescribeEntityCommand({ Catalog: 'AWSMarketplace', EntityId: product }),
  );
  return (
    JSON.parse(entity.Details!) as {
      Versions: Array<{ VersionTitle: string; Sources: Array<{ Image: string }> }>;
    }
  ).Versions;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => error,
  );

describe('AWS Marketplace Catalog API (emulated)', () => {
  it('adds a version through PREPARING and APPLYING to SUCCEEDED; DescribeEntity shows it', async () => {
    // Long enough that the first DescribeChangeSet still finds it preparing on a loaded machine
    // (20 ms did not, once, in a full npm test).
    emulator.setMarketplace({ preparingMs: 500, applyingMs: 20 });
    const ami = await publicAmi();
    const started = await catalog().send(addVersion(ami, 'Fedora 41'));
    expect(started.ChangeSetArn).toBe(
      `arn:aws:aws-marketplace:us-east-1:${ACCOUNT_ID}:AWSMarketplace/ChangeSet/${started.ChangeSetId}`,
    );
    const first = await catalog().send(
      new DescribeChangeSetCommand({ Catalog: 'AWSMarketplace', ChangeSetId: started.ChangeSetId }),
    );
    expect(first.Status).toBe('PREPARING');
    const done = await settle(started.ChangeSetId!);
    expect(done).toMatchObject({ Status: 'SUCCEEDED', Intent: 'APPLY' });
    expect(await versionsOf()).toMatchObject([{ VersionTitle: 'Fedora 41', Sources: [{ Image: ami }] }]);
  });

  it('locks a product while a change set runs, and starts once per ClientRequestToken', async () => {
    // Long enough that the requests below still find it running on a loaded machine (40 ms did not).
    emulator.setMarketplace({ preparingMs: 500, applyingMs: 500 });
    const ami = await publicAmi();
    const started = await catalog().send(addVersion(ami, 'Fedora 41', { token: 'fedimg-Fedora-41-x86_64' }));
    const again = await catalog().send(addVersion(ami, 'Fedora 41', { token: 'fedimg-Fedora-41-x86_64' }));
    expect(again.ChangeSetId).toBe(started.ChangeSetId);
    const locked = await failure(catalog().send(addVersion(ami, 'Fedora 41 bis')));
    expect(locked).toMatchObject({ name: 'ResourceInUseException', $metadata: { httpStatusCode: 423 } });
    await settle(started.ChangeSetId!);
    const after = await catalog().send(addVersion(ami, 'Fedora 41 bis'));
    expect((await settle(after.ChangeSetId!)).Status).toBe('SUCCEEDED');
  });

  it('validates without changing anything when Intent is VALIDATE', async () => {
    const ami = await publicAmi();
    const started = await catalog().send(addVersion(ami, 'Fedora 41', { intent: 'VALIDATE' }));
    expect(await settle(started.ChangeSetId!)).toMatchObject({ Status: 'SUCCEEDED', Intent: 'VALIDATE' });
    expect(await versionsOf()).toEqual([]);
  });

  it('fails with an ErrorDetailList for another region, a role it cannot assume, a duplicate title, an instance type of another arch', async () => {
    const ok = await publicAmi();
    await settle((await catalog().send(addVersion(ok, 'Fedora 41'))).ChangeSetId!);
    const cases: Array<[string, ReturnType<typeof addVersion>]> = [
      ['INVALID_AMI', addVersion(await publicAmi('eu-west-1'), 'Fedora 41 eu')],
      [
        'INVALID_ACCESS_ROLE',
        addVersion(ok, 'Fedora 41 role', { role: 'arn:aws:iam::999999999999:role/other' }),
      ],
      ['DUPLICATE_VERSION_TITLE', addVersion(ok, 'Fedora 41')],
      [
        'RECOMMENDED_INSTANCE_TYPE_NOT_AVAILABLE',
        addVersion(ok, 'Fedora 41 arm', { instanceType: 't4g.medium' }),
      ],
    ];
    for (const [code, command] of cases) {
      const failed = await settle((await catalog().send(command)).ChangeSetId!);
      expect(failed.Status, code).toBe('FAILED');
      expect(failed.FailureCode, code).toBe('CLIENT_ERROR');
      expect(
        failed.ChangeSet![0]!.ErrorDetailList!.map((detail) => detail.ErrorCode),
        code,
      ).toContain(code);
    }
    expect((await versionsOf()).map((version) => version.VersionTitle)).toEqual(['Fedora 41']);
  });

  it('cancels a change set still PREPARING, refuses later, lists change sets by entity, and knows missing products', async () => {
    emulator.setMarketplace({ preparingMs: 60_000 });
    const ami = await publicAmi();
    const started = await catalog().send(addVersion(ami, 'Fedora 41'));
    await catalog().send(
      new CancelChangeSetCommand({ Catalog: 'AWSMarketplace', ChangeSetId: started.ChangeSetId }),
    );
    expect((await settle(started.ChangeSetId!)).Status).toBe('CANCELLED');
    const late = await failure(
      catalog().send(
        new CancelChangeSetCommand({ Catalog: 'AWSMarketplace', ChangeSetId: started.ChangeSetId }),
      ),
    );
    expect(late).toMatchObject({ name: 'ResourceInUseException' });
    const listed = await catalog().send(
      new ListChangeSetsCommand({
        Catalog: 'AWSMarketplace',
        FilterList: [{ Name: 'EntityId', ValueList: [PRODUCT] }],
      }),
    );
    expect(listed.ChangeSetSummaryList!.map((item: ChangeSetSummaryListItem) => item.ChangeSetId)).toEqual([
      started.ChangeSetId,
    ]);
    emulator.setMarketplace({ missingProducts: new Set(['prod-missing']) });
    const missing = await failure(
      catalog().send(new DescribeEntityCommand({ Catalog: 'AWSMarketplace', EntityId: 'prod-missing' })),
    );
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('takes a private AMI: the access role shares it (no "public or shared" rule: that is not AWS’s)', async () => {
    const ami = await publicAmi('us-east-1', 'private');
    expect((await settle((await catalog().send(addVersion(ami, 'Fedora 41'))).ChangeSetId!)).Status).toBe(
      'SUCCEEDED',
    );
  });

  it('refuses at StartChangeSet a document AWS’s shape refuses: RecommendedInstanceType is required, limits hold', async () => {
    const ami = await publicAmi();
    const refused = async (command: StartChangeSetCommand) => {
      const error = await failure(catalog().send(command));
      expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 422 } });
      return error!.message;
    };
    expect(await refused(addVersion(ami, 'Fedora 41', { instanceType: null }))).toContain(
      'RecommendedInstanceType',
    );
    expect(await refused(addVersion(ami, 'x'.repeat(65)))).toContain('Version.VersionTitle');
    expect(await refused(addVersion(ami, 'Fedora 41', { instanceType: 't3' }))).toContain(
      'RecommendedInstanceType',
    );
    const restrict = (ids: number, changes = 1) =>
      new StartChangeSetCommand({
        Catalog: 'AWSMarketplace',
        ChangeSet: Array.from({ length: changes }, () => ({
          ChangeType: 'RestrictDeliveryOptions',
          Entity: { Type: 'AmiProduct@1.0', Identifier: PRODUCT },
          DetailsDocument: {
            DeliveryOptionIds: Array.from({ length: ids }, (_, index) => `option-${index}`),
          },
        })),
      });
    expect(await refused(restrict(51))).toContain('DeliveryOptionIds');
    expect(await refused(restrict(1, 21))).toContain('between 1 and 20');
    expect(emulator.state.catalog.changeSets.size).toBe(0);
  });

  // Marketplace Catalog API Reference, StartChangeSet: ChangeSetName 1–100 characters of
  // ^[\w\s+=.:@-]+$, ClientRequestToken 1–64 of ^[!-~]+$.
  it('refuses a ChangeSetName over 100 characters or of other characters, and a ClientRequestToken over 64', async () => {
    const ami = await publicAmi();
    for (const options of [
      { name: `fedimg ${'x'.repeat(94)}` },
      { name: 'fedimg Fedora/41' },
      { token: 't'.repeat(65) },
      { token: 'two words' },
    ]) {
      const refused = await failure(catalog().send(addVersion(ami, 'Fedora 41', options)));
      expect(refused).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 422 } });
    }
    expect(emulator.state.catalog.changeSets.size).toBe(0);
    const longest = await catalog().send(
      addVersion(ami, 'Fedora 41', { name: `fedimg ${'x'.repeat(93)}`, token: 't'.repeat(64) }),
    );
    expect((await settle(longest.ChangeSetId!)).ChangeSetName).toHaveLength(100);
  });

  it('describes a version in the entity’s shape: SecurityGroups as Protocol and CidrIps, the OS as Name and Username', async () => {
    const ami = await publicAmi();
    await settle((await catalog().send(addVersion(ami, 'Fedora 41'))).ChangeSetId!);
    const entity = await catalog().send(
      new DescribeEntityCommand({ Catalog: 'AWSMarketplace', EntityId: PRODUCT }),
    );
    expect(JSON.parse(entity.Details!).Versions[0]).toMatchObject({
      Sources: [
        {
          Image: ami,
          OperatingSystem: { Name: 'FEDORA', Version: '41', Username: 'fedora', ScanningPort: 22 },
        },
      ],
      DeliveryOptions: [
        {
          Instructions: { Usage: 'ssh fedora@<host>' },
          Recommendations: {
            InstanceType: 't3.medium',
            SecurityGroups: [{ Protocol: 'tcp', FromPort: 22, ToPort: 22, CidrIps: ['0.0.0.0/0'] }],
          },
          Visibility: 'Public',
        },
      ],
    });
  });

  it('pages ListChangeSets (MaxResults at most 20) and filters by start time', async () => {
    const ami = await publicAmi();
    for (const title of ['A', 'B', 'C'])
      await settle((await catalog().send(addVersion(ami, `Fedora ${title}`))).ChangeSetId!);
    const page = await catalog().send(
      new ListChangeSetsCommand({
        Catalog: 'AWSMarketplace',
        MaxResults: 2,
        FilterList: [{ Name: 'EntityId', ValueList: [PRODUCT] }],
      }),
    );
    expect(page.ChangeSetSummaryList).toHaveLength(2);
    const rest = await catalog().send(
      new ListChangeSetsCommand({
        Catalog: 'AWSMarketplace',
        MaxResults: 2,
        NextToken: page.NextToken,
        FilterList: [{ Name: 'EntityId', ValueList: [PRODUCT] }],
      }),
    );
    expect(rest.ChangeSetSummaryList).toHaveLength(1);
    expect(rest.NextToken).toBeUndefined();
    const future = await catalog().send(
      new ListChangeSetsCommand({
        Catalog: 'AWSMarketplace',
        FilterList: [{ Name: 'AfterStartTime', ValueList: [new Date(Date.now() + 60_000).toISOString()] }],
      }),
    );
    expect(future.ChangeSetSummaryList).toEqual([]);
    expect(
      await failure(catalog().send(new ListChangeSetsCommand({ Catalog: 'AWSMarketplace', MaxResults: 21 }))),
    ).toMatchObject({
      name: 'ValidationException',
    });
  });

  it('fails a scan with a URL to its findings, served as a JSON list (what cloudpub handles)', async () => {
    emulator.setMarketplace({
      scanFindings: [{ ErrorCode: 'SCANNING_ISSUE', ErrorMessage: 'CVE-2024-0001' }],
    });
    const failed = await settle(
      (await catalog().send(addVersion(await publicAmi(), 'Fedora 41'))).ChangeSetId!,
    );
    const url = failed.ChangeSet![0]!.ErrorDetailList![0]!.ErrorMessage!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/__emulator\/marketplace-findings\//);
    expect(await (await fetch(url)).json()).toEqual([
      { ErrorCode: 'SCANNING_ISSUE', ErrorMessage: 'CVE-2024-0001' },
    ]);
  });

  it('fails a change set in AWS’s systems when told to (SERVER_FAULT), changing nothing', async () => {
    emulator.setMarketplace({ failNext: 1 });
    const failed = await settle(
      (await catalog().send(addVersion(await publicAmi(), 'Fedora 41'))).ChangeSetId!,
    );
    expect(failed).toMatchObject({ Status: 'FAILED', FailureCode: 'SERVER_FAULT' });
    expect(await versionsOf()).toEqual([]);
  });
});
