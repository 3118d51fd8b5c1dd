import { escapeXml } from './ec2-query.js';

/**
 * The awsQuery protocol's answers (IAM, STS): `<OperationResponse><OperationResult>…</…Result>
 * <ResponseMetadata>` with members under their names and list items as <member> (AWS Query API
 * reference, "Query responses"). Undefined members are left out.
 */
export function queryResponse(
  operation: string,
  namespace: string,
  result: Record<string, unknown>,
  requestId: string,
): string {
  return `<${operation}Response xmlns="${namespace}"><${operation}Result>${members(result)}</${operation}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
}

function members(value: Record<string, unknown>): string {
  return Object.entries(value)
    .filter(([, member]) => member !== undefined)
    .map(([name, member]) => `<${name}>${encode(member)}</${name}>`)
    .join('');
}

function encode(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => `<member>${encode(item)}</member>`).join('');
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') return members(value as Record<string, unknown>);
  return escapeXml(String(value));
}
