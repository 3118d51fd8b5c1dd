import { ComposeError } from '../errors.js';

export interface ChecksumEntry {
  sha256: string;
  /** From the `# <file>: <n> bytes` comment Pungi writes before each entry, when present. */
  size: number | undefined;
}

const BSD_LINE = /^SHA256 \((?<file>[^()/\\]+)\) = (?<hash>[0-9a-fA-F]{64})$/;
const GNU_LINE = /^(?<hash>[0-9a-fA-F]{64}) [ *](?<file>[^/\\]+)$/;
const SIZE_COMMENT = /^# (?<file>[^/\\]+): (?<size>\d+) bytes$/;

/**
 * Reads a per-directory CHECKSUM file: BSD tag lines (`SHA256 (file) = hex`) as Pungi writes them,
 * with optional size comments, optionally inside a PGP clear-sign wrapper as on the release mirrors.
 * The signature itself is not verified here (fedimg holds no Fedora keys); the checksums are only
 * used to cross-check images.json or to fill in a directly given image URL.
 */
export function parseChecksumFile(text: string, source = 'CHECKSUM'): Map<string, ChecksumEntry> {
  const lines = extractSignedBody(text.replace(/\r\n/g, '\n')).split('\n');
  const sizes = new Map<string, number>();
  const entries = new Map<string, ChecksumEntry>();
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    const size = SIZE_COMMENT.exec(line);
    if (size?.groups) {
      sizes.set(size.groups.file!, Number(size.groups.size));
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = BSD_LINE.exec(line) ?? GNU_LINE.exec(line);
    if (!match?.groups) continue; // other algorithms (SHA512, MD5) are not ours to read
    const file = match.groups.file!;
    entries.set(file, { sha256: match.groups.hash!.toLowerCase(), size: sizes.get(file) });
  }
  if (entries.size === 0) {
    throw new ComposeError(`${source} holds no SHA256 entries.`, {
      hint: 'Check that the URL is a CHECKSUM file of a Fedora image directory.',
    });
  }
  return entries;
}

// RFC 4880 §7: the signed text sits between the armor header block and the signature, with lines
// that begin with "-" escaped as "- -".
function extractSignedBody(text: string): string {
  const begin = text.indexOf('-----BEGIN PGP SIGNED MESSAGE-----');
  if (begin < 0) return text;
  const afterHeader = text.indexOf('\n\n', begin);
  const signature = text.indexOf('-----BEGIN PGP SIGNATURE-----', begin);
  if (afterHeader < 0 || signature < 0 || signature < afterHeader) {
    throw new ComposeError('The CHECKSUM file has a broken PGP clear-sign wrapper.', {
      hint: 'Fetch it again; a mirror may have served a partial file.',
    });
  }
  return text
    .slice(afterHeader + 2, signature)
    .split('\n')
    .map((line) => (line.startsWith('- ') ? line.slice(2) : line))
    .join('\n');
}
