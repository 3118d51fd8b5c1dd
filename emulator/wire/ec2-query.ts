import { NormalizedSchema } from '@smithy/core/schema';

/**
 * The EC2 query protocol, driven by the AWS API models the SDK ships (as moto does with botocore's),
 * so that every wire name the emulator reads or writes is the one AWS uses.
 *
 * Requests are form-encoded: a member's key is its ec2QueryName, else its capitalised xmlName, else
 * its capitalised name; lists are flattened with 1-based indexes (`Filter.1.Value.1`).
 * Responses are XML with each member under its xmlName and list items as <item>.
 */

type Tree = { [key: string]: Tree | string };

function toTree(params: URLSearchParams): Tree {
  const root: Tree = {};
  for (const [key, value] of params) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next === 'object') node = next;
      else node = node[part] = {};
    }
    node[parts[parts.length - 1]!] = value;
  }
  return root;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function queryName(memberName: string, member: NormalizedSchema): string {
  const traits = member.getMergedTraits() as { ec2QueryName?: string; xmlName?: string };
  return traits.ec2QueryName ?? (traits.xmlName ? capitalize(traits.xmlName) : capitalize(memberName));
}

function decodeValue(node: Tree | string | undefined, schema: NormalizedSchema): unknown {
  if (node === undefined) return undefined;
  if (schema.isListSchema()) {
    if (typeof node === 'string') return node === '' ? [] : [decodeValue(node, schema.getValueSchema())];
    return Object.keys(node)
      .filter((key) => /^\d+$/.test(key))
      .sort((a, b) => Number(a) - Number(b))
      .map((key) => decodeValue(node[key], schema.getValueSchema()));
  }
  if (schema.isStructSchema()) {
    if (typeof node === 'string') return {};
    const out: Record<string, unknown> = {};
    for (const [name, member] of schema.structIterator()) {
      const value = decodeValue(node[queryName(name, member)], member);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  if (typeof node !== 'string') return undefined;
  if (schema.isBooleanSchema()) return node === 'true';
  if (schema.isNumericSchema()) return Number(node);
  if (schema.isTimestampSchema()) return new Date(node);
  if (schema.isBlobSchema()) return Buffer.from(node, 'base64');
  return node;
}

/** Decode a form-encoded EC2 request into an object keyed by the SDK's member names. */
export function decodeEc2Request(params: URLSearchParams, inputSchema: unknown): Record<string, unknown> {
  return decodeValue(toTree(params), NormalizedSchema.of(inputSchema as never)) as Record<string, unknown>;
}

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

function encodeValue(value: unknown, schema: NormalizedSchema): string {
  if (value === undefined || value === null) return '';
  if (schema.isListSchema()) {
    const item = schema.getValueSchema();
    const itemName = (item.getMergedTraits() as { xmlName?: string }).xmlName ?? 'item';
    return (value as unknown[])
      .map((entry) => `<${itemName}>${encodeValue(entry, item)}</${itemName}>`)
      .join('');
  }
  if (schema.isStructSchema()) {
    let xml = '';
    for (const [name, member] of schema.structIterator()) {
      const memberValue = (value as Record<string, unknown>)[name];
      if (memberValue === undefined || memberValue === null) continue;
      const tag = (member.getMergedTraits() as { xmlName?: string }).xmlName ?? name;
      xml += `<${tag}>${encodeValue(memberValue, member)}</${tag}>`;
    }
    return xml;
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return escapeXml(String(value));
}

/** Encode an operation's output (SDK member names) as the EC2 XML response document. */
export function encodeEc2Response(
  operation: string,
  output: Record<string, unknown>,
  outputSchema: unknown,
  requestId: string,
): string {
  const body = encodeValue(output, NormalizedSchema.of(outputSchema as never));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId>${body}</${operation}Response>`;
}

export function encodeEc2Error(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}
