/**
 * The permission checks: every AWS call the configured stages make, as IAM's policy simulator should
 * answer it for the role — each call's action on each resource it touches, with the condition keys
 * the real call carries (AWS's Service Authorization Reference says which: the tags a creation asks
 * for, the resource's own tags, ec2:CreateAction, iam:PassedToService, catalog:ChangeType, ...) —
 * and the routes AWS's conditions close (a foreign AMI, an untagged snapshot, a foreign parent),
 * which must be refused. The simulator fetches no tags, so each check states the ones AWS would see.
 */
import { TAG } from '../aws/tags.js';
import {
  CheckList,
  fedimgResource,
  OURS,
  probe,
  requestTags,
  tagsOf,
  THEIRS,
  type PermissionCheck,
  type ProbeSettings,
} from './checks.js';
import {
  encryptedChecks,
  encryptedCopyChecks,
  importSnapshotChecks,
  marketplaceChecks,
} from './permissions-options.js';
import { STATEMENT } from './statements.js';

export type { NetworkFacts, PermissionCheck, Probe, ProbeSettings } from './checks.js';

export function permissionChecks(settings: ProbeSettings): PermissionCheck[] {
  const list = new CheckList(settings);
  if (list.on('plan') || list.on('copy') || list.on('index'))
    list.reads(list.on('copy') ? 'copy' : list.on('plan') ? 'plan' : 'index', ['ec2:DescribeRegions']);

  if (list.on('import')) {
    list.reads('import', ['ec2:DescribeImages', 'ec2:DescribeSnapshots']);
    list.allow('import', 'start a snapshot tagged ManagedBy=fedimg (EBS direct)', STATEMENT.startSnapshot, [
      probe('ebs:StartSnapshot', list.snapshot('*'), {
        ...requestTags([TAG.uploadToken]),
        'ebs:VolumeSize': '5',
      }),
    ]);
    list.allow('import', 'tag the snapshot as it is started', STATEMENT.tagOnCreate, [
      probe('ec2:CreateTags', list.snapshot('*'), {
        ...requestTags([TAG.uploadToken]),
        'ec2:CreateAction': 'StartSnapshot',
      }),
    ]);
    list.allow('import', "write blocks into fedimg's snapshot and complete it", STATEMENT.writeSnapshot, [
      probe('ebs:PutSnapshotBlock', list.snapshot(`snap-${OURS}`), fedimgResource),
      probe('ebs:CompleteSnapshot', list.snapshot(`snap-${OURS}`), fedimgResource),
    ]);
    list.allow('import', 'register AMIs tagged ManagedBy=fedimg', STATEMENT.registerAndCopy, [
      probe('ec2:RegisterImage', list.image('*'), requestTags([TAG.flavour])),
    ]);
    list.allow('import', "register them from fedimg's snapshot", STATEMENT.registerFromFedimgSnapshots, [
      probe('ec2:RegisterImage', list.snapshot(`snap-${OURS}`), fedimgResource),
    ]);
    list.allow('import', 'tag the AMIs as they are registered', STATEMENT.tagOnCreate, [
      probe('ec2:CreateTags', list.image('*'), {
        ...requestTags([TAG.flavour]),
        'ec2:CreateAction': 'RegisterImage',
      }),
    ]);
    list.deny('import', 'refused: a snapshot whose parent is not fedimg’s (its blocks)', [
      probe('ebs:StartSnapshot', list.snapshot('*'), {
        ...requestTags(),
        'ebs:ParentSnapshot': list.snapshot(`snap-${THEIRS}`),
      }),
    ]);
    list.deny('import', 'refused: an AMI from a snapshot that is not fedimg’s', [
      probe('ec2:RegisterImage', list.snapshot(`snap-${THEIRS}`)),
    ]);
    list.deny('import', 'refused: writing into a snapshot that is not fedimg’s', [
      probe('ebs:PutSnapshotBlock', list.snapshot(`snap-${THEIRS}`)),
    ]);
    if (list.settings.s3Bucket) importSnapshotChecks(list, list.settings.s3Bucket);
    if (list.settings.encrypted) encryptedChecks(list);
  }

  if (list.on('boot-test')) {
    list.reads('boot-test', ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus']);
    list.allow('boot-test', "boot fedimg's AMIs", STATEMENT.bootImages, [
      probe('ec2:RunInstances', list.image(`ami-${OURS}`), fedimgResource),
    ]);
    list.allow(
      'boot-test',
      `as instances tagged ManagedBy=fedimg of the configured types (${list.settings.instanceTypes.join(', ')}), IMDSv2 required`,
      STATEMENT.bootInstances,
      list.settings.instanceTypes.map((type) =>
        probe('ec2:RunInstances', list.owned('instance', '*'), {
          ...requestTags([TAG.bootTest]),
          'ec2:InstanceType': type,
          'ec2:MetadataHttpTokens': 'required',
        }),
      ),
    );
    if (list.settings.network)
      list.allow('boot-test', 'in the network tagged for boot tests', STATEMENT.bootNetwork, [
        ...list.settings.network.groups.map((group) =>
          probe('ec2:RunInstances', list.owned('security-group', group.id), tagsOf(group.tags)),
        ),
        ...(list.settings.network.subnet
          ? [
              probe(
                'ec2:RunInstances',
                list.owned('subnet', list.settings.network.subnet.id),
                tagsOf(list.settings.network.subnet.tags),
              ),
            ]
          : []),
      ]);
    list.allow('boot-test', 'with its network interface and root volume', STATEMENT.bootInterface, [
      probe('ec2:RunInstances', list.owned('network-interface', '*'), requestTags()),
      probe('ec2:RunInstances', list.owned('volume', '*'), requestTags()),
    ]);
    list.allow('boot-test', 'tag the instance as it starts', STATEMENT.tagOnCreate, [
      probe('ec2:CreateTags', list.owned('instance', '*'), {
        ...requestTags([TAG.bootTest]),
        'ec2:CreateAction': 'RunInstances',
      }),
    ]);
    list.allow('boot-test', "read the instance's console and terminate it", STATEMENT.changeFedimg, [
      probe('ec2:GetConsoleOutput', list.owned('instance', `i-${OURS}`), fedimgResource),
      probe('ec2:TerminateInstances', list.owned('instance', `i-${OURS}`), fedimgResource),
    ]);
    list.allow('boot-test', 'record the verdict on the AMI (fedimg:boot-test)', STATEMENT.tagFedimg, [
      probe('ec2:CreateTags', list.image(`ami-${OURS}`), {
        ...fedimgResource,
        [`aws:RequestTag/${TAG.bootTest}`]: 'passed',
        'aws:TagKeys': [TAG.bootTest],
      }),
    ]);
    list.deny('boot-test', 'refused: booting an AMI that is not fedimg’s', [
      probe('ec2:RunInstances', list.image(`ami-${THEIRS}`)),
    ]);
    list.deny('boot-test', 'refused: an instance type that is not configured (p5.48xlarge)', [
      probe('ec2:RunInstances', list.owned('instance', '*'), {
        ...requestTags(),
        'ec2:InstanceType': 'p5.48xlarge',
        'ec2:MetadataHttpTokens': 'required',
      }),
    ]);
  }

  if (list.on('copy')) {
    const destination = list.settings.destination;
    list.allow('copy', "copy fedimg's AMIs into copies tagged ManagedBy=fedimg", STATEMENT.registerAndCopy, [
      probe('ec2:CopyImage', list.image('*', destination), requestTags([TAG.sourceAmi])),
      // The source AMI is authorized too, with the request's tags (CopyImage carries no aws:ResourceTag).
      probe('ec2:CopyImage', list.image(`ami-${OURS}`), requestTags([TAG.sourceAmi])),
      probe('ec2:CopyImage', list.snapshot('*', destination), requestTags([TAG.sourceAmi])),
    ]);
    list.allow('copy', 'tag the copies as they are made', STATEMENT.tagOnCreate, [
      probe('ec2:CreateTags', list.image('*', destination), {
        ...requestTags(),
        'ec2:CreateAction': 'CopyImage',
      }),
      probe('ec2:CreateTags', list.snapshot('*', destination), {
        ...requestTags(),
        'ec2:CreateAction': 'CopyImage',
      }),
    ]);
    if (list.settings.encrypted) encryptedCopyChecks(list);
  }

  if (list.on('publish') || list.on('verify'))
    list.reads(list.on('publish') ? 'publish' : 'verify', [
      'ec2:DescribeImages',
      'ec2:DescribeImageAttribute',
      'ec2:DescribeSnapshotAttribute',
      'ec2:GetImageBlockPublicAccessState',
      'ec2:GetEbsEncryptionByDefault',
    ]);
  if (list.on('publish')) {
    list.allow(
      'publish',
      "make fedimg's snapshots and AMIs public and deprecate them",
      STATEMENT.changeFedimg,
      [
        probe('ec2:ModifySnapshotAttribute', list.snapshot(`snap-${OURS}`), {
          ...fedimgResource,
          'ec2:Attribute': 'createVolumePermission',
          'ec2:Add/group': ['all'],
        }),
        probe('ec2:ModifyImageAttribute', list.image(`ami-${OURS}`), {
          ...fedimgResource,
          'ec2:Attribute': 'launchPermission',
        }),
        probe('ec2:EnableImageDeprecation', list.image(`ami-${OURS}`), fedimgResource),
      ],
    );
    list.deny('publish', 'refused: making an AMI that is not fedimg’s public', [
      probe('ec2:ModifyImageAttribute', list.image(`ami-${THEIRS}`), { 'ec2:Attribute': 'launchPermission' }),
    ]);
    list.deny('publish', 'refused: sharing an untagged snapshot', [
      probe('ec2:ModifySnapshotAttribute', list.snapshot(`snap-${THEIRS}`), {
        'ec2:Attribute': 'createVolumePermission',
        'ec2:Add/group': ['all'],
      }),
    ]);
  }

  if (list.on('cleanup')) {
    list.reads('cleanup', ['ec2:DescribeImages', 'ec2:DescribeSnapshots', 'ec2:DescribeInstances']);
    list.allow('cleanup', "expire, delete and terminate what is fedimg's", STATEMENT.changeFedimg, [
      probe('ec2:DeregisterImage', list.image(`ami-${OURS}`), fedimgResource),
      probe('ec2:DeleteSnapshot', list.snapshot(`snap-${OURS}`), fedimgResource),
      probe('ec2:ModifyImageAttribute', list.image(`ami-${OURS}`), {
        ...fedimgResource,
        'ec2:Attribute': 'launchPermission',
      }),
      probe('ec2:TerminateInstances', list.owned('instance', `i-${OURS}`), fedimgResource),
    ]);
    list.allow('cleanup', 'mark an expired AMI (fedimg:expired-at)', STATEMENT.tagFedimg, [
      probe('ec2:CreateTags', list.image(`ami-${OURS}`), {
        ...fedimgResource,
        [`aws:RequestTag/${TAG.expiredAt}`]: '2026-01-01T00:00:00.000Z',
        'aws:TagKeys': [TAG.expiredAt],
      }),
    ]);
    list.deny('cleanup', 'refused: deleting an untagged snapshot', [
      probe('ec2:DeleteSnapshot', list.snapshot(`snap-${THEIRS}`)),
    ]);
    list.deny('cleanup', 'refused: deregistering an AMI that is not fedimg’s', [
      probe('ec2:DeregisterImage', list.image(`ami-${THEIRS}`)),
    ]);
  }

  if (list.on('index')) list.reads('index', ['ec2:DescribeImages']);

  marketplaceChecks(list);
  return list.checks;
}
