/**
 * AWS Marketplace taking in a new version's AMI through the seller's access role (AmiSource's
 * AccessRoleArn). The seller guide ("Give AWS Marketplace access to your AMI") has the seller create
 * a role that AWS Marketplace's asset ingestion (assets.marketplace.amazonaws.com) may assume, with
 * AWS's managed policy AWSMarketplaceAmiIngestion. So the emulator, when a change set runs:
 * - finds the role in this account;
 * - evaluates its trust policy for that service principal and sts:AssumeRole. AWS does not document
 *   that this service sets aws:SourceAccount or aws:SourceArn when it assumes the role, so the
 *   request carries no such key, and a trust condition on one fails, as a condition on an absent
 *   key does;
 * - evaluates the role's policies for each action of the managed policy, on the AMI and its
 *   snapshots (which calls the service makes is not documented; the managed policy is AWS's own
 *   statement of what it needs).
 * A failure ends the change set's change with INVALID_ACCESS_ROLE: the code AWS uses for it is not
 * in the part of the AMI error table the emulator's authors could read, so this name is the
 * emulator's own.
 */
import { ACCOUNT_ID } from '../../constants.js';
import { authorizationFor } from '../../iam/model/index.js';
import { ec2Candidates } from '../../iam/requests/ec2.js';
import { evaluate, statementMatches, statementsOf, type PolicyStatement } from '../../iam/evaluate.js';
import type { AccountState, Image } from '../../state.js';
import { policiesOf } from '../iam/index.js';

export const INGESTION_SERVICE = 'assets.marketplace.amazonaws.com';
/** AWS Marketplace's account that copies and scans AMIs (the seller guide's self-service scanning). */
export const MARKETPLACE_INGESTION_ACCOUNT = '679593333241';

export interface Problem {
  ErrorCode: string;
  ErrorMessage: string;
}

type TrustStatement = PolicyStatement & { Principal?: { Service?: string | string[] } | string };

function trusts(trustPolicy: string): boolean {
  const statements = statementsOf(
    JSON.parse(trustPolicy) as { Statement: TrustStatement[] },
  ) as TrustStatement[];
  const request = { action: 'sts:AssumeRole', resource: '*', context: {} };
  const forService = statements.filter((statement) => {
    const principal = statement.Principal;
    const services = typeof principal === 'object' ? [principal.Service ?? []].flat() : [];
    return principal === '*' || services.includes(INGESTION_SERVICE);
  });
  const matching = forService.filter((statement) => statementMatches(statement, request));
  return (
    !matching.some((statement) => statement.Effect === 'Deny') && matching.some((s) => s.Effect === 'Allow')
  );
}

/** What the ingestion does with the AMI, as EC2 requests: the managed policy's five actions. */
function ingestionRequests(image: Image): Array<[string, Record<string, unknown>]> {
  const snapshots = image.blockDeviceMappings.flatMap((mapping) =>
    mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
  );
  const share = { Add: [{ UserId: MARKETPLACE_INGESTION_ACCOUNT }] };
  return [
    ['DescribeImages', { ImageIds: [image.id] }],
    ['DescribeImageAttribute', { ImageId: image.id, Attribute: 'launchPermission' }],
    ['ModifyImageAttribute', { ImageId: image.id, LaunchPermission: share }],
    ...snapshots.flatMap((id): Array<[string, Record<string, unknown>]> => [
      ['DescribeSnapshotAttribute', { SnapshotId: id, Attribute: 'createVolumePermission' }],
      ['ModifySnapshotAttribute', { SnapshotId: id, CreateVolumePermission: share }],
    ]),
  ];
}

/** The problems that stop AWS Marketplace from taking `image` in through `roleArn`. */
export function ingestionProblems(state: AccountState, roleArn: string, image: Image): Problem[] {
  const refuse = (message: string): Problem[] => [
    { ErrorCode: 'INVALID_ACCESS_ROLE', ErrorMessage: message },
  ];
  const role = state.iam.roleByArn(roleArn);
  if (!role || !roleArn.startsWith(`arn:aws:iam::${ACCOUNT_ID}:`))
    return refuse(`AWS Marketplace cannot assume ${roleArn}: there is no such role in this account.`);
  if (!trusts(role.trustPolicy))
    return refuse(
      `AWS Marketplace cannot assume ${roleArn}: its trust policy does not let ${INGESTION_SERVICE} sts:AssumeRole it.`,
    );
  const policy = policiesOf(role, undefined);
  const denied = ingestionRequests(image).flatMap(([operation, input]) =>
    ec2Candidates(state, image.region, operation, input)
      .map((candidate) => authorizationFor(candidate))
      .filter((request) => evaluate(policy, request) !== 'allow')
      .map((request) => `${request.action} on ${request.resource}`),
  );
  return denied.length > 0
    ? refuse(`The access role ${roleArn} may not ${[...new Set(denied)].join(', ')}.`)
    : [];
}
