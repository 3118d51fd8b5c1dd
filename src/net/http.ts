import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ComposeError, describeError } from '../errors.js';
import { checkUrl, type HostPolicy } from './host-policy.js';

const MAX_REDIRECTS = 5;

/**
 * fedimg's HTTP client: node:http / node:https, and nothing else. Not fetch: Node's fetch runs on
 * whichever undici has made itself the global dispatcher, and the one @actions/http-client brings
 * asserts (uncatchably) when a server closes the connection while a back-pressured body is paused
 * (nodejs/undici#5360; fixed only in undici 8, which needs Node 22). Node's own HTTP parser pauses
 * the socket instead, and a connection closed early surfaces as an error on the body stream.
 */
export class HttpResponse {
  readonly status: number;
  readonly ok: boolean;

  constructor(private readonly message: IncomingMessage) {
    this.status = message.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    // Errors reach a reader through the body's iteration; nobody reading must not crash the process.
    message.on('error', () => undefined);
  }

  get headers(): { get(name: string): string | undefined } {
    const headers: IncomingHttpHeaders = this.message.headers;
    return {
      get: (name) => {
        const value = headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  /** The body, as Buffers; iteration throws when the connection breaks before the body is complete. */
  get body(): AsyncIterable<Buffer> {
    return this.message as AsyncIterable<Buffer>;
  }

  /** The whole body (for small documents). */
  async bytes(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.body) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** Drops the body and the connection it arrives on. */
  discard(): void {
    this.message.destroy();
  }
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

/** One request, no redirect followed. Rejects on connection errors and when `signal` aborts. */
export function request(url: URL, init: RequestInit = {}): Promise<HttpResponse> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(url, { method: init.method ?? 'GET', headers: init.headers, signal: init.signal });
    outgoing.on('error', reject);
    outgoing.on('response', (message) => resolve(new HttpResponse(message)));
    outgoing.end(init.body);
  });
}

/**
 * A request that checks the URL and every redirect target against the host policy: an allowed host
 * must not be able to bounce fedimg to one that is not.
 */
export async function fetchAllowed(
  url: URL,
  policy: HostPolicy,
  init: { method?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<{ response: HttpResponse; url: URL }> {
  let current = checkUrl(url, policy, 'URL');
  for (let hop = 0; ; hop++) {
    const response = await request(current, init);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      response.discard();
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
  /** Who serves it, for the hints (default: the compose host). */
  host?: string;
  /** What to check when it is missing (default: the compose location). */
  whenMissing?: string;
}

/** Fetch a small text document (metadata) with a size cap and a timeout. */
export async function fetchText(
  url: URL,
  policy: HostPolicy,
  options: FetchTextOptions,
): Promise<string | undefined> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const host = options.host ?? 'the compose host';
  let response: HttpResponse;
  try {
    ({ response } = await fetchAllowed(url, policy, { signal }));
  } catch (error) {
    if (error instanceof ComposeError) throw error;
    throw new ComposeError(`Could not fetch the ${options.what} at ${url.href}: ${describeError(error)}.`, {
      hint: `Check that ${host} is reachable and retry.`,
      cause: error,
    });
  }
  if (response.status === 404 || response.status === 410) {
    response.discard();
    if (options.optional) return undefined;
    throw new ComposeError(`The ${options.what} is missing at ${url.href} (HTTP ${response.status}).`, {
      hint:
        options.whenMissing ??
        'Check the compose location; it must be the compose root or its compose/ directory.',
    });
  }
  if (!response.ok) {
    response.discard();
    throw new ComposeError(
      `Fetching the ${options.what} at ${url.href} failed with HTTP ${response.status}.`,
      {
        hint: `Retry later; ${host} may be overloaded.`,
      },
    );
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > options.maxBytes) {
    response.discard();
    throw tooLarge(options, url);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      if (total > options.maxBytes) {
        response.discard();
        throw tooLarge(options, url);
      }
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
