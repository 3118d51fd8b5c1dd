/**
 * IAM (query protocol, global, signed for us-east-1) for what fedimg doctor reads, after the IAM API
 * Reference: GetRole (the trust policy URL-encoded, as IAM returns it), ListAttachedRolePolicies,
 * ListRolePolicies, and SimulatePrincipalPolicy, which evaluates the principal's policies with the
 * same evaluator the emulator enforces, for each action × resource with the context entries given.
 * As IAM's simulator does, it fetches no resource tags: a condition on them sees only what
 * ContextEntries supply, and keys the matching statements test but the entries lack are listed as
 * MissingContextValues.
 */
import { AwsError } from '../../errors.js';
import type { RestResponse } from '../../http.js';
import { explain, statementsOf, type PolicyDocument, type PolicyStatement } from '../../iam/evaluate.js';
import { combinePolicies, sourceOf } from '../../iam/policies.js';
import type { AccountState } from '../../state.js';
import { queryResponse } from '../../wire/query-xml.js';
import { AWS_MANAGED_POLICIES, CALLER_ROLE, type IamState, type Role } from './state.js';

const NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

/** What the emulator enforces on a caller with no IAM policy set: everything (as AdministratorAccess). */
const EVERYTHING: PolicyDocument = combinePolicies(
  [JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })],
  {},
  ['AdministratorAccess'],
);

const noSuchRole = (name: string) =>
  new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);

function roleNamed(iam: IamState, name: string | null): Role {
  if (!name) throw new AwsError('ValidationError', 'RoleName is required.', 400);
  const role = iam.roles.get(name);
  if (!role) throw noSuchRole(name);
  return role;
}

/** A query list (`Name.member.N`) as an array. */
function members(params: URLSearchParams, name: string): string[] {
  const found: Array<[number, string]> = [];
  for (const [key, value] of params) {
    const match = new RegExp(`^${name}\\.member\\.(\\d+)$`).exec(key);
    if (match) found.push([Number(match[1]), value]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

function contextEntries(params: URLSearchParams): Record<string, string[]> {
  const context: Record<string, string[]> = {};
  for (let index = 1; params.has(`ContextEntries.member.${index}.ContextKeyName`); index++) {
    const prefix = `ContextEntries.member.${index}`;
    context[params.get(`${prefix}.ContextKeyName`)!] = members(params, `${prefix}.ContextKeyValues`);
  }
  return context;
}

/** A role's policies: the caller role's are the emulator's policy; others' are their own. */
export function policiesOf(role: Role, callerPolicy: PolicyDocument | undefined): PolicyDocument {
  if (role.name === CALLER_ROLE) return callerPolicy ?? EVERYTHING;
  const managed = role.attached.flatMap((arn) => {
    const name = /^arn:aws:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
    const text = name ? AWS_MANAGED_POLICIES[name] : undefined;
    return text ? [{ name: name!, text }] : [];
  });
  const all = [...managed, ...[...role.inline].map(([name, text]) => ({ name, text }))];
  return combinePolicies(
    all.map((policy) => policy.text),
    {},
    all.map((policy) => policy.name),
  );
}

const DECISIONS = {
  allow: 'allowed',
  'explicit-deny': 'explicitDeny',
  'implicit-deny': 'implicitDeny',
} as const;

function matchedStatement(statement: PolicyStatement) {
  const source = sourceOf(statement);
  return {
    SourcePolicyId: source?.policy ?? 'policy',
    SourcePolicyType: 'IAM Policy',
    StartPosition: source?.start,
    EndPosition: source?.end,
  };
}

/** Condition keys the statements for this action and resource test that the context lacks. */
function missingContext(
  policy: PolicyDocument,
  action: string,
  resource: string,
  context: Record<string, string[]>,
) {
  const relevant = statementsOf(policy).filter(
    (statement) =>
      explain({ Statement: [{ ...statement, Condition: undefined }] }, { action, resource, context })
        .decision !== 'implicit-deny',
  );
  const keys = relevant.flatMap((statement) =>
    Object.entries(statement.Condition ?? {})
      .filter(([operator]) => operator !== 'Null' && !operator.endsWith('IfExists'))
      .flatMap(([, condition]) => Object.keys(condition)),
  );
  const present = Object.keys(context).map((key) => key.toLowerCase());
  return [...new Set(keys.filter((key) => !present.includes(key.toLowerCase())))];
}

export function handleIam(
  state: AccountState,
  operation: string,
  params: URLSearchParams,
  requestId: string,
  callerPolicy: PolicyDocument | undefined,
): RestResponse {
  const answer = (result: Record<string, unknown>): RestResponse => ({
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: queryResponse(operation, NAMESPACE, result, requestId),
  });
  const iam = state.iam;
  switch (operation) {
    case 'GetRole': {
      const role = roleNamed(iam, params.get('RoleName'));
      return answer({
        Role: {
          Path: role.path,
          RoleName: role.name,
          RoleId: role.roleId,
          Arn: role.arn,
          CreateDate: role.created,
          AssumeRolePolicyDocument: encodeURIComponent(role.trustPolicy),
          MaxSessionDuration: role.maxSessionDuration,
        },
      });
    }
    case 'ListAttachedRolePolicies': {
      const role = roleNamed(iam, params.get('RoleName'));
      return answer({
        AttachedPolicies: role.attached.map((arn) => ({ PolicyName: arn.split('/').pop(), PolicyArn: arn })),
        IsTruncated: false,
      });
    }
    case 'ListRolePolicies': {
      const role = roleNamed(iam, params.get('RoleName'));
      return answer({ PolicyNames: [...role.inline.keys()], IsTruncated: false });
    }
    case 'SimulatePrincipalPolicy': {
      const source = params.get('PolicySourceArn') ?? '';
      if (!/^arn:aws:iam::\d{12}:(role|user|group)\/.+$/.test(source))
        throw new AwsError(
          'InvalidInput',
          `PolicySourceArn ${source || '(none)'} is not the ARN of a user, group or role.`,
          400,
        );
      const role = iam.roleByArn(source);
      if (!role) throw new AwsError('NoSuchEntity', `No principal with ARN ${source} exists.`, 404);
      const actions = members(params, 'ActionNames');
      if (actions.length === 0)
        throw new AwsError('InvalidInput', 'ActionNames must name at least one action.', 400);
      const resources = members(params, 'ResourceArns');
      const context = contextEntries(params);
      const policy = policiesOf(role, callerPolicy);
      const results = actions.flatMap((action) =>
        (resources.length > 0 ? resources : ['*']).map((resource) => {
          const { decision, matched } = explain(policy, { action, resource, context });
          return {
            EvalActionName: action,
            EvalResourceName: resource,
            EvalDecision: DECISIONS[decision],
            MatchedStatements: matched.map(matchedStatement),
            MissingContextValues: missingContext(policy, action, resource, context),
          };
        }),
      );
      return answer({ EvaluationResults: results, IsTruncated: false });
    }
    default:
      throw new AwsError(
        'InvalidAction',
        `Could not find operation ${operation} for version 2010-05-08`,
        400,
      );
  }
}
