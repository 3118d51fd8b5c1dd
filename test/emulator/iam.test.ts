/**
 * Conformance of the emulator's IAM evaluation: the policy evaluation logic of the IAM User Guide for
 * one identity-based policy, and the refusals each service answers with.
 */
import { DeleteSnapshotCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EBSClient, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeAmi, startEmulator } from '../helpers/aws.js';
import { conditionHolds, evaluate, type PolicyDocument } from '../../emulator/iam/evaluate.js';
import { ADMIN_CREDENTIALS, type Emulator } from '../../emulator/server.js';

const request = (action: string, resource: string, context: Record<string, string | string[]> = {}) => ({
  action,
  resource,
  context,
});
const allow = (statement: object): PolicyDocument => ({ Statement: [{ Effect: 'Allow', ...statement }] });

describe('policy evaluation', () => {
  it('denies by default, allows on a matching statement, and an explicit Deny wins', () => {
    const snapshot = 'arn:aws:ec2:us-east-1::snapshot/snap-1';
    expect(evaluate({ Statement: [] }, request('ec2:DeleteSnapshot', snapshot))).toBe('implicit-deny');
    const policy: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
        { Effect: 'Deny', Action: 'ec2:Delete*', Resource: 'arn:aws:ec2:*::snapshot/*' },
      ],
    };
    expect(evaluate(policy, request('ec2:DescribeImages', '*'))).toBe('allow');
    expect(evaluate(policy, request('ec2:DeleteSnapshot', snapshot))).toBe('explicit-deny');
  });

  it('matches actions case-insensitively and resources with * and ?', () => {
    const policy = allow({
      Action: ['EC2:deletesnapshot'],
      Resource: 'arn:aws:ec2:us-east-?::snapshot/snap-*',
    });
    expect(evaluate(policy, request('ec2:DeleteSnapshot', 'arn:aws:ec2:us-east-1::snapshot/snap-9'))).toBe(
      'allow',
    );
    expect(evaluate(policy, request('ec2:DeleteSnapshot', 'arn:aws:ec2:eu-west-1::snapshot/snap-9'))).toBe(
      'implicit-deny',
    );
    expect(
      evaluate(allow({ NotAction: 'ec2:Delete*', Resource: '*' }), request('ec2:DeleteSnapshot', '*')),
    ).toBe('implicit-deny');
  });

  it('evaluates StringEquals/StringLike on tags: every key must hold, any value may match, a missing key fails', () => {
    const policy = allow({
      Action: 'ec2:CreateTags',
      Resource: '*',
      Condition: {
        StringEquals: {
          'aws:ResourceTag/ManagedBy': 'fedimg',
          'ec2:CreateAction': ['RunInstances', 'RegisterImage'],
        },
        StringLike: { 'aws:RequestTag/Name': 'fedimg *' },
      },
    });
    const context = {
      'aws:ResourceTag/ManagedBy': 'fedimg',
      'ec2:CreateAction': 'RegisterImage',
      'aws:RequestTag/Name': 'fedimg boot test',
    };
    expect(evaluate(policy, request('ec2:CreateTags', '*', context))).toBe('allow');
    // Condition key names are case-insensitive; the tag key is not.
    expect(
      evaluate(policy, request('ec2:CreateTags', '*', { ...context, 'AWS:resourcetag/ManagedBy': 'fedimg' })),
    ).toBe('allow');
    expect(
      evaluate(policy, request('ec2:CreateTags', '*', { ...context, 'aws:ResourceTag/ManagedBy': 'other' })),
    ).toBe('implicit-deny');
    const { 'ec2:CreateAction': _, ...withoutAction } = context;
    expect(evaluate(policy, request('ec2:CreateTags', '*', withoutAction))).toBe('implicit-deny');
  });

  it('evaluates ForAllValues / ForAnyValue on aws:TagKeys, IfExists and Null', () => {
    const keys = allow({
      Action: '*',
      Resource: '*',
      Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['fedimg:*', 'Name'] } },
    });
    expect(
      evaluate(keys, request('ec2:CreateTags', '*', { 'aws:TagKeys': ['fedimg:boot-test', 'Name'] })),
    ).toBe('allow');
    expect(evaluate(keys, request('ec2:CreateTags', '*', { 'aws:TagKeys': ['fedimg:x', 'ManagedBy'] }))).toBe(
      'implicit-deny',
    );
    const any = allow({
      Action: '*',
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'a' } },
    });
    expect(evaluate(any, request('x:Y', '*', { 'aws:TagKeys': ['b', 'a'] }))).toBe('allow');
    expect(evaluate(any, request('x:Y', '*', {}))).toBe('implicit-deny');
    const ifExists = allow({
      Action: '*',
      Resource: '*',
      Condition: { StringEqualsIfExists: { 'ec2:CreateAction': 'ImportSnapshot' } },
    });
    expect(evaluate(ifExists, request('x:Y', '*'))).toBe('allow');
    expect(evaluate(ifExists, request('x:Y', '*', { 'ec2:CreateAction': 'RunInstances' }))).toBe(
      'implicit-deny',
    );
    const untagged = allow({
      Action: '*',
      Resource: '*',
      Condition: { Null: { 'aws:ResourceTag/ManagedBy': 'true' } },
    });
    expect(evaluate(untagged, request('x:Y', '*'))).toBe('allow');
    expect(evaluate(untagged, request('x:Y', '*', { 'aws:ResourceTag/ManagedBy': 'fedimg' }))).toBe(
      'implicit-deny',
    );
  });
});

