import * as z from 'zod';
import { ComposeError } from '../errors.js';
import { MAX_COMPOSE_ID_LENGTH } from './compose-id.js';

/** Values Pungi writes to STATUS. Only the two FINISHED ones mean the images are there. */
export const COMPOSE_STATUSES = [
  'STARTED',
  'FINISHED',
  'FINISHED_INCOMPLETE',
  'DOOMED',
  'TERMINATED',
] as const;
export type ComposeStatus = (typeof COMPOSE_STATUSES)[number];
export const PUBLISHABLE_STATUSES: readonly ComposeStatus[] = ['FINISHED', 'FINISHED_INCOMPLETE'];

/** GitHub caps client_payload below 64 KB; anything bigger did not come from the compose system. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

const word = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9._-]*$/, 'only letters, digits, . _ -');

/**
 * Pungi's compose-status message as the compose system forwards it (repository_dispatch
 * client_payload). It is untrusted: every field that fedimg uses is length- and character-checked;
 * fields it does not use are dropped.
 */
const payloadSchema = z.object({
  compose_id: word(MAX_COMPOSE_ID_LENGTH).min(1),
  location: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
  status: z.enum(COMPOSE_STATUSES),
  compose_type: z.enum(['production', 'nightly', 'test', 'ci', 'development']).optional(),
  compose_label: word(64).nullable().optional(),
  compose_date: z
    .string()
    .regex(/^\d{8}$/)
    .optional(),
  compose_respin: z.number().int().nonnegative().max(10_000).optional(),
  release_short: word(64).optional(),
  release_name: word(100).optional(),
  release_version: word(32).optional(),
  release_type: word(32).optional(),
  release_is_layered: z.boolean().optional(),
});

export type ComposeStatusMessage = z.infer<typeof payloadSchema>;

export function parseComposePayload(input: string | unknown): ComposeStatusMessage {
  let data = input;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input) > MAX_PAYLOAD_BYTES) {
      throw new ComposeError(
        `The compose payload is ${Buffer.byteLength(input)} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit.`,
        {
          hint: 'Send the compose-status message only; nothing was started.',
        },
      );
    }
    try {
      data = JSON.parse(input);
    } catch (error) {
      throw new ComposeError(`The compose payload is not valid JSON (${(error as Error).message}).`, {
        hint: 'Send the compose-status message as a JSON object; nothing was started.',
      });
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ComposeError('The compose payload must be a JSON object.', {
      hint: 'Send the compose-status message as a JSON object; nothing was started.',
    });
  }
  const result = payloadSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
      .join('; ');
    throw new ComposeError(`The compose payload is invalid: ${problems}.`, {
      hint: 'Nothing was started; fix the sender of the dispatch event.',
    });
  }
  return result.data;
}
