import * as z from 'zod';
import { ComposeError } from '../errors.js';

/**
 * productmd metadata (images.json, composeinfo.json) as Pungi writes it. Only the fields fedimg
 * relies on are required; everything else passes through untouched so newer minor versions still
 * parse.
 */

const SHA256_HEX = /^[0-9a-f]{64}$/;

const imageSchema = z.object({
  arch: z.string().min(1).max(32),
  path: z.string().min(1).max(1024),
  size: z.number().int().nonnegative(),
  type: z.string().min(1).max(64),
  format: z.string().min(1).max(64),
  checksums: z.object({ sha256: z.string().toLowerCase().regex(SHA256_HEX) }).loose(),
  // Added in 1.1; 1.0 entries have none (inferred from the file name below).
  subvariant: z.string().max(64).optional(),
  disc_number: z.number().int().optional(),
  disc_count: z.number().int().optional(),
  bootable: z.boolean().optional(),
  mtime: z.number().optional(),
  volume_id: z.string().nullable().optional(),
});

const composeSchema = z.object({
  id: z.string().min(1).max(100),
  date: z.string().regex(/^\d{8}$/),
  type: z.string().min(1).max(32),
  respin: z.number().int().nonnegative(),
  label: z.string().max(64).nullable().optional(),
  final: z.boolean().optional(),
});

export const SUPPORTED_PRODUCTMD_VERSIONS = ['1.0', '1.1', '1.2'] as const;

const headerSchema = z.object({
  type: z.string().optional(),
  version: z.string(),
});

const imagesSchema = z.object({
  header: headerSchema,
  payload: z.object({
    compose: composeSchema,
    images: z.record(z.string().max(64), z.record(z.string().max(32), z.array(imageSchema))),
  }),
});

const composeInfoSchema = z.object({
  header: headerSchema,
  payload: z.object({
    compose: composeSchema,
    release: z
      .object({
        name: z.string().max(100),
        short: z.string().max(100),
        version: z.string().max(32),
        type: z.string().max(32).optional(),
      })
      .loose(),
    variants: z.record(z.string(), z.unknown()).optional(),
  }),
});

export interface ProductmdImage {
  variant: string;
  arch: string;
  path: string;
  size: number;
  sha256: string;
  type: string;
  format: string;
  /** From the metadata, or inferred from the file name for productmd 1.0. */
  subvariant: string;
}

export interface ProductmdCompose {
  id: string;
  date: string;
  type: string;
  respin: number;
  label: string | undefined;
}

export interface ImagesManifest {
  version: string;
  compose: ProductmdCompose;
  images: ProductmdImage[];
}

export interface ComposeInfo {
  version: string;
  compose: ProductmdCompose;
  release: { name: string; short: string; version: string; type: string | undefined };
}

function checkHeader(header: z.infer<typeof headerSchema>, expectedType: string, source: string): string {
  if (header.type !== undefined && header.type !== expectedType) {
    throw new ComposeError(`${source} is a "${header.type}" document, not ${expectedType}.`, {
      hint: 'Point fedimg at the compose root or its compose/ directory.',
    });
  }
  if (!(SUPPORTED_PRODUCTMD_VERSIONS as readonly string[]).includes(header.version)) {
    throw new ComposeError(
      `${source} uses productmd version ${header.version}, which fedimg does not understand (it reads ${SUPPORTED_PRODUCTMD_VERSIONS.join(', ')}).`,
      { hint: 'Update fedimg to a release that supports this productmd version.' },
    );
  }
  return header.version;
}

function parseJson<T>(text: string, schema: z.ZodType<T>, source: string, expectedType: string): T {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ComposeError(`${source} is not valid JSON (${(error as Error).message}).`, {
      hint: 'The compose may still be being written, or the URL serves something else; check it in a browser.',
    });
  }
  // The header first: an unknown version or document type deserves its own message.
  const header = z.object({ header: headerSchema }).safeParse(data);
  if (header.success) checkHeader(header.data.header, expectedType, source);
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ComposeError(
      `${source} is malformed: ${issue.path.join('.') || '(top level)'}: ${issue.message}.`,
      { hint: 'The compose metadata does not follow productmd; report it to release engineering.' },
    );
  }
  return result.data;
}

function toCompose(c: z.infer<typeof composeSchema>): ProductmdCompose {
  return { id: c.id, date: c.date, type: c.type, respin: c.respin, label: c.label ?? undefined };
}

// productmd 1.0 had no subvariant: Fedora-Cloud-Base-23-20151030.x86_64.raw.xz → Cloud_Base.
export function inferSubvariant(fileName: string): string {
  const match = /^Fedora-(?<words>[A-Za-z][A-Za-z0-9_-]*?)-(?:\d|Rawhide)/.exec(fileName);
  if (!match?.groups) return '';
  const words = match.groups.words!.split('-').filter((word) => !/^(AmazonEC2|armhfp|sda)$/.test(word));
  return words.join('_');
}

export function parseImagesJson(text: string, source = 'images.json'): ImagesManifest {
  const doc = parseJson(text, imagesSchema, source, 'productmd.images');
  const version = doc.header.version;
  const images: ProductmdImage[] = [];
  for (const [variant, arches] of Object.entries(doc.payload.images)) {
    for (const [arch, entries] of Object.entries(arches)) {
      for (const entry of entries) {
        const fileName = entry.path.split('/').pop() ?? '';
        images.push({
          variant,
          arch: entry.arch || arch,
          path: entry.path,
          size: entry.size,
          sha256: entry.checksums.sha256,
          type: entry.type,
          format: entry.format,
          subvariant: entry.subvariant ?? inferSubvariant(fileName),
        });
      }
    }
  }
  return { version, compose: toCompose(doc.payload.compose), images };
}

export function parseComposeInfo(text: string, source = 'composeinfo.json'): ComposeInfo {
  const doc = parseJson(text, composeInfoSchema, source, 'productmd.composeinfo');
  const version = doc.header.version;
  const release = doc.payload.release;
  return {
    version,
    compose: toCompose(doc.payload.compose),
    release: { name: release.name, short: release.short, version: release.version, type: release.type },
  };
}
