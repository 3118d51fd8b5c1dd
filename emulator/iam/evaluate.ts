/**
 * IAM policy evaluation for the emulator, as the IAM User Guide describes it for identity-based
 * policies ("Policy evaluation logic", read 2026-12-04): an explicit Deny wins, otherwise some Allow
 * must match, otherwise the request is implicitly denied. A statement matches when its Action (or
 * NotAction) and Resource (or NotResource) patterns match and every condition holds.
 *
 * Conditions follow "IAM JSON policy elements: Condition operators" and "Single-valued vs.
 * multivalued context keys" (read 2026-12-04):
 * - every operator block and every key in it must hold; the values listed for one key are ORed;
 * - a key absent from the request context fails the condition, except that a negated operator
 *   (StringNotEquals, ArnNotLike, NumericNotEquals, ...) then holds, `…IfExists` holds, and `Null`
 *   tests exactly for absence;
 * - ForAllValues holds when every value of the context key matches (and when the key is absent);
 *   ForAnyValue holds when at least one does (never when the key is absent);
 * - Arn operators compare the six colon-separated parts, each with * and ? wildcards.
 * Date, IpAddress and Binary operators are not evaluated: no fedimg policy uses them, and the
 * emulator refuses a policy that does rather than guess.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
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
  /** The SAR resource type the resource is (for the request log; evaluation does not use it). */
  resourceType?: string;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export const statementsOf = (policy: PolicyDocument): PolicyStatement[] => list(policy.Statement);

/**
 * Compiled patterns: every request is checked against every statement's patterns. Bounded, for
 * patterns with policy variables filled in per request.
 */
const compiled = new Map<string, RegExp>();
const MOST_COMPILED = 10_000;

/** IAM wildcards: * any run of characters, ? one character. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const flags = ignoreCase ? 'is' : 's';
  const key = `${flags} ${pattern}`;
  let regex = compiled.get(key);
  if (!regex) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    regex = new RegExp(`^${source}$`, flags);
    if (compiled.size >= MOST_COMPILED) compiled.clear();
    compiled.set(key, regex);
  }
  return regex.test(value);
}

/** ArnLike: arn:partition:service:region:account:resource, each part matched on its own. */
function arnLike(pattern: string, value: string): boolean {
  const split = (arn: string) => {
    const parts = arn.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const want = split(pattern);
  const have = split(value);
  if (!want || !have) return false;
  return want.every((part, index) => wildcard(part, have[index]!, false));
}

type Comparison = (policyValue: string, contextValue: string) => boolean;

const number = (value: string) => (value.trim() === '' ? NaN : Number(value));
const numeric =
  (test: (policy: number, context: number) => boolean): Comparison =>
  (p, c) => {
    const [a, b] = [number(p), number(c)];
    return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
  };

/** Each operator: how one policy value compares with one context value, and whether it is negated. */
const COMPARISONS: Record<string, { compare: Comparison; negated: boolean }> = {
  StringEquals: { compare: (p, c) => p === c, negated: false },
  StringNotEquals: { compare: (p, c) => p === c, negated: true },
  StringEqualsIgnoreCase: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: true },
  StringLike: { compare: (p, c) => wildcard(p, c, false), negated: false },
  StringNotLike: { compare: (p, c) => wildcard(p, c, false), negated: true },
  ArnEquals: { compare: arnLike, negated: false },
  ArnLike: { compare: arnLike, negated: false },
  ArnNotEquals: { compare: arnLike, negated: true },
  ArnNotLike: { compare: arnLike, negated: true },
  NumericEquals: { compare: numeric((p, c) => c === p), negated: false },
  NumericNotEquals: { compare: numeric((p, c) => c === p), negated: true },
  NumericLessThan: { compare: numeric((p, c) => c < p), negated: false },
  NumericLessThanEquals: { compare: numeric((p, c) => c <= p), negated: false },
  NumericGreaterThan: { compare: numeric((p, c) => c > p), negated: false },
  NumericGreaterThanEquals: { compare: numeric((p, c) => c >= p), negated: false },
  Bool: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
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

/** Whether one condition (operator, key, policy values) holds in a request context. */
export function conditionHolds(
  operator: string,
  key: string,
  policyValues: string[],
  context: Record<string, string | string[]>,
): boolean {
  const found = lookup(context, key);
  const values = found === undefined || found.length === 0 ? undefined : found;
  if (operator === 'Null') {
    const wantsAbsent = policyValues.some((value) => value.toLowerCase() === 'true');
    return wantsAbsent === (values === undefined);
  }
  const qualifier = /^(ForAllValues|ForAnyValue):/.exec(operator)?.[1];
  let name = qualifier ? operator.slice(qualifier.length + 1) : operator;
  const ifExists = name.endsWith('IfExists');
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const comparison = COMPARISONS[name];
  if (!comparison) throw new Error(`the emulator does not evaluate the condition operator ${operator}`);
  if (values === undefined) {
    if (ifExists || qualifier === 'ForAllValues') return true;
    if (qualifier === 'ForAnyValue') return false;
    return comparison.negated;
  }
  // One context value satisfies the operator: a positive operator matches some policy value, a
  // negated one matches none of them.
  const satisfies = (value: string) => {
    const matched = policyValues.some((policyValue) => comparison.compare(policyValue, value));
    return comparison.negated ? !matched : matched;
  };
  if (qualifier === 'ForAllValues') return values.every(satisfies);
  if (qualifier === 'ForAnyValue') return values.some(satisfies);
  // A single-valued operator on a multivalued key (AWS advises against it) compares as a whole:
  // positive when any value matches, negated when none does.
  const any = values.some((value) =>
    policyValues.some((policyValue) => comparison.compare(policyValue, value)),
  );
  return comparison.negated ? !any : any;
}

export function statementMatches(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  const actionMatches = (patterns: string[]) =>
    patterns.some((pattern) => wildcard(pattern, request.action, true));
  const resourceMatches = (patterns: string[]) =>
    patterns.some((pattern) => pattern === '*' || wildcard(pattern, request.resource, false));
  if (statement.Action !== undefined && !actionMatches(list(statement.Action))) return false;
  if (statement.NotAction !== undefined && actionMatches(list(statement.NotAction))) return false;
  if (statement.Resource !== undefined && !resourceMatches(list(statement.Resource))) return false;
  if (statement.NotResource !== undefined && resourceMatches(list(statement.NotResource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, value] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, list(value).map(String), request.context)) return false;
    }
  }
  return true;
}

/** The decision, and the statements that made it (the deny that won, or every allow that matched). */
export function explain(
  policy: PolicyDocument,
  request: AuthorizationRequest,
): { decision: Decision; matched: PolicyStatement[] } {
  const matching = statementsOf(policy).filter((statement) => statementMatches(statement, request));
  const denies = matching.filter((statement) => statement.Effect === 'Deny');
  if (denies.length > 0) return { decision: 'explicit-deny', matched: denies };
  const allows = matching.filter((statement) => statement.Effect === 'Allow');
  return { decision: allows.length > 0 ? 'allow' : 'implicit-deny', matched: allows };
}

export function evaluate(policy: PolicyDocument, request: AuthorizationRequest): Decision {
  return explain(policy, request).decision;
}
