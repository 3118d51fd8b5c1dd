import { ComposeError, describeError } from './errors.js';
import { checkUrl, type HostPolicy } from './compose/location.js';

const MAX_REDIRECTS = 5;

/**
 * fetch() that checks the URL and every redirect target against the host policy: an allowed host
 * must not be able to bounce fedimg to one that is not.
 */
export async function fetchAllowed(
  url: URL,
  policy: HostPolicy,
  init: { method?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<{ response: Response; url: URL }> {
  let current = checkUrl(url, policy, 'URL');
  for (let hop = 0; ; hop++) {
    const response = await fetch(current, { ...init, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) {
        throw new ComposeError(`${url.href} redirects more than ${MAX_REDIRECTS} times.`, {
          hint: 'Use the final URL directly.',
        });
      }
      current = checkUrl(new URL(location, current), policy, `redirect target of ${url.href}`);
      continue;
    }
    return { response, url: current };
  }
}

export interface FetchTextOptions {
  what: string;
  maxBytes: number;
  timeoutMs?: number;
  /** Return undefined on 404 instead of failing. */
  optional?: boolean;
}

/** Fetch a small text document (metadata) with a size cap and a timeout. */
export async function fetchText(
  url: URL,
  policy: HostPolicy,
  options: FetchTextOptions,
): Promise<string | undefined> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  let response: Response;
  try {
    ({ response } = await fetchAllowed(url, policy, { signal }));
  } catch (error) {
    if (error instanceof ComposeError) throw error;
    throw new ComposeError(`Could not fetch the ${options.what} at ${url.href}: ${describeError(error)}.`, {
      hint: 'Check that the compose host is reachable and retry.',
      cause: error,
    });
  }
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    if (options.optional) return undefined;
    throw new ComposeError(`The ${options.what} is missing at ${url.href} (HTTP ${response.status}).`, {
      hint: 'Check the compose location; it must be the compose root or its compose/ directory.',
    });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ComposeError(
      `Fetching the ${options.what} at ${url.href} failed with HTTP ${response.status}.`,
      {
        hint: 'Retry later; the compose host may be overloaded.',
      },
    );
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > options.maxBytes) {
    await response.body?.cancel();
    throw tooLarge(options, url);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body ?? []) {
      total += chunk.byteLength;
      if (total > options.maxBytes) throw tooLarge(options, url);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ComposeError) throw error;
    throw new ComposeError(`Reading the ${options.what} at ${url.href} failed: ${describeError(error)}.`, {
      hint: 'Retry; the connection dropped.',
      cause: error,
    });
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(options: FetchTextOptions, url: URL): ComposeError {
  return new ComposeError(
    `The ${options.what} at ${url.href} is larger than ${options.maxBytes} bytes; refusing to read it.`,
    { hint: 'The URL may point at an image rather than metadata.' },
  );
}
