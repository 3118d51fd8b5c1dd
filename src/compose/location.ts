import { ComposeError } from '../errors.js';
import { truncateForMessage } from '../util/text.js';
import { checkUrl, type HostPolicy } from '../net/host-policy.js';

export interface ComposeLocation {
  /** The compose root, holding STATUS; ends with '/'. */
  root: URL;
  /** `<root>/compose/`, the base of every images.json path. */
  composeDir: URL;
}

/** Accepts either the compose root or its `compose/` directory (what Pungi's message carries). */
export function resolveComposeLocation(value: string, policy: HostPolicy): ComposeLocation {
  const url = checkUrl(value, policy, 'compose location');
  if (url.search || url.hash) {
    throw new ComposeError(
      `The compose location ${truncateForMessage(url.href, 200)} has a query or fragment.`,
      {
        hint: 'Give the plain directory URL of the compose.',
      },
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  const rootPath = path.endsWith('/compose') ? path.slice(0, -'/compose'.length) : path;
  const root = new URL(`${rootPath}/`, url);
  return { root, composeDir: new URL('compose/', root) };
}

// What a percent-escape in an image path may stand for: the characters of a plain file name.
const PLAIN_FILE_CHARACTER = /^[A-Za-z0-9._+~-]$/;

/**
 * Decodes the percent-escapes of a URL path from untrusted metadata. Only escapes of plain file-name
 * characters are accepted: an escaped separator, control character, space or quote is how a path
 * smuggles text past the checks (into logs, into file names), and is refused.
 */
export function decodePathStrictly(path: string, what: string): string {
  return path.replace(/%(.{0,2})/g, (escape, hex: string) => {
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
      throw new ComposeError(
        `The ${what} "${truncateForMessage(path, 200)}" has a malformed percent-escape ("${truncateForMessage(escape)}").`,
        { hint: 'Refusing it; the compose metadata may have been tampered with.' },
      );
    }
    const character = String.fromCharCode(parseInt(hex, 16));
    if (!PLAIN_FILE_CHARACTER.test(character)) {
      throw new ComposeError(
        `The ${what} "${truncateForMessage(path, 200)}" has the percent-escape ${escape}, which is not a plain file-name character.`,
        {
          hint: 'Fedora image paths need no escapes; refusing it, the compose metadata may have been tampered with.',
        },
      );
    }
    return character;
  });
}

/** The file an image URL names, decoded under the rules of decodePathStrictly. */
export function fileNameOf(url: URL, what: string): string {
  return decodePathStrictly(url.pathname.split('/').pop() ?? '', what);
}

/**
 * Resolve an images.json path under the compose directory. The metadata comes from the network, so a
 * path that could leave the compose (`..`, absolute, encoded separators, another host) is refused.
 */
export function resolveImagePath(composeDir: URL, path: string): URL {
  const shown = truncateForMessage(path, 200);
  decodePathStrictly(path, 'image path in images.json');
  const unsafe =
    path.startsWith('/') ||
    path.includes('\\') ||
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    /[?#\s\x00-\x1f\x7f]/.test(path) ||
    /%(?:2e|2f|5c)/i.test(path) ||
    path.split('/').some((segment) => segment === '..' || segment === '.' || segment === '') ||
    /^[a-z][a-z0-9+.-]*:/i.test(path);
  const url = new URL(path, composeDir);
  if (unsafe || url.origin !== composeDir.origin || !url.pathname.startsWith(composeDir.pathname)) {
    throw new ComposeError(
      `Image path "${shown}" in images.json escapes the compose directory ${composeDir.href}.`,
      {
        hint: 'Refusing to fetch it; the compose metadata may have been tampered with.',
      },
    );
  }
  return url;
}
