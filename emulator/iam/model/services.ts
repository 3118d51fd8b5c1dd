/**
 * The Service Authorization Reference's rows for the EBS direct APIs, the AWS Marketplace Catalog
 * API, IAM, STS and S3 actions the emulator serves; see ./ec2.ts for what a row holds.
 *
 * S3's rows are abridged: no access-point resource types (the emulator has no access points), and of
 * the condition keys only those the emulator has facts for (object tags, ACL, location, listing).
 * Left out are the keys the SAR lists for every S3 action (authentication type, signature, TLS,
 * resource account, content hash, access grants) and the other request keys of PutObject,
 * CreateBucket and ListBucketMultipartUploads (grants, encryption, storage class, copy, object lock,
 * ownership, access points, bucket tags): a policy that tests one finds it absent, and no shipped
 * policy tests any. (Compared with the SAR copy on 2026-12-06: the other rows here have the SAR's
 * resource types, keys and dependent actions.)
 */
import { row, SAR, type ActionRow } from './row.js';

export const SERVICE_ROWS: Record<string, ActionRow> = {
  'ebs:CompleteSnapshot': row(
    'snapshot*',
    {
      '': 'aws:ResourceTag/${TagKey}',
    },
    SAR.ebs,
  ),
  'ebs:GetSnapshotBlock': row(
    'snapshot*',
    {
      '': 'aws:ResourceTag/${TagKey}',
    },
    SAR.ebs,
  ),
  'ebs:ListSnapshotBlocks': row(
    'snapshot*',
    {
      '': 'aws:ResourceTag/${TagKey}',
    },
    SAR.ebs,
  ),
  'ebs:PutSnapshotBlock': row(
    'snapshot*',
    {
      '': 'aws:ResourceTag/${TagKey}',
    },
    SAR.ebs,
  ),
  'ebs:StartSnapshot': row(
    'snapshot',
    {
      '': 'aws:RequestTag/${TagKey} aws:ResourceTag/${TagKey} aws:TagKeys ebs:Description ebs:ParentSnapshot ebs:VolumeSize',
    },
    SAR.ebs,
    ['ec2:CreateTags'],
  ),
  'aws-marketplace:CancelChangeSet': row('ChangeSet*', {}, SAR.catalog),
  'aws-marketplace:DescribeChangeSet': row('ChangeSet*', {}, SAR.catalog),
  'aws-marketplace:DescribeEntity': row('Entity*', {}, SAR.catalog),
  'aws-marketplace:ListChangeSets': row('', {}, SAR.catalog),
  'aws-marketplace:StartChangeSet': row(
    'Entity*',
    {
      '': 'catalog:ChangeType aws-marketplace:Intent aws:RequestTag/${TagKey} aws:TagKeys',
    },
    SAR.catalog,
  ),
  'iam:GetRole': row(
    'role*',
    {
      '': 'iam:PermissionsBoundary',
    },
    SAR.iam,
  ),
  'iam:ListAttachedRolePolicies': row('role*', {}, SAR.iam),
  'iam:PassRole': row(
    'role*',
    {
      '': 'iam:AssociatedResourceArn iam:PassedToService',
    },
    SAR.iam,
  ),
  'iam:SimulatePrincipalPolicy': row('group role user', {}, SAR.iam),
  'sts:GetCallerIdentity': row('', {}, SAR.sts),
  's3:AbortMultipartUpload': row('object', {}, SAR.s3),
  's3:CreateBucket': row(
    'bucket*',
    {
      '': 's3:locationconstraint',
    },
    SAR.s3,
  ),
  's3:DeleteBucket': row('bucket*', {}, SAR.s3),
  's3:DeleteObject': row('object', {}, SAR.s3),
  's3:GetObject': row(
    'object',
    {
      '': 's3:ExistingObjectTag/<key>',
    },
    SAR.s3,
  ),
  's3:ListBucket': row(
    'bucket',
    {
      '': 's3:prefix s3:delimiter s3:max-keys',
    },
    SAR.s3,
  ),
  's3:ListBucketMultipartUploads': row('bucket*', {}, SAR.s3),
  's3:PutObject': row(
    'object',
    {
      '': 's3:RequestObjectTag/<key> s3:RequestObjectTagKeys s3:x-amz-acl',
    },
    SAR.s3,
  ),
};
