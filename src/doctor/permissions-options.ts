/**
 * The permission checks of the options that bring calls of their own: the S3 + ImportSnapshot
 * route, encrypted flavours (a copy of the snapshot, the KMS key through EC2), and AWS Marketplace.
 */
import { TAG } from '../aws/tags.js';
import type { CheckList } from './checks.js';
import { fedimgResource, OURS, probe, requestTags, THEIRS } from './checks.js';
import { STATEMENT } from './statements.js';
import { keyInRegion } from '../aws/kms.js';

/** The S3 + ImportSnapshot route: the staged object, the import task, and tagging what it made. */
export function importSnapshotChecks(list: CheckList, bucket: string): void {
  const task = (id: string) => list.owned('import-snapshot-task', id);
  const object = `arn:${list.settings.partition}:s3:::${bucket}/fedimg-staging/doctor/disk.raw`;
  list.allow('import', `stage the raw disk in s3://${bucket}/fedimg-staging/`, STATEMENT.importStage, [
    probe('s3:PutObject', object),
    probe('s3:GetObject', object),
    probe('s3:AbortMultipartUpload', object),
    probe('s3:DeleteObject', object),
  ]);
  list.allow('import', 'import it through a task tagged ManagedBy=fedimg', STATEMENT.importStart, [
    probe('ec2:ImportSnapshot', task('*'), requestTags()),
    probe('ec2:ImportSnapshot', list.snapshot('*'), requestTags()),
  ]);
  list.allow('import', 'tag the import task as it is created', STATEMENT.importTag, [
    probe('ec2:CreateTags', task('*'), { ...requestTags(), 'ec2:CreateAction': 'ImportSnapshot' }),
  ]);
  list.allow('import', 'follow the import task', STATEMENT.importRead, [
    probe('ec2:DescribeImportSnapshotTasks', '*'),
  ]);
  list.allow('import', "cancel fedimg's import task", STATEMENT.importCancel, [
    probe('ec2:CancelImportTask', task(`import-snap-${OURS}`), fedimgResource),
  ]);
  list.allow('import', 'tag the snapshot the import made (AWS tags only the task)', STATEMENT.importAdopt, [
    probe('ec2:CreateTags', list.snapshot(`snap-${OURS}`), requestTags([TAG.uploadToken])),
  ]);
  list.deny('import', 'refused: claiming an import task that is not fedimg’s', [
    probe('ec2:CreateTags', task(`import-snap-${THEIRS}`), requestTags()),
  ]);
}

/** Encrypted flavours: the snapshot copied into an encrypted copy, with the key used through EC2. */
export function encryptedChecks(list: CheckList): void {
  list.allow(
    'import',
    'copy the snapshot into an encrypted copy tagged ManagedBy=fedimg',
    STATEMENT.encryptedCopy,
    [
      probe('ec2:CopySnapshot', list.snapshot('*'), requestTags()),
      probe('ec2:CopySnapshot', list.snapshot(`snap-${OURS}`), requestTags()),
    ],
  );
  list.allow('import', 'tag the encrypted copy as it is made', STATEMENT.encryptedTag, [
    probe('ec2:CreateTags', list.snapshot('*'), { ...requestTags(), 'ec2:CreateAction': 'CopySnapshot' }),
  ]);
  const key = list.settings.kmsKeyArn;
  if (!key) return;
  list.allow(
    'import',
    `use the key ${key} through EC2`,
    STATEMENT.encryptedKey,
    keyProbes(key, list.settings.baseRegion),
  );
}

/** What EC2 does with an encrypted flavour's key on the caller's behalf, in one region. */
const keyProbes = (key: string, region: string) =>
  [
    'kms:CreateGrant',
    'kms:Decrypt',
    'kms:DescribeKey',
    'kms:GenerateDataKeyWithoutPlaintext',
    'kms:ReEncryptFrom',
    'kms:ReEncryptTo',
  ].map((action) => probe(action, key, { 'kms:ViaService': `ec2.${region}.amazonaws.com` }));

/**
 * Encrypted flavours' copies: encrypted with the key named for their destination region (CopyImage,
 * KmsKeyId: the key must exist in the destination Region; src/aws/kms.ts).
 */
export function encryptedCopyChecks(list: CheckList): void {
  const { kmsKeyArn, destination, baseRegion } = list.settings;
  if (!kmsKeyArn || destination === baseRegion) return;
  const key = keyInRegion(kmsKeyArn, destination);
  list.allow(
    'copy',
    `use the key ${key} through EC2 in ${destination}`,
    STATEMENT.encryptedKey,
    keyProbes(key, destination),
  );
}

/** AWS Marketplace: new (and restricted) versions of the products, the access role passed to it. */
export function marketplaceChecks(list: CheckList): void {
  const market = list.settings.marketplace;
  if (!list.on('marketplace') || market.products.length === 0) return;
  const changeTypes = ['AddDeliveryOptions', ...(market.restrictPrevious ? ['RestrictDeliveryOptions'] : [])];
  const intent = market.validateOnly ? 'VALIDATE' : 'APPLY';
  const toMarketplace = { 'iam:PassedToService': 'assets.marketplace.amazonaws.com' };
  list.allow(
    'marketplace',
    `add versions to ${market.products.join(', ')} (${changeTypes.join(', ')})`,
    STATEMENT.marketplaceStart,
    market.products.flatMap((product) =>
      changeTypes.map((type) =>
        probe('aws-marketplace:StartChangeSet', list.catalog('AmiProduct', product), {
          'catalog:ChangeType': type,
          'aws-marketplace:Intent': intent,
        }),
      ),
    ),
  );
  if (market.accessRoleArn)
    list.allow(
      'marketplace',
      `pass the access role ${market.accessRoleArn} to AWS Marketplace`,
      STATEMENT.marketplacePassRole,
      [probe('iam:PassRole', market.accessRoleArn, toMarketplace)],
    );
  list.allow('marketplace', 'read the products and their change sets', STATEMENT.marketplaceRead, [
    ...market.products.map((product) =>
      probe('aws-marketplace:DescribeEntity', list.catalog('AmiProduct', product)),
    ),
    probe('aws-marketplace:DescribeChangeSet', list.catalog('ChangeSet', 'doctor')),
  ]);
  list.allow('marketplace', 'list the change sets', STATEMENT.marketplaceList, [
    probe('aws-marketplace:ListChangeSets', '*'),
  ]);
  list.deny('marketplace', 'refused: passing another role to AWS Marketplace', [
    probe('iam:PassRole', list.role('admin'), toMarketplace),
  ]);
  list.deny('marketplace', 'refused: other kinds of change (UpdateInformation)', [
    probe('aws-marketplace:StartChangeSet', list.catalog('AmiProduct', market.products[0]!), {
      'catalog:ChangeType': 'UpdateInformation',
      'aws-marketplace:Intent': intent,
    }),
  ]);
}
