/**
 * What fedimg publishes (the event log a release carries and webhooks receive, the manifest, the
 * release notes, job summaries) is public, and AWS's error text names the account: the caller's
 * ARN with its account ID, role and session, the resources' ARNs, and on EC2 an encoded
 * authorization message (STS DecodeAuthorizationMessage turns it into the full request context).
 * None of it helps a reader of the release; the job log, where the account ID is masked, keeps
 * the rest.
 */

// arn:partition:service:region:account:resource (IAM User Guide, "IAM ARNs"); the resource part
// runs to the next blank, quote or bracket.
const ARN = /\barn:(aws[a-z-]*):([a-z0-9-]*):[a-z0-9-]*:(\d{12})?:[^\s"'<>()[\]{},;]+/g;
// A bare account ID: twelve digits standing alone (AMI, snapshot and other IDs are hex after a
// dash, 8 or 17 digits long, and are never matched whole).
const ACCOUNT_ID = /(?<![\w-])\d{12}(?![\w-])/g;
// EC2's "Encoded authorization failure message: <base64url>" (STS DecodeAuthorizationMessage).
const ENCODED_MESSAGE = /(encoded authorization failure message:?\s*)[A-Za-z0-9_+/=-]{16,}/gi;

export const REDACTED_ACCOUNT = '<account>';

/** The text with ARNs, account IDs and encoded authorization messages replaced by placeholders. */
export function redact(text: string): string {
  return text
    .replace(ENCODED_MESSAGE, '$1<redacted>')
    .replace(ARN, (_arn, _partition: string, service: string) => `<${service || 'aws'} ARN>`)
    .replace(ACCOUNT_ID, REDACTED_ACCOUNT);
}

/** A JSON value with every string in it redacted (numbers, keys and structure are kept). */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactValue(item)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, redactValue(item)]),
    ) as T;
  }
  return value;
}
