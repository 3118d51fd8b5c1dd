import { ComposeError, describeError } from '../errors.js';
import { fetchText } from '../net/http.js';
import { parseChecksumFile, type ChecksumEntry } from './checksum.js';
import type { HostPolicy } from '../net/host-policy.js';
import type { PlannedImage } from './types.js';

/** The CHECKSUM files Pungi writes beside the images: a second record of every image's sha256. */

const SMALL_LIMIT = 1024 * 1024;

/**
 * Cross-check images.json against the CHECKSUM files beside the images. A directory without a
 * listing or a CHECKSUM file only earns a note; a disagreement is an error, because one of the two is
 * wrong and the image must not be published until someone looks.
 */
export async function crossCheckWithChecksums(
  images: PlannedImage[],
  policy: HostPolicy,
  notes: string[],
): Promise<void> {
  const byDirectory = new Map<string, PlannedImage[]>();
  for (const image of images) {
    const directory = new URL('./', image.url).href;
    byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), image]);
  }
  for (const [directory, members] of byDirectory) {
    const { checksums, unread } = await checksumsForDirectory(new URL(directory), policy);
    if (!checksums) {
      const found = unread ? `could be read in ${directory} (${unread})` : `found in ${directory}`;
      notes.push(`No CHECKSUM file ${found}; relying on images.json alone.`);
      continue;
    }
    for (const image of members) {
      const entry = checksums.get(image.file);
      if (!entry) {
        notes.push(`${image.file} is not listed in the CHECKSUM file of ${directory}.`);
        continue;
      }
      if (entry.sha256 !== image.sha256 || (entry.size !== undefined && entry.size !== image.size)) {
        throw new ComposeError(
          `images.json and the CHECKSUM file in ${directory} disagree about ${image.file} (sha256 ${image.sha256} vs ${entry.sha256}).`,
          {
            hint: 'One of them is wrong or the compose was modified; ask release engineering before publishing.',
          },
        );
      }
    }
  }
}

/** The CHECKSUM files of a directory: their entries, if any; `unread` says why when none could be read. */
export interface DirectoryChecksums {
  checksums?: Map<string, ChecksumEntry>;
  unread?: string;
}

/** Finds `*CHECKSUM` files through the directory listing (Pungi names them after the compose). */
export async function checksumsForDirectory(directory: URL, policy: HostPolicy): Promise<DirectoryChecksums> {
  let listing: string | undefined;
  try {
    listing = await fetchText(directory, policy, {
      what: 'image directory listing',
      maxBytes: SMALL_LIMIT,
      optional: true,
    });
  } catch (error) {
    return { unread: describeError(error) };
  }
  if (!listing) return {};
  const names = new Set<string>();
  for (const match of listing.matchAll(/href="([A-Za-z0-9._+-]*CHECKSUM)"/g)) names.add(match[1]!);
  const merged = new Map<string, ChecksumEntry>();
  for (const name of names) {
    const text = await fetchText(new URL(name, directory), policy, {
      what: 'CHECKSUM file',
      maxBytes: SMALL_LIMIT,
      optional: true,
    });
    if (text === undefined) continue;
    for (const [file, entry] of parseChecksumFile(text, `${directory.href}${name}`)) merged.set(file, entry);
  }
  return merged.size > 0 ? { checksums: merged } : {};
}
