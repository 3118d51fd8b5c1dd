/**
 * doctor's reads of the account: which role it is, whom the role trusts, each region's settings
 * that stop publishing (block public access for AMIs and for snapshots, the public-AMI quota, EBS
 * encryption by default), where a boot test launches, and Marketplace's access role. All read-only.
 */
import type { AwsClients } from '../aws/clients.js';
import {
  attachedPolicyArns,
  describeRole,
  parseRoleArn,
  type RoleRef,
  type TrustStatement,
} from '../aws/identity.js';
import { publicAmiCount } from '../aws/images.js';
import { launchNetwork, type LaunchNetwork } from '../aws/network.js';
import { blocksPublicAmis, blocksPublicSnapshots, encryptsByDefault } from '../aws/regions.js';
import { TAG } from '../aws/tags.js';
import type { Settings } from '../settings/index.js';
import { checked, fail, pass, type DoctorRow } from './rows.js';

const OIDC = 'token.actions.githubusercontent.com';

/** Values a trust statement's conditions give a key, whatever the operator. */
function conditionValues(statement: TrustStatement, key: string): string[] {
  return Object.values(statement.Condition ?? {}).flatMap((keys) =>
    Object.entries(keys).flatMap(([name, values]) =>
      name.toLowerCase() === key.toLowerCase() ? values : [],
    ),
  );
}

const principals = (statement: TrustStatement, kind: 'Federated' | 'Service') =>
  statement.Principal === '*' ? ['*'] : (statement.Principal?.[kind] ?? []);

/**
 * How long publish.yml's import job asks its AWS session to last (role-duration-seconds): the S3
 * route's import task may take import-timeout-minutes (120) after the download, and the keys
 * configure-aws-credentials exports cannot be renewed mid-job. test/workflow/lint.test.ts holds the
 * workflow to this number.
 */
export const IMPORT_JOB_SESSION_SECONDS = 10_800;

/** Whether the role's sessions may last as long as the import job asks (IAM's default is one hour). */
export function sessionLengthRow(roleName: string, maxSessionSeconds: number | undefined): DoctorRow {
  const check = `the role's sessions may last ${IMPORT_JOB_SESSION_SECONDS / 3600} hours (the import job's)`;
  if (maxSessionSeconds === undefined)
    return {
      check,
      region: 'global',
      result: 'unknown',
      change: 'IAM did not say the role’s MaxSessionDuration.',
    };
  if (maxSessionSeconds >= IMPORT_JOB_SESSION_SECONDS) return pass(check, 'global', `${maxSessionSeconds} s`);
  return fail(
    check,
    'global',
    `MaxSessionDuration is ${maxSessionSeconds} s, so the import job cannot get its AWS credentials. Run aws iam update-role --role-name ${roleName} --max-session-duration ${IMPORT_JOB_SESSION_SECONDS} (docs/account-setup.md).`,
  );
}

/** Whether the role's trust lets only this repository's workflows assume it through GitHub's OIDC. */
export function oidcTrustRow(trust: TrustStatement[], repository: string | undefined): DoctorRow {
  const check = "the role trusts only this repository's workflows (GitHub OIDC)";
  const fix = 'Use docs/oidc-trust-policy.json (or -caller.json when another repository calls the workflow).';
  const oidc = trust.filter(
    (statement) =>
      statement.Effect === 'Allow' &&
      principals(statement, 'Federated').some((principal) => principal.endsWith(`oidc-provider/${OIDC}`)) &&
      (statement.Action ?? []).includes('sts:AssumeRoleWithWebIdentity'),
  );
  if (oidc.length === 0)
    return fail(
      check,
      'global',
      `No statement lets GitHub's OIDC provider (${OIDC}) assume the role. ${fix}`,
    );
  if (!repository)
    return {
      check,
      region: 'global',
      result: 'unknown',
      change: 'Not checked: no repository known; give doctor-repository <owner>/<name>.',
    };
  for (const statement of oidc) {
    const audiences = conditionValues(statement, `${OIDC}:aud`);
    const subjects = conditionValues(statement, `${OIDC}:sub`);
    const workflows = conditionValues(statement, `${OIDC}:job_workflow_ref`);
    const problems = [
      ...(audiences.length === 0 || audiences.some((value) => value !== 'sts.amazonaws.com')
        ? [`aud must be sts.amazonaws.com`]
        : []),
      ...(subjects.length === 0 || subjects.some((value) => !value.startsWith(`repo:${repository}:`))
        ? [`sub must name repo:${repository}:… (found ${subjects.join(', ') || 'none'})`]
        : []),
      ...(workflows.length === 0 ||
      workflows.some((value) => !/^[\w.-]+\/[\w.-]+\/\.github\/workflows\/[\w.-]+\.ya?ml@/.test(value))
        ? [`job_workflow_ref must name the workflow files (found ${workflows.join(', ') || 'none'})`]
        : []),
    ];
    if (problems.length > 0) return fail(check, 'global', `${problems.join('; ')}. ${fix}`);
  }
  return pass(
    check,
    'global',
    `${repository}: ${oidc.flatMap((statement) => conditionValues(statement, `${OIDC}:job_workflow_ref`)).join(', ')}`,
  );
}

