import { describe, expect, it } from 'vitest';
import { parseChecksumFile } from '../../src/compose/checksum.js';
import { ComposeError } from '../../src/errors.js';

const hash = '3f'.repeat(32);
const body = `# Fedora-Cloud-Base-AmazonEC2-43-1.6.x86_64.raw.xz: 592568816 bytes
SHA256 (Fedora-Cloud-Base-AmazonEC2-43-1.6.x86_64.raw.xz) = ${hash}
# Fedora-Cloud-Base-Generic-43-1.6.x86_64.qcow2: 12 bytes
SHA256 (Fedora-Cloud-Base-Generic-43-1.6.x86_64.qcow2) = ${'0'.repeat(64)}
`;

describe('CHECKSUM files', () => {
  it('reads BSD tag lines with their size comments', () => {
    const entries = parseChecksumFile(body);
    expect(entries.get('Fedora-Cloud-Base-AmazonEC2-43-1.6.x86_64.raw.xz')).toEqual({
      sha256: hash,
      size: 592568816,
    });
    expect(entries.size).toBe(2);
  });

  it('reads the same lines inside a PGP clear-sign wrapper, undoing dash escapes', () => {
    const signed = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n- # dash-escaped comment\n${body}-----BEGIN PGP SIGNATURE-----\n\nwsFzBAEBCAAnBQJ\n-----END PGP SIGNATURE-----\n`;
    const entries = parseChecksumFile(signed);
    expect(entries.get('Fedora-Cloud-Base-AmazonEC2-43-1.6.x86_64.raw.xz')?.size).toBe(592568816);
    expect(entries.size).toBe(2);
  });

  it('reads coreutils lines and CRLF endings, without sizes', () => {
    const entries = parseChecksumFile(`${hash}  image.raw.xz\r\n${'1'.repeat(64)} *other.raw.xz\r\n`);
    expect(entries.get('image.raw.xz')).toEqual({ sha256: hash, size: undefined });
    expect(entries.get('other.raw.xz')?.sha256).toBe('1'.repeat(64));
  });

  it('ignores entries whose file name contains a path', () => {
    expect(() => parseChecksumFile(`SHA256 (../../etc/passwd) = ${hash}\n`)).toThrow(ComposeError);
  });

  it('rejects a file without SHA256 entries or with a broken signature wrapper', () => {
    expect(() => parseChecksumFile('<html>not found</html>')).toThrow(/no SHA256 entries/);
    expect(() => parseChecksumFile(`-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${body}`)).toThrow(
      /clear-sign/,
    );
  });
});
