import { ComposeError, InputError } from '../errors.js';
import { truncateForMessage } from '../util/text.js';

/** Which hosts fedimg may fetch from. The payload that names them is untrusted. */
export interface HostPolicy {
  /** `host` or `host:port` entries, lower-case. */
  allowedHosts: string[];
  /** Permit plain http (loopback test servers); https is always required otherwise. */
  allowHttp: boolean;
}

export const DEFAULT_ALLOWED_HOSTS = ['kojipkgs.fedoraproject.org', 'dl.fedoraproject.org'];

const DEFAULT_PORTS: Record<string, string> = { 'https:': '443', 'http:': '80' };

export function parseAllowedHosts(value: string): string[] {
  const hosts = value
    .split(/[,\s]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  for (const host of hosts) {
    if (
      !/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?$/.test(
        host,
      )
    ) {
      throw new InputError(`allowed-hosts entry "${truncateForMessage(host)}" is not a host[:port].`, {
        hint: 'List host names or host:port pairs separated by commas, e.g. kojipkgs.fedoraproject.org,127.0.0.1:8080.',
      });
    }
  }
  return hosts;
}

function hostAllowed(url: URL, policy: HostPolicy): boolean {
  const port = url.port || DEFAULT_PORTS[url.protocol];
  const hostname = url.hostname.toLowerCase();
  return policy.allowedHosts.some((entry) => {
    const [entryHost, entryPort] = entry.split(':');
    return entryHost === hostname && (entryPort ?? DEFAULT_PORTS[url.protocol]) === port;
  });
}

/** Parse a URL from untrusted input and check it against the host policy. */
export function checkUrl(value: string | URL, policy: HostPolicy, what: string): URL {
  let url: URL;
  try {
    url = typeof value === 'string' ? new URL(value) : value;
  } catch {
    throw new ComposeError(`The ${what} "${truncateForMessage(String(value))}" is not a URL.`, {
      hint: 'Give an absolute https:// URL.',
    });
  }
  const shown = truncateForMessage(url.href, 200);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ComposeError(`The ${what} ${shown} uses ${url.protocol}, which fedimg does not fetch.`, {
      hint: 'Use an https:// URL.',
    });
  }
  if (url.username || url.password) {
    throw new ComposeError(`The ${what} ${shown} carries credentials, which fedimg refuses.`, {
      hint: 'Remove the user:password@ part.',
    });
  }
  if (!hostAllowed(url, policy)) {
    throw new ComposeError(`The ${what} ${shown} is on host ${url.host}, which is not in allowed-hosts.`, {
      hint: `Allowed: ${policy.allowedHosts.join(', ') || '(none)'}. Add the host to the allowed-hosts input if it is trusted.`,
    });
  }
  if (url.protocol === 'http:' && !policy.allowHttp) {
    throw new ComposeError(`The ${what} ${shown} uses plain http.`, {
      hint: 'Use https (Fedora hosts serve it); allow-http exists only for loopback test servers.',
    });
  }
  return url;
}
