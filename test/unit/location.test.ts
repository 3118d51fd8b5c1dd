import { describe, expect, it } from 'vitest';
import {
  decodePathStrictly,
  fileNameOf,
  resolveComposeLocation,
  resolveImagePath,
} from '../../src/compose/location.js';
import { checkUrl, DEFAULT_ALLOWED_HOSTS, parseAllowedHosts } from '../../src/net/host-policy.js';
import { ComposeError, InputError } from '../../src/errors.js';

const fedora = { allowedHosts: ['kojipkgs.fedoraproject.org', 'dl.fedoraproject.org'], allowHttp: false };
const loopback = { allowedHosts: ['127.0.0.1:8080'], allowHttp: true };

describe('host policy', () => {
  it('accepts https on an allowed host', () => {
    expect(
      checkUrl('https://kojipkgs.fedoraproject.org/compose/41/x/compose', fedora, 'compose location').host,
    ).toBe('kojipkgs.fedoraproject.org');
  });

  it.each([
    ['a host not in the list', 'https://evil.example.org/compose', /not in allowed-hosts/],
    ['a look-alike host', 'https://kojipkgs.fedoraproject.org.evil.example/compose', /not in allowed-hosts/],
    ['another port', 'https://kojipkgs.fedoraproject.org:8443/compose', /not in allowed-hosts/],
    ['plain http without allow-http', 'http://kojipkgs.fedoraproject.org/compose', /plain http/],
    ['file URLs', 'file:///etc/passwd', /file:/],
    ['credentials in the URL', 'https://user:pw@kojipkgs.fedoraproject.org/compose', /credentials/],
    ['something that is not a URL', 'kojipkgs.fedoraproject.org/compose', /not a URL/],
  ])('refuses %s', (_what, url, message) => {
    expect(() => checkUrl(url, fedora, 'compose location')).toThrow(ComposeError);
    expect(() => checkUrl(url, fedora, 'compose location')).toThrow(message);
  });

  // Each rule exactly, with the next step it names (killing the mutants docs/mutation.md lists).
  it('refuses every other scheme and any credentials, and says what to do instead', () => {
    const refusal = (url: string, policy = fedora) => {
      try {
        checkUrl(url, policy, 'compose location');
      } catch (error) {
        return { message: (error as Error).message, hint: (error as ComposeError).hint };
      }
      return undefined;
    };
    expect(refusal('ftp://kojipkgs.fedoraproject.org/x')).toEqual({
      message: expect.stringMatching(/uses ftp:, which fedimg does not fetch/),
      hint: 'Use an https:// URL.',
    });
    for (const url of [
      'https://user@kojipkgs.fedoraproject.org/x',
      'https://:pw@kojipkgs.fedoraproject.org/x',
    ])
      expect(refusal(url)).toEqual({
        message: expect.stringMatching(/carries credentials/),
        hint: 'Remove the user:password@ part.',
      });
    expect(refusal('not a url')?.hint).toBe('Give an absolute https:// URL.');
    expect(refusal('https://evil.example.org/x')?.hint).toBe(
      'Allowed: kojipkgs.fedoraproject.org, dl.fedoraproject.org. Add the host to the allowed-hosts input if it is trusted.',
    );
    expect(refusal('https://evil.example.org/x', { allowedHosts: [], allowHttp: false })?.hint).toMatch(
      /^Allowed: \(none\)\./,
    );
    expect(refusal('http://kojipkgs.fedoraproject.org/x')?.hint).toMatch(/^Use https/);
  });

  it('takes a port given for the scheme’s default port as that port', () => {
    const https = { allowedHosts: ['kojipkgs.fedoraproject.org:443'], allowHttp: false };
    expect(checkUrl('https://kojipkgs.fedoraproject.org/x', https, 'x').host).toBe(
      'kojipkgs.fedoraproject.org',
    );
    const http = { allowedHosts: ['127.0.0.1:80'], allowHttp: true };
    expect(checkUrl('http://127.0.0.1/x', http, 'x').hostname).toBe('127.0.0.1');
    expect(() => checkUrl('https://127.0.0.1/x', http, 'x')).toThrow(/not in allowed-hosts/);
  });

  it('reads the list separated by commas and any blanks, case-insensitively; the default is Fedora’s two hosts', () => {
    expect(parseAllowedHosts(' A.example.org,  b.example.org\tc.example.org:8080 ')).toEqual([
      'a.example.org',
      'b.example.org',
      'c.example.org:8080',
    ]);
    expect(DEFAULT_ALLOWED_HOSTS).toEqual(['kojipkgs.fedoraproject.org', 'dl.fedoraproject.org']);
    try {
      parseAllowedHosts('good.example.org,bad_host!');
      expect.unreachable();
    } catch (error) {
      expect((error as InputError).message).toMatch(
        /^allowed-hosts entry "bad_host!" is not a host\[:port\]\./,
      );
      expect((error as InputError).hint).toMatch(/^List host names or host:port pairs/);
    }
    // A label up to 63 characters, not more.
    expect(parseAllowedHosts(`${'a'.repeat(63)}.org`)).toHaveLength(1);
    expect(parseAllowedHosts(`mirror.${'b'.repeat(63)}`)).toHaveLength(1);
    expect(() => parseAllowedHosts(`${'a'.repeat(64)}.org`)).toThrow(InputError);
  });

  it('allows plain http only on an allowed host:port when allow-http is set', () => {
    expect(checkUrl('http://127.0.0.1:8080/c', loopback, 'x').port).toBe('8080');
    expect(() => checkUrl('http://127.0.0.1:8081/c', loopback, 'x')).toThrow(/not in allowed-hosts/);
    expect(() => checkUrl('http://127.0.0.1:8080/c', { ...loopback, allowHttp: false }, 'x')).toThrow(
      /plain http/,
    );
  });

  it('parses allowed-hosts lists and rejects junk entries', () => {
    expect(parseAllowedHosts('Kojipkgs.fedoraproject.org, 127.0.0.1:9000')).toEqual([
      'kojipkgs.fedoraproject.org',
      '127.0.0.1:9000',
    ]);
    expect(() => parseAllowedHosts('https://example.org')).toThrow(InputError);
    expect(() => parseAllowedHosts('exa mple.org;rm')).toThrow(InputError);
  });
});