describe('condition operators on keys the request lacks (IAM User Guide, "Condition operators")', () => {
  const holds = (
    operator: string,
    key: string,
    values: string[],
    context: Record<string, string | string[]>,
  ) => conditionHolds(operator, key, values, context);

  it('fails a positive operator, holds a negated one: "the condition is true" when a NotX key is absent', () => {
    for (const operator of ['StringEquals', 'StringLike', 'ArnLike', 'ArnEquals', 'NumericEquals', 'Bool'])
      expect(holds(operator, 'ec2:InstanceType', ['t3.micro'], {}), operator).toBe(false);
    for (const operator of [
      'StringNotEquals',
      'StringNotLike',
      'ArnNotLike',
      'ArnNotEquals',
      'NumericNotEquals',
    ])
      expect(holds(operator, 'ec2:InstanceType', ['t3.micro'], {}), operator).toBe(true);
  });

  it('holds …IfExists and ForAllValues on an absent key, never ForAnyValue; Null tests absence itself', () => {
    expect(holds('StringEqualsIfExists', 'k', ['v'], {})).toBe(true);
    expect(holds('StringNotEqualsIfExists', 'k', ['v'], {})).toBe(true);
    expect(holds('StringNotEqualsIfExists', 'k', ['v'], { k: 'v' })).toBe(false);
    expect(holds('ForAllValues:StringLike', 'aws:TagKeys', ['fedimg:*'], {})).toBe(true);
    expect(holds('ForAllValues:StringNotLike', 'aws:TagKeys', ['ManagedBy'], {})).toBe(true);
    expect(holds('ForAnyValue:StringEquals', 'aws:TagKeys', ['a'], {})).toBe(false);
    expect(holds('ForAnyValue:StringNotEquals', 'aws:TagKeys', ['a'], {})).toBe(false);
    expect(holds('Null', 'ebs:ParentSnapshot', ['true'], {})).toBe(true);
    expect(
      holds('Null', 'ebs:ParentSnapshot', ['true'], {
        'ebs:ParentSnapshot': 'arn:aws:ec2:us-east-1::snapshot/snap-1',
      }),
    ).toBe(false);
    expect(holds('Null', 'ebs:ParentSnapshot', ['false'], {})).toBe(false);
  });

  it('compares present keys: negated operators match none of the values, set operators every or any value', () => {
    expect(holds('StringNotEquals', 'k', ['a', 'b'], { k: 'c' })).toBe(true);
    expect(holds('StringNotEquals', 'k', ['a', 'b'], { k: 'b' })).toBe(false);
    expect(
      holds('ForAllValues:StringNotLike', 'aws:TagKeys', ['ManagedBy'], {
        'aws:TagKeys': ['fedimg:x', 'Name'],
      }),
    ).toBe(true);
    expect(
      holds('ForAllValues:StringNotLike', 'aws:TagKeys', ['ManagedBy'], {
        'aws:TagKeys': ['ManagedBy', 'Name'],
      }),
    ).toBe(false);
    expect(holds('ForAnyValue:StringNotEquals', 'aws:TagKeys', ['a'], { 'aws:TagKeys': ['a', 'b'] })).toBe(
      true,
    );
    expect(holds('NumericLessThanEquals', 'ebs:VolumeSize', ['64'], { 'ebs:VolumeSize': '10' })).toBe(true);
    expect(holds('NumericLessThanEquals', 'ebs:VolumeSize', ['64'], { 'ebs:VolumeSize': '65' })).toBe(false);
    expect(holds('Bool', 'ec2:Encrypted', ['true'], { 'ec2:Encrypted': 'TRUE' })).toBe(true);
    // ArnLike matches part by part: a wildcard never crosses a colon.
    expect(
      holds('ArnLike', 'ebs:ParentSnapshot', ['arn:aws:ec2:*::snapshot/*'], {
        'ebs:ParentSnapshot': 'arn:aws:ec2:eu-west-1::snapshot/snap-1',
      }),
    ).toBe(true);
    expect(
      holds('ArnLike', 'ebs:ParentSnapshot', ['arn:aws:ec2:*'], {
        'ebs:ParentSnapshot': 'arn:aws:ec2:eu-west-1::snapshot/snap-1',
      }),
    ).toBe(false);
  });
});

