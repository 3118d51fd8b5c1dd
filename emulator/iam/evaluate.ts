/**
 * IAM policy evaluation for the emulator, as the IAM User Guide's policy evaluation logic describes
 * it for one identity-based policy: an explicit Deny wins, otherwise some Allow must match, otherwise
 * the request is implicitly denied. A statement matches when its Action (or NotAction) and Resource
 * (or NotResource) patterns match and every condition holds. Supported conditions are the ones a
 * tag-scoped EC2 policy uses: String{Equals,NotEquals,EqualsIgnoreCase,Like,NotLike}, with the
 * ForAllValues:/ForAnyValue: set qualifiers and the IfExists suffix, and Null.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** One authorization IAM makes for a request: an action on a resource, with the request's context. */
export interface AuthorizationRequest {
  /** service:Operation, e.g. ec2:DeleteSnapshot. */
  action: string;
  /** The resource ARN, or * for actions without resource-level permissions. */
  resource: string;
  /** Condition keys: aws:ResourceTag/K, aws:RequestTag/K, aws:TagKeys, ec2:CreateAction, ... */
  context: Record<string, string | string[]>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** IAM wildcards: * any run of characters, ? one character. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

type Comparison = (policyValue: string, contextValue: string) => boolean;

const COMPARISONS: Record<string, { compare: Comparison; negated: boolean }> = {
  StringEquals: { compare: (p, c) => p === c, negated: false },
  StringNotEquals: { compare: (p, c) => p === c, negated: true },
  StringEqualsIgnoreCase: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: true },
  StringLike: { compare: (p, c) => wildcard(p, c, false), negated: false },
  StringNotLike: { compare: (p, c) => wildcard(p, c, false), negated: true },
};

/** Condition key names are case-insensitive; the tag key inside aws:*Tag/<key> is not. */
function lookup(context: Record<string, string | string[]>, key: string): string[] | undefined {
  const [prefix, ...rest] = key.split('/');
  const wanted = [prefix!.toLowerCase(), ...rest].join('/');
  for (const [name, value] of Object.entries(context)) {
    const [namePrefix, ...nameRest] = name.split('/');
    if ([namePrefix!.toLowerCase(), ...nameRest].join('/') === wanted) return list(value);
  }
  return undefined;
}

function conditionHolds(
  operator: string,
  key: string,
  policyValues: string[],
  context: Record<string, string | string[]>,
): boolean {
  const values = lookup(context, key);
  if (operator === 'Null') {
    const wantsAbsent = policyValues.some((value) => value === 'true');
    return wantsAbsent === (values === undefined || values.length === 0);
  }
  const qualifier = /^(ForAllValues|ForAnyValue):/.exec(operator)?.[1];
  let name = qualifier ? operator.slice(qualifier.length + 1) : operator;
  const ifExists = name.endsWith('IfExists');
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const comparison = COMPARISONS[name];
  if (!comparison) throw new Error(`the emulator does not evaluate the condition operator ${operator}`);
  if (values === undefined || values.length === 0) {
    // A missing key: IfExists and ForAllValues hold vacuously; everything else fails.
    return ifExists || qualifier === 'ForAllValues';
  }
  const matches = (value: string) =>
    policyValues.some((policyValue) => comparison.compare(policyValue, value));
  if (qualifier === 'ForAllValues')
    return values.every((value) => (comparison.negated ? !matches(value) : matches(value)));
  const any = values.some(matches);
  return comparison.negated ? !any : any;
}

function statementMatches(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  const actionMatches = (patterns: string[]) =>
    patterns.some((pattern) => wildcard(pattern, request.action, true));
  const resourceMatches = (patterns: string[]) =>
    patterns.some((pattern) => wildcard(pattern, request.resource, false) || pattern === '*');
  if (statement.Action !== undefined && !actionMatches(list(statement.Action))) return false;
  if (statement.NotAction !== undefined && actionMatches(list(statement.NotAction))) return false;
  if (statement.Resource !== undefined && !resourceMatches(list(statement.Resource))) return false;
  if (statement.NotResource !== undefined && resourceMatches(list(statement.NotResource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, value] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, list(value), request.context)) return false;
    }
  }
  return true;
}

export function evaluate(policy: PolicyDocument, request: AuthorizationRequest): Decision {
  const statements = list(policy.Statement as never) as unknown as PolicyStatement[];
  const matching = statements.filter((statement) => statementMatches(statement, request));
  if (matching.some((statement) => statement.Effect === 'Deny')) return 'explicit-deny';
  return matching.some((statement) => statement.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

/**
 * Several policy documents (a role's attached policies) as one, with `<NAME>` placeholders filled
 * from `variables`; a placeholder left unfilled stays literal and so matches nothing (fails closed).
 */
export function combinePolicies(texts: string[], variables: Record<string, string> = {}): PolicyDocument {
  const statements = texts.flatMap((text) => {
    const filled = text.replace(/<([A-Z_]+)>/g, (whole, name: string) => variables[name] ?? whole);
    const document = JSON.parse(filled) as PolicyDocument;
    return list(document.Statement as never) as unknown as PolicyStatement[];
  });
  return { Version: '2012-10-17', Statement: statements };
}
