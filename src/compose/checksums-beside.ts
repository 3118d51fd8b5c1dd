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
    let unread: string | undefined;
    const checksums = await checksumsForDirectory(new URL(directory), policy, (why) => (unread = why));
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

/**
 * Finds `*CHECKSUM` files through the directory listing (Pungi names them after the compose).
 * Undefined when there are none; `unread` receives why, when the listing could not be read at all.
 */
export async function checksumsForDirectory(
  directory: URL,
  policy: HostPolicy,
  unread: (why: string) => void = () => undefined,
): Promise<Map<string, ChecksumEntry> | undefined> {
  let listing: string | undefined;
  try {
    listing = await fetchText(directory, policy, {
      what: 'image directory listing',
      maxBytes: SMALL_LIMIT,
      optional: true,
    });
  } catch (error) {
    unread(describeError(error));
    return undefined;
  }
  if (!listing) return undefined;
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
  return merged.size > 0 ? merged : undefined;
}