describe('refusals through the SDK', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator?.stop());
  beforeEach(() => {
    emulator.reset();
    emulator.setIamPolicy(undefined);
  });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => error,
    );

  it('answers as each service does: EC2 UnauthorizedOperation, EBS AccessDeniedException, S3 AccessDenied', async () => {
    const { snapshotId } = await makeAmi();
    emulator.setIamPolicy(allow({ Action: 'ec2:Describe*', Resource: '*' }));
    const ec2 = new EC2Client({ region: 'us-east-1', maxAttempts: 1 });
    const denied = await failure(ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
    expect(denied).toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    expect(denied!.message).toContain(
      `ec2:DeleteSnapshot on resource: arn:aws:ec2:us-east-1::snapshot/${snapshotId}`,
    );
    // STS DecodeAuthorizationMessage: an UnauthorizedOperation may carry an encoded message of the
    // decision, principal, action, resource and condition keys (AWS encrypts it; here it is base64url).
    const encoded = /Encoded authorization failure message: ([\w-]+)$/.exec(denied!.message)?.[1];
    expect(JSON.parse(Buffer.from(encoded!, 'base64url').toString())).toMatchObject({
      allowed: false,
      explicitDeny: false,
      context: { action: 'ec2:DeleteSnapshot', resource: expect.stringContaining(snapshotId) },
    });
    const ebs = new EBSClient({ region: 'us-east-1', maxAttempts: 1 });
    const ebsDenied = await failure(ebs.send(new StartSnapshotCommand({ VolumeSize: 1 })));
    expect(ebsDenied!.message).not.toContain('Encoded authorization failure message');
    expect(ebsDenied).toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    const admin = new S3Client({ region: 'us-east-1', forcePathStyle: true, credentials: ADMIN_CREDENTIALS });
    await admin.send(new CreateBucketCommand({ Bucket: 'other-bucket' }));
    const s3 = new S3Client({ region: 'us-east-1', forcePathStyle: true, maxAttempts: 1 });
    expect(
      await failure(s3.send(new PutObjectCommand({ Bucket: 'other-bucket', Key: 'k', Body: 'x' }))),
    ).toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    // Nothing was changed by the refused calls; the administrator is never refused.
    expect(emulator.inventory().snapshots.map((snapshot) => snapshot.id)).toEqual([snapshotId]);
    expect(emulator.inventory().objects).toEqual([]);
    for (const client of [ec2, ebs, s3, admin]) client.destroy();
  });

  it('asks for ec2:CreateTags with ec2:CreateAction when a creation tags, and for the tags of what it uses', async () => {
    emulator.setIamPolicy(
      allow({
        Action: ['ebs:StartSnapshot'],
        Resource: 'arn:aws:ec2:*::snapshot/*',
        Condition: { StringEquals: { 'aws:RequestTag/ManagedBy': 'fedimg' } },
      }),
    );
    const ebs = new EBSClient({ region: 'us-east-1', maxAttempts: 1 });
    const tagged = { VolumeSize: 1, Tags: [{ Key: 'ManagedBy', Value: 'fedimg' }] };
    expect((await failure(ebs.send(new StartSnapshotCommand(tagged))))!.message).toContain('ec2:CreateTags');
    emulator.setIamPolicy({
      Statement: [
        ...(allow({
          Action: ['ebs:StartSnapshot'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestTag/ManagedBy': 'fedimg' } },
        }).Statement as object[]),
        {
          Effect: 'Allow',
          Action: 'ec2:CreateTags',
          Resource: '*',
          Condition: { StringEquals: { 'ec2:CreateAction': 'StartSnapshot' } },
        },
      ] as never,
    });
    expect((await ebs.send(new StartSnapshotCommand(tagged))).SnapshotId).toMatch(/^snap-/);
    expect(await failure(ebs.send(new StartSnapshotCommand({ VolumeSize: 1 })))).toMatchObject({
      name: 'AccessDeniedException',
    });
    ebs.destroy();
  });
});
