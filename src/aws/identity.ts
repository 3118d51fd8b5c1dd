import {
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import * as z from 'zod';

/** Who fedimg runs as, the roles it names, and what IAM's policy simulator says they may do. */

/** An IAM role by its ARN's parts (the path is part of the name IAM calls it by: `role/<path><name>`). */
export interface RoleRef {
  arn: string;
  partition: string;
  account: string;
  /** The role's name, without its path (what GetRole takes). */
  name: string;
}

const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const ASSUMED_ROLE =
  /^arn:(aws|aws-cn|aws-us-gov):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/[\w+=,.@-]+$/;

export function parseRoleArn(arn: string): RoleRef | undefined {
  const match = ROLE_ARN.exec(arn);
  return match ? { arn, partition: match[1]!, account: match[2]!, name: match[3]! } : undefined;
}

/**
 * The role behind an assumed-role session ARN (`arn:aws:sts::<account>:assumed-role/<name>/<session>`),
 * with the ARN it would have at the root path; the session ARN does not carry the role's path.
 */
export function roleOfSession(arn: string): RoleRef | undefined {
  const match = ASSUMED_ROLE.exec(arn);
  if (!match) return undefined;
  const [, partition, account, name] = match;
  return {
    arn: `arn:${partition}:iam::${account}:role/${name}`,
    partition: partition!,
    account: account!,
    name: name!,
  };
}

export async function callerArn(sts: STSClient): Promise<string> {
  const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
  return Arn ?? '';
}

/** IAM's JSON policy language, as far as a trust policy is read here; anything else is kept as is. */
const stringOrList = z.union([z.string(), z.array(z.string())]).transform((value) => [value].flat());
const PolicyText = z.object({
  Statement: z.union([z.array(z.unknown()), z.unknown()]).transform((value) => [value].flat()),
});
export const TrustStatement = z.object({
  Effect: z.enum(['Allow', 'Deny']),
  Principal: z.union([z.literal('*'), z.record(z.string(), stringOrList)]).optional(),
  Action: stringOrList.optional(),
  Condition: z.record(z.string(), z.record(z.string(), stringOrList)).optional(),
});
export type TrustStatement = z.infer<typeof TrustStatement>;

export interface RoleFacts {
  arn: string;
  /** The trust policy's statements IAM returned; ones fedimg cannot read are left out. */
  trust: TrustStatement[];
  /** How long the role's sessions may last, in seconds (MaxSessionDuration), when IAM said. */
  maxSessionSeconds: number | undefined;
}

/** A role as GetRole returns it: its ARN (with its path) and its trust policy, parsed. */
export async function describeRole(iam: IAMClient, name: string): Promise<RoleFacts> {
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: name }));
  let document: unknown;
  try {
    document = JSON.parse(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? ''));
  } catch {
    document = undefined;
  }
  const statements = PolicyText.safeParse(document);
  const trust = statements.success
    ? statements.data.Statement.flatMap((statement) => {
        const parsed = TrustStatement.safeParse(statement);
        return parsed.success ? [parsed.data] : [];
      })
    : [];
  return { arn: Role?.Arn ?? '', trust, maxSessionSeconds: Role?.MaxSessionDuration };
}

export async function attachedPolicyArns(iam: IAMClient, name: string): Promise<string[]> {
  const arns: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, Marker }));
    arns.push(
      ...(page.AttachedPolicies ?? []).flatMap((policy) => (policy.PolicyArn ? [policy.PolicyArn] : [])),
    );
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return arns;
}

export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/**
 * IAM's policy simulator on one action and one resource, with the condition keys the real call
 * carries (the simulator fetches no tags itself); `missing` lists keys the policy tests that the
 * context did not give.
 */
export async function simulate(
  iam: IAMClient,
  roleArn: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
): Promise<{ decision: Decision; missing: string[] }> {
  const { EvaluationResults = [] } = await iam.send(
    new SimulatePrincipalPolicyCommand({
      PolicySourceArn: roleArn,
      ActionNames: [action],
      ResourceArns: [resource],
      ContextEntries: Object.entries(context).map(([ContextKeyName, value]) => ({
        ContextKeyName,
        ContextKeyValues: [value].flat(),
        ContextKeyType: Array.isArray(value) ? 'stringList' : 'string',
      })),
    }),
  );
  const result = EvaluationResults[0];
  const decision = result?.EvalDecision;
  return {
    decision: decision === 'allowed' || decision === 'explicitDeny' ? decision : 'implicitDeny',
    missing: result?.MissingContextValues ?? [],
  };
}
