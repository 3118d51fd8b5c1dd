import { describeError } from '../errors.js';
import { fetchAllowed, type HttpResponse } from '../net/http.js';
import type { HostPolicy } from '../net/host-policy.js';

/**
 * Rawhide's release number, which its metadata carries only as the version of its fedora-release
 * package (productmd's rpms.json lists every package of the compose: `fedora-release-0:45-0.20.noarch`).
 * The file is large, so it is streamed and scanned, and the connection dropped once the package is
 * seen; a file without it (or none at all) gives undefined, with the reason.
 */
export async function rawhideReleaseNumber(
  metadata: URL,
  policy: HostPolicy,
  options: { maxBytes?: number; timeoutMs?: number } = {},
): Promise<{ release: number } | { missing: string }> {
  const url = new URL('rpms.json', metadata);
  const maxBytes = options.maxBytes ?? 1024 * 1024 * 1024;
  let response: HttpResponse;
  try {
    ({ response } = await fetchAllowed(url, policy, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 300_000),
    }));
  } catch (error) {
    return { missing: `rpms.json at ${url.href} could not be read (${describeError(error)})` };
  }
  if (!response.ok) {
    response.discard();
    return { missing: `rpms.json at ${url.href} answered HTTP ${response.status}` };
  }
  // A package NEVRA key: "fedora-release-0:45-0.20.noarch" (or fedora-release-common-…).
  const pattern = /"fedora-release(?:-common)?-(?:\d+:)?(\d{1,3})-[^"]*"/;
  let tail = '';
  let seen = 0;
  try {
    for await (const chunk of response.body) {
      seen += chunk.byteLength;
      const text = tail + chunk.toString('latin1');
      const match = pattern.exec(text);
      if (match) {
        response.discard();
        return { release: Number(match[1]) };
      }
      if (seen > maxBytes) break;
      tail = text.slice(-256);
    }
  } catch (error) {
    return { missing: `reading rpms.json at ${url.href} failed (${describeError(error)})` };
  }
  response.discard();
  return { missing: `rpms.json at ${url.href} lists no fedora-release package` };
}