describe('compose locations and image paths', () => {
  it('accepts the compose root or its compose/ directory', () => {
    const a = resolveComposeLocation(
      'https://kojipkgs.fedoraproject.org/compose/41/Fedora-41-20240911.0/compose',
      fedora,
    );
    const b = resolveComposeLocation(
      'https://kojipkgs.fedoraproject.org/compose/41/Fedora-41-20240911.0/',
      fedora,
    );
    expect(a.root.href).toBe('https://kojipkgs.fedoraproject.org/compose/41/Fedora-41-20240911.0/');
    expect(b.root.href).toBe(a.root.href);
    expect(a.composeDir.href).toBe(`${a.root.href}compose/`);
  });

  it('resolves images.json paths under compose/', () => {
    const { composeDir } = resolveComposeLocation(
      'https://dl.fedoraproject.org/c/Fedora-41-20240911.0/compose',
      fedora,
    );
    expect(resolveImagePath(composeDir, 'Cloud/x86_64/images/a.raw.xz').href).toBe(
      `${composeDir.href}Cloud/x86_64/images/a.raw.xz`,
    );
  });

  it.each([
    '../../../etc/passwd',
    'Cloud/../../STATUS',
    '/etc/passwd',
    'Cloud/%2e%2e/%2e%2e/x.raw.xz',
    'Cloud\\..\\x.raw.xz',
    'https://evil.example.org/x.raw.xz',
    '//evil.example.org/x.raw.xz',
    'Cloud/x86_64/images/a.raw.xz?x=1',
    'Cloud//images/a.raw.xz',
  ])('refuses the image path %j', (path) => {
    const { composeDir } = resolveComposeLocation(
      'https://dl.fedoraproject.org/c/Fedora-41-20240911.0/compose',
      fedora,
    );
    expect(() => resolveImagePath(composeDir, path)).toThrow(/escapes the compose directory/);
  });
});

describe('percent-escapes in image paths', () => {
  const dir = new URL('https://kojipkgs.fedoraproject.org/compose/x/compose/');
  it('accepts escapes of plain file-name characters and decodes them strictly', () => {
    expect(decodePathStrictly('Cloud/x86%5F64/a%2Bb.raw.xz', 'path')).toBe('Cloud/x86_64/a+b.raw.xz');
    expect(resolveImagePath(dir, 'Cloud/x86_64/images/a%2Bb.raw.xz').href).toContain('a%2Bb.raw.xz');
  });

  it.each(['%0A', '%20', '%22', '%23', '%3A', '%25'])('refuses the escape %s as a ComposeError', (escape) => {
    expect(() => resolveImagePath(dir, `Cloud/x86_64/images/a${escape}b.raw.xz`)).toThrow(ComposeError);
    expect(() => resolveImagePath(dir, `Cloud/x86_64/images/a${escape}b.raw.xz`)).toThrow(
      /not a plain file-name character/,
    );
  });

  it.each(['%', '%zz', '%4', 'a%G1'])(
    'reports the malformed escape %j as a ComposeError, not a stack trace',
    (bad) => {
      expect(() => decodePathStrictly(`Cloud/${bad}.raw.xz`, 'image path')).toThrow(ComposeError);
      expect(() => fileNameOf(new URL(`https://h/${bad}.raw.xz`), 'image URL')).toThrow(
        /malformed percent-escape/,
      );
    },
  );
});
