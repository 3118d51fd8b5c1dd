/**
 * Policy documents as a role holds them: each statement remembers the policy it came from and where
 * it stands in that policy's text, which is what IAM's policy simulator reports for a matched
 * statement (SourcePolicyId, StartPosition, EndPosition).
 */
import { statementsOf, type PolicyDocument, type PolicyStatement } from './evaluate.js';

export interface Position {
  Line: number;
  Column: number;
}

export interface StatementSource {
  policy: string;
  start: Position;
  end: Position;
}

const sources = new WeakMap<PolicyStatement, StatementSource>();

export const sourceOf = (statement: PolicyStatement): StatementSource | undefined => sources.get(statement);

export function fillPlaceholders(text: string, variables: Record<string, string>): string {
  return text.replace(/<([A-Z_0-9]+)>/g, (whole, name: string) => variables[name] ?? whole);
}

interface Span {
  start: number;
  end: number;
  /** An object's members by key, an array's elements by index. */
  children: Map<string, Span>;
}

/** Where every value of a JSON text starts and ends, by a small recursive-descent scan. */
function spans(text: string): Span {
  let at = 0;
  const skip = () => {
    while (/\s/.test(text[at] ?? '')) at++;
  };
  const string = (): string => {
    const begin = at;
    at++;
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return JSON.parse(text.slice(begin, at)) as string;
  };
  const value = (): Span => {
    skip();
    const start = at;
    const children = new Map<string, Span>();
    const open = text[at];
    if (open === '{' || open === '[') {
      at++;
      skip();
      let index = 0;
      while (text[at] !== (open === '{' ? '}' : ']')) {
        skip();
        let key = String(index++);
        if (open === '{') {
          key = string();
          skip();
          at++; // the colon
        }
        children.set(key, value());
        skip();
        if (text[at] === ',') at++;
        skip();
      }
      at++;
    } else if (open === '"') string();
    else while (at < text.length && !/[\s,}\]]/.test(text[at]!)) at++;
    return { start, end: at, children };
  };
  return value();
}

function position(text: string, offset: number): Position {
  const before = text.slice(0, offset).split('\n');
  return { Line: before.length, Column: before[before.length - 1]!.length + 1 };
}

/** Where each statement of a policy's text starts and ends (1-based lines and columns). */
export function statementPositions(text: string): Array<{ start: Position; end: Position }> {
  const statements = spans(text).children.get('Statement');
  if (!statements) return [];
  const list = text[statements.start] === '[' ? [...statements.children.values()] : [statements];
  return list.map((span) => ({ start: position(text, span.start), end: position(text, span.end) }));
}

/**
 * Several policy documents (a role's attached policies) as one, with `<NAME>` placeholders filled
 * from `variables`; a placeholder left unfilled stays literal and so matches nothing (fails closed).
 * `names` are the policies' names (default policy-1, policy-2, …), for the simulator's answers.
 */
export function combinePolicies(
  texts: string[],
  variables: Record<string, string> = {},
  names: string[] = [],
): PolicyDocument {
  const statements = texts.flatMap((raw, index) => {
    const text = fillPlaceholders(raw, variables);
    const document = JSON.parse(text) as PolicyDocument;
    const positions = statementPositions(text);
    return statementsOf(document).map((statement, at) => {
      const position = positions[at] ?? { start: { Line: 0, Column: 0 }, end: { Line: 0, Column: 0 } };
      sources.set(statement, { policy: names[index] ?? `policy-${index + 1}`, ...position });
      return statement;
    });
  });
  return { Version: '2012-10-17', Statement: statements };
}