/** Each region's account settings that stop a run from publishing there. */
export async function regionRows(
  settings: Settings,
  clients: AwsClients,
  region: string,
): Promise<DoctorRow[]> {
  if (!settings.publish.public) return [];
  const ec2 = clients.ec2(region);
  const perRun =
    settings.selection.architectures.length * settings.flavours.filter((flavour) => !flavour.kmsKeyId).length;
  const quota = settings.publish.publicAmiQuota;
  return [
    ...(await checked('block public access for AMIs is off', region, async () =>
      (await blocksPublicAmis(ec2))
        ? fail(
            'block public access for AMIs is off',
            region,
            `Turn it off: aws ec2 disable-image-block-public-access --region ${region} (takes up to 10 minutes).`,
          )
        : pass('block public access for AMIs is off', region),
    )),
    ...(await checked('block public access for snapshots is off', region, async () =>
      (await blocksPublicSnapshots(ec2))
        ? fail(
            'block public access for snapshots is off',
            region,
            `Turn it off: aws ec2 disable-snapshot-block-public-access --region ${region}.`,
          )
        : pass('block public access for snapshots is off', region),
    )),
    ...(await checked('EBS encryption by default is off', region, async () =>
      (await encryptsByDefault(ec2))
        ? fail(
            'EBS encryption by default is off',
            region,
            `Encrypted snapshots can never be public: aws ec2 disable-ebs-encryption-by-default --region ${region}.`,
          )
        : pass('EBS encryption by default is off', region),
    )),
    ...(await checked('the public-AMI quota holds a run', region, async () => {
      const now = await publicAmiCount(ec2);
      const check = 'the public-AMI quota holds a run';
      return now + perRun > quota
        ? fail(
            check,
            region,
            `${now} public AMIs now + ${perRun} per run > public-ami-quota ${quota}: request more "Public AMIs" in Service Quotas (Amazon EC2) for ${region}, then raise public-ami-quota.`,
          )
        : pass(check, region, `${now} now + ${perRun} per run ≤ ${quota}`);
    })),
  ];
}

/** Where a boot test would launch in the base region, and whether the account tagged it for fedimg. */
export async function networkRows(
  settings: Settings,
  clients: AwsClients,
): Promise<{ rows: DoctorRow[]; network: LaunchNetwork | undefined }> {
  const region = settings.baseRegion;
  const check = 'the boot test has a network tagged for it';
  let network: LaunchNetwork | undefined;
  const rows = await checked(check, region, async () => {
    network = await launchNetwork(
      clients.ec2(region),
      region,
      settings.bootTest.subnetId,
      settings.bootTest.securityGroupIds,
    );
    if (network.problem) return fail(check, region, network.problem);
    const untagged = [
      ...(network.subnet && settings.bootTest.subnetId ? [network.subnet] : []),
      ...network.groups,
    ].filter((part) => part.tags[TAG.bootTestNetwork] !== 'allowed');
    if (untagged.length > 0)
      return fail(
        check,
        region,
        `The role may launch only where the account tagged it: aws ec2 create-tags --region ${region} --resources ${untagged.map((part) => part.id).join(' ')} --tags Key=${TAG.bootTestNetwork},Value=allowed`,
      );
    return pass(
      check,
      region,
      [
        ...(settings.bootTest.subnetId ? [settings.bootTest.subnetId] : ['default VPC']),
        ...network.groups.map((group) => group.id),
      ].join(', '),
    );
  });
  return { rows, network: network?.problem ? undefined : network };
}

/** Marketplace's access role: it exists, AWS Marketplace may assume it, and it has AWS's managed policy. */
export async function accessRoleRows(settings: Settings, clients: AwsClients): Promise<DoctorRow[]> {
  const arn = settings.marketplace.accessRoleArn;
  const role: RoleRef | undefined = arn ? parseRoleArn(arn) : undefined;
  if (!role) return [];
  const check = `the access role ${role.name} is ready for AWS Marketplace`;
  return checked(check, 'global', async () => {
    const facts = await describeRole(clients.iam(), role.name);
    const trusting = facts.trust.filter(
      (statement) =>
        statement.Effect === 'Allow' &&
        principals(statement, 'Service').includes('assets.marketplace.amazonaws.com') &&
        (statement.Action ?? []).includes('sts:AssumeRole'),
    );
    // AWS does not document that AWS Marketplace sets these when it assumes the role: a condition
    // on a key the request lacks fails, so such a trust can never be used.
    const unsetKeys = trusting.flatMap((statement) =>
      Object.values(statement.Condition ?? {}).flatMap((keys) =>
        Object.keys(keys).filter((key) => /^aws:Source(Account|Arn)$/i.test(key)),
      ),
    );
    const trusted = trusting.length > 0 && unsetKeys.length === 0;
    const attached = await attachedPolicyArns(clients.iam(), role.name);
    const managed = `arn:${role.partition}:iam::aws:policy/AWSMarketplaceAmiIngestion`;
    const problems = [
      ...(trusted
        ? []
        : [
            unsetKeys.length > 0
              ? `remove the ${[...new Set(unsetKeys)].join(' and ')} condition from its trust (AWS does not document that AWS Marketplace sets it, and the role could never be assumed)`
              : 'its trust policy must let assets.marketplace.amazonaws.com sts:AssumeRole it',
          ]),
      ...(attached.includes(managed) ? [] : [`attach AWS's managed policy ${managed}`]),
    ];
    return problems.length > 0
      ? fail(check, 'global', `${problems.join('; ')} (docs/marketplace-access-role.json).`)
      : pass(
          check,
          'global',
          'trusted by assets.marketplace.amazonaws.com; AWSMarketplaceAmiIngestion attached',
        );
  });
}
