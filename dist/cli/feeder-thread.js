import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
var __webpack_exports__ = {};

;// CONCATENATED MODULE: external "node:events"
const external_node_events_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");
;// CONCATENATED MODULE: external "node:net"
const external_node_net_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");
;// CONCATENATED MODULE: external "node:worker_threads"
const external_node_worker_threads_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");
;// CONCATENATED MODULE: ./src/errors.ts
/**
 * One base error for everything fedimg reports, one subclass per area. Messages name the resource
 * (and the region where there is one) and say what to do next, because they end up as the
 * annotation a release engineer reads first.
 */
class FedimgError extends Error {
    /** The pipeline area that failed, used as the annotation title. */
    area;
    /** What the person reading the log should do about it. */
    hint;
    constructor(area, message, options = {}) {
        // After a message of several lines (console output, say) the hint gets a line of its own.
        const separator = message.includes('\n') ? '\n' : ' ';
        super(options.hint ? `${message}${separator}${options.hint}` : message, { cause: options.cause });
        this.name = new.target.name;
        this.area = area;
        this.hint = options.hint;
    }
}
/** Invalid action inputs, CLI options or configuration files. */
class errors_InputError extends FedimgError {
    constructor(message, options = {}) {
        super('inputs', message, options);
    }
}
/** Compose metadata that is missing, malformed, disallowed or inconsistent. */
class errors_ComposeError extends FedimgError {
    constructor(message, options = {}) {
        super('compose', message, options);
    }
}
/**
 * The image could not be read as published. Every kind means the same to a consumer: all data it
 * has already received from this source must be discarded, so an uploader never completes a
 * snapshot from it.
 */
class ImageSourceError extends FedimgError {
    kind;
    url;
    constructor(kind, url, message, options = {}) {
        super('image', message, options);
        this.kind = kind;
        this.url = url;
    }
}
/** Uploading a snapshot (EBS direct or S3 + ImportSnapshot) failed. */
class UploadError extends FedimgError {
    constructor(message, options = {}) {
        super('upload', message, options);
    }
}
/** Registering an AMI failed. */
class RegisterError extends FedimgError {
    constructor(message, options = {}) {
        super('register', message, options);
    }
}
/** An AMI did not pass its boot test. */
class BootTestError extends FedimgError {
    constructor(message, options = {}) {
        super('boot-test', message, options);
    }
}
/** Copying an AMI to another region failed. */
class CopyError extends FedimgError {
    constructor(message, options = {}) {
        super('copy', message, options);
    }
}
/** Making AMIs public, deprecating or verifying them failed. */
class PublishError extends FedimgError {
    constructor(message, options = {}) {
        super('publish', message, options);
    }
}
/** Verification found AMIs missing, unavailable, registered or shared otherwise than configured. */
class VerifyError extends FedimgError {
    constructor(message, options = {}) {
        super('verify', message, options);
    }
}
/** Adding a version to an AWS Marketplace product failed, or its change set did. */
class MarketplaceError extends FedimgError {
    constructor(message, options = {}) {
        super('marketplace', message, options);
    }
}
/** fedimg doctor found the role or the account unready (its table says what to change). */
class DoctorError extends FedimgError {
    constructor(message, options = {}) {
        super('doctor', message, options);
    }
}
/** Creating or updating the GitHub release failed. */
class ReleaseError extends FedimgError {
    constructor(message, options = {}) {
        super('release', message, options);
    }
}
const CALL = Symbol('fedimg.awsCall');
/** Records on the error which call failed and where; errors that are not objects are wrapped. */
function markAwsCall(error, call, region) {
    const target = typeof error === 'object' && error !== null ? error : new Error(String(error));
    if (!(CALL in target))
        Object.defineProperty(target, CALL, { value: { call, region }, enumerable: false });
    return target;
}
function awsCallOf(error) {
    return typeof error === 'object' && error !== null && CALL in error
        ? (error[CALL] ?? undefined)
        : undefined;
}
/**
 * An answer the SDK could not read as AWS's (a proxy's error page, an endpoint that is not AWS):
 * the query and XML services call it "Unknown", the JSON ones throw a SyntaxError pointing at their
 * hidden $response. What helps is the HTTP status and what kind of document came back.
 */
function foreignAnswer(error) {
    const failure = (error ?? {});
    const status = failure.$metadata?.httpStatusCode ?? failure.$response?.statusCode;
    const unreadable = failure.name === 'Unknown' ||
        failure.name === 'UnknownError' ||
        /Deserialization error|\$response/.test(failure.message ?? '');
    if (!status || !unreadable)
        return undefined;
    const type = failure.$response?.headers?.['content-type']?.split(';')[0]?.trim();
    return `HTTP ${status}${type ? ` (${type})` : ''}, an answer that is not AWS's`;
}
/**
 * Describe any thrown value in one line for logs; a failed AWS call says which call, where, and
 * AWS's code: `ec2:RunInstances in eu-west-1 failed: UnauthorizedOperation: You are not authorized…`.
 */
function errors_describeError(error) {
    const message = error instanceof Error ? error.message : String(error);
    const where = awsCallOf(error);
    if (!where)
        return message;
    const foreign = foreignAnswer(error);
    if (foreign)
        return `${where.call} in ${where.region} failed: ${foreign}`;
    const code = error.name;
    const coded = code && code !== 'Error' && !message.startsWith(code) ? `${code}: ${message}` : message;
    return `${where.call} in ${where.region} failed: ${coded}`;
}

;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: external "node:stream/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream/promises");
;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: external "node:http"
const external_node_http_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");
;// CONCATENATED MODULE: external "node:https"
const external_node_https_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");
;// CONCATENATED MODULE: ./src/util/text.ts
/** Untrusted text cut to a length a message can hold, with anything but printable ASCII as `?`. */
function text_truncateForMessage(value, max = 80) {
    const printable = value.replace(/[^\x20-\x7e]/g, '?');
    return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

;// CONCATENATED MODULE: ./src/net/host-policy.ts


const DEFAULT_ALLOWED_HOSTS = (/* unused pure expression or super */ null && (['kojipkgs.fedoraproject.org', 'dl.fedoraproject.org']));
const DEFAULT_PORTS = { 'https:': '443', 'http:': '80' };
function parseAllowedHosts(value) {
    const hosts = value
        .split(/[,\s]+/)
        .map((entry) => entry.trim().toLowerCase())
        .filter(Boolean);
    for (const host of hosts) {
        if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?$/.test(host)) {
            throw new InputError(`allowed-hosts entry "${truncateForMessage(host)}" is not a host[:port].`, {
                hint: 'List host names or host:port pairs separated by commas, e.g. kojipkgs.fedoraproject.org,127.0.0.1:8080.',
            });
        }
    }
    return hosts;
}
function hostAllowed(url, policy) {
    const port = url.port || DEFAULT_PORTS[url.protocol];
    const hostname = url.hostname.toLowerCase();
    return policy.allowedHosts.some((entry) => {
        const [entryHost, entryPort] = entry.split(':');
        return entryHost === hostname && (entryPort ?? DEFAULT_PORTS[url.protocol]) === port;
    });
}
/** Parse a URL from untrusted input and check it against the host policy. */
function checkUrl(value, policy, what) {
    let url;
    try {
        url = typeof value === 'string' ? new URL(value) : value;
    }
    catch {
        throw new errors_ComposeError(`The ${what} "${text_truncateForMessage(String(value))}" is not a URL.`, {
            hint: 'Give an absolute https:// URL.',
        });
    }
    const shown = text_truncateForMessage(url.href, 200);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new errors_ComposeError(`The ${what} ${shown} uses ${url.protocol}, which fedimg does not fetch.`, {
            hint: 'Use an https:// URL.',
        });
    }
    if (url.username || url.password) {
        throw new errors_ComposeError(`The ${what} ${shown} carries credentials, which fedimg refuses.`, {
            hint: 'Remove the user:password@ part.',
        });
    }
    if (!hostAllowed(url, policy)) {
        throw new errors_ComposeError(`The ${what} ${shown} is on host ${url.host}, which is not in allowed-hosts.`, {
            hint: `Allowed: ${policy.allowedHosts.join(', ') || '(none)'}. Add the host to the allowed-hosts input if it is trusted.`,
        });
    }
    if (url.protocol === 'http:' && !policy.allowHttp) {
        throw new errors_ComposeError(`The ${what} ${shown} uses plain http.`, {
            hint: 'Use https (Fedora hosts serve it); allow-http exists only for loopback test servers.',
        });
    }
    return url;
}

;// CONCATENATED MODULE: ./src/net/http.ts




const MAX_REDIRECTS = 5;
/**
 * fedimg's HTTP client: node:http / node:https, and nothing else. Not fetch: Node's fetch runs on
 * whichever undici has made itself the global dispatcher, and the one @actions/http-client brings
 * asserts (uncatchably) when a server closes the connection while a back-pressured body is paused
 * (nodejs/undici#5360; fixed only in undici 8, which needs Node 22). Node's own HTTP parser pauses
 * the socket instead, and a connection closed early surfaces as an error on the body stream.
 */
class HttpResponse {
    message;
    status;
    ok;
    constructor(message) {
        this.message = message;
        this.status = message.statusCode ?? 0;
        this.ok = this.status >= 200 && this.status < 300;
        // Errors reach a reader through the body's iteration; nobody reading must not crash the process.
        message.on('error', () => undefined);
    }
    get headers() {
        const headers = this.message.headers;
        return {
            get: (name) => {
                const value = headers[name.toLowerCase()];
                return Array.isArray(value) ? value.join(', ') : value;
            },
        };
    }
    /** The body, as Buffers; iteration throws when the connection breaks before the body is complete. */
    get body() {
        return this.message;
    }
    /** The whole body (for small documents). */
    async bytes() {
        const chunks = [];
        for await (const chunk of this.body)
            chunks.push(chunk);
        return Buffer.concat(chunks);
    }
    /** Drops the body and the connection it arrives on. */
    discard() {
        this.message.destroy();
    }
}
/** One request, no redirect followed. Rejects on connection errors and when `signal` aborts. */
function request(url, init = {}) {
    const send = url.protocol === 'https:' ? external_node_https_namespaceObject.request : external_node_http_namespaceObject.request;
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
async function fetchAllowed(url, policy, init = {}) {
    let current = checkUrl(url, policy, 'URL');
    for (let hop = 0;; hop++) {
        const response = await request(current, init);
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
            response.discard();
            if (hop >= MAX_REDIRECTS) {
                throw new errors_ComposeError(`${url.href} redirects more than ${MAX_REDIRECTS} times.`, {
                    hint: 'Use the final URL directly.',
                });
            }
            current = checkUrl(new URL(location, current), policy, `redirect target of ${url.href}`);
            continue;
        }
        return { response, url: current };
    }
}
/** Fetch a small text document (metadata) with a size cap and a timeout. */
async function fetchText(url, policy, options) {
    const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
    const host = options.host ?? 'the compose host';
    let response;
    try {
        ({ response } = await fetchAllowed(url, policy, { signal }));
    }
    catch (error) {
        if (error instanceof ComposeError)
            throw error;
        throw new ComposeError(`Could not fetch the ${options.what} at ${url.href}: ${describeError(error)}.`, {
            hint: `Check that ${host} is reachable and retry.`,
            cause: error,
        });
    }
    if (response.status === 404 || response.status === 410) {
        response.discard();
        if (options.optional)
            return undefined;
        throw new ComposeError(`The ${options.what} is missing at ${url.href} (HTTP ${response.status}).`, {
            hint: options.whenMissing ??
                'Check the compose location; it must be the compose root or its compose/ directory.',
        });
    }
    if (!response.ok) {
        response.discard();
        throw new ComposeError(`Fetching the ${options.what} at ${url.href} failed with HTTP ${response.status}.`, {
            hint: `Retry later; ${host} may be overloaded.`,
        });
    }
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > options.maxBytes) {
        response.discard();
        throw tooLarge(options, url);
    }
    const chunks = [];
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
    }
    catch (error) {
        if (error instanceof ComposeError)
            throw error;
        throw new ComposeError(`Reading the ${options.what} at ${url.href} failed: ${describeError(error)}.`, {
            hint: 'Retry; the connection dropped.',
            cause: error,
        });
    }
    return Buffer.concat(chunks).toString('utf8');
}
function tooLarge(options, url) {
    return new ComposeError(`The ${options.what} at ${url.href} is larger than ${options.maxBytes} bytes; refusing to read it.`, { hint: 'The URL may point at an image rather than metadata.' });
}

;// CONCATENATED MODULE: ./src/image/download.ts




const defaultSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
class RetryableDownloadError extends Error {
}
/**
 * Streams the compressed image, hashing as it goes. A dropped or stalled connection resumes with a
 * Range request from the last byte received; a server that ignores Range sends the file again and
 * the bytes already passed on are skipped, so the consumer sees one continuous stream either way.
 * Size and sha256 are confirmed at the end; on any mismatch the generator throws and the consumer
 * must discard everything it received.
 */
async function* downloadVerified(options, stats) {
    const { url, size } = options;
    const maxResumes = options.maxResumes ?? 5;
    const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    const sleep = options.sleep ?? defaultSleep;
    const hash = (0,external_node_crypto_namespaceObject.createHash)('sha256');
    let offset = 0;
    let failures = 0;
    let validator;
    for (;;) {
        options.signal?.throwIfAborted();
        const controller = new AbortController();
        const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
        // One timer per connection, pushed back on every chunk (refresh() allocates nothing).
        let idle;
        const armIdle = () => {
            if (idle)
                idle.refresh();
            else
                idle = setTimeout(() => controller.abort(new RetryableDownloadError(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
        };
        try {
            armIdle();
            const headers = {};
            if (offset > 0) {
                headers.range = `bytes=${offset}-`;
                if (validator)
                    headers['if-range'] = validator;
            }
            const { response } = await fetchAllowed(url, options.policy, { headers, signal });
            let skip = 0;
            if (response.status === 206) {
                const start = Number(/^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1]);
                if (start !== offset)
                    throw new RetryableDownloadError(`server resumed at byte ${start}, not ${offset}`);
            }
            else if (response.status === 200) {
                skip = offset; // no range support (or the file changed): read from the start, pass on only new bytes
                const length = Number(response.headers.get('content-length') ?? NaN);
                if (size !== undefined && Number.isFinite(length) && length !== size) {
                    response.discard();
                    throw sizeMismatch(url, size, length);
                }
            }
            else if (response.status === 416 && size !== undefined && offset === size) {
                response.discard();
                break;
            }
            else if (response.status >= 500 || response.status === 429 || response.status === 408) {
                response.discard();
                throw new RetryableDownloadError(`HTTP ${response.status}`);
            }
            else {
                response.discard();
                throw new ImageSourceError('http', url.href, `Downloading ${url.href} failed with HTTP ${response.status}.`, {
                    hint: 'Check that the compose still exists at that location; nothing was published.',
                });
            }
            validator ??= response.headers.get('etag') ?? response.headers.get('last-modified') ?? undefined;
            for await (const piece of response.body) {
                armIdle();
                let chunk = piece;
                if (skip > 0) {
                    const dropped = Math.min(skip, chunk.length);
                    skip -= dropped;
                    chunk = chunk.subarray(dropped);
                    if (chunk.length === 0)
                        continue;
                }
                offset += chunk.length;
                if (size !== undefined && offset > size)
                    throw sizeMismatch(url, size, offset, 'at least ');
                hash.update(chunk);
                stats.bytes = offset;
                failures = 0;
                yield chunk;
            }
            if (skip > 0)
                throw new RetryableDownloadError('the restarted download ended early');
            break;
        }
        catch (error) {
            if (error instanceof ImageSourceError)
                throw error;
            // A refusal of fedimg's own (a redirect off the allow-list) is final, not a dropped connection.
            if (error instanceof FedimgError) {
                throw new ImageSourceError('http', url.href, `Downloading ${url.href} stopped: ${error.message}`, {
                    cause: error,
                });
            }
            options.signal?.throwIfAborted();
            failures++;
            if (stats.resumes >= maxResumes) {
                throw new ImageSourceError('truncated', url.href, `The download of ${url.href} broke off at byte ${offset}${size !== undefined ? ` of ${size}` : ''} and could not be resumed after ${maxResumes} attempts (${errors_describeError(controller.signal.reason ?? error)}).`, {
                    hint: 'Re-run the job; if it keeps failing, the compose host or the network is in trouble.',
                    cause: error,
                });
            }
            stats.resumes++;
            const reason = errors_describeError(controller.signal.aborted ? controller.signal.reason : error);
            options.onResume?.(offset, reason);
            const base = (options.retryDelayMs ?? 500) * 2 ** Math.min(failures - 1, 6);
            await sleep(base / 2 + Math.random() * base);
        }
        finally {
            clearTimeout(idle);
        }
    }
    confirmDownload(url, options.sha256, size, offset, hash.digest('hex'));
    stats.verified = true;
}
/** The end of every read of the compressed file: its size and sha256 must be what the compose says. */
function confirmDownload(url, sha256, size, bytes, digest) {
    if (size !== undefined && bytes !== size)
        throw sizeMismatch(url, size, bytes);
    if (digest !== sha256) {
        throw new ImageSourceError('checksum-mismatch', url.href, `The sha256 of ${url.href} is ${digest}, but the compose published ${sha256}.`, {
            hint: 'The file was modified or corrupted in transit; nothing may be registered from it. Re-run, and ask release engineering if it persists.',
        });
    }
}
/**
 * The same stream from a local copy of the compressed file (the workflow's image cache), verified
 * against the compose's size and sha256 exactly like a download.
 */
async function* readVerifiedFile(path, options, stats) {
    const hash = (0,external_node_crypto_namespaceObject.createHash)('sha256');
    let bytes = 0;
    for await (const chunk of (0,external_node_fs_namespaceObject.createReadStream)(path, {
        highWaterMark: 1 << 20,
        signal: options.signal,
    })) {
        bytes += chunk.length;
        if (options.size !== undefined && bytes > options.size)
            throw sizeMismatch(options.url, options.size, bytes, 'at least ');
        hash.update(chunk);
        stats.bytes = bytes;
        yield chunk;
    }
    confirmDownload(options.url, options.sha256, options.size, bytes, hash.digest('hex'));
    stats.verified = true;
}
function sizeMismatch(url, expected, actual, prefix = '') {
    return new ImageSourceError('size-mismatch', url.href, `${url.href} is ${prefix}${actual} bytes, but the compose published ${expected}.`, { hint: 'The file does not match the compose metadata; nothing may be registered from it.' });
}

;// CONCATENATED MODULE: ./src/image/compressed.ts




/** Passes the chunks on and writes them to `path` as well, waiting for the disk when it lags. */
async function* keepingCopy(chunks, path) {
    const file = (0,external_node_fs_namespaceObject.createWriteStream)(path);
    try {
        for await (const chunk of chunks) {
            if (!file.write(chunk))
                await (0,external_node_events_namespaceObject.once)(file, 'drain');
            yield chunk;
        }
        file.end();
        await (0,promises_namespaceObject.finished)(file);
    }
    finally {
        file.destroy();
    }
}
/**
 * The compressed image as verified chunks: from the cached copy or downloaded, and written to the
 * cache as it is downloaded when asked. Used by the feeding thread and, with the npm decoder, by the
 * main thread.
 */
function compressedChunks(source, stats, signal, onResume) {
    const url = new URL(source.url);
    const { sha256, size } = source;
    if (source.localFile)
        return readVerifiedFile(source.localFile, { url, sha256, size, signal }, stats);
    const chunks = downloadVerified({
        url,
        policy: source.policy,
        sha256,
        size,
        maxResumes: source.maxResumes,
        idleTimeoutMs: source.idleTimeoutMs,
        retryDelayMs: source.retryDelayMs,
        signal,
        onResume,
    }, stats);
    return source.keepCopy ? keepingCopy(chunks, source.keepCopy) : chunks;
}

;// CONCATENATED MODULE: ./src/image/feeder-thread.ts





/**
 * The feeding thread: download (or read the cached copy) → sha256 and size check → xz's input
 * socket, with back-pressure. Receiving the compressed stream, hashing it and writing it to xz cost
 * about half a CPU-second per GiB of image; here they run beside the main thread, which is left to
 * cut xz's output into blocks and hand them to the sending threads.
 */
const setup = external_node_worker_threads_namespaceObject.workerData;
const stats = { bytes: 0, resumes: 0, verified: false };
const controller = new AbortController();
const report = (message) => external_node_worker_threads_namespaceObject.parentPort.postMessage(message);
external_node_worker_threads_namespaceObject.parentPort.on('message', (message) => {
    if (message.kind === 'abort')
        controller.abort(new Error('the image source was stopped'));
});
function failureOf(error) {
    if (error instanceof ImageSourceError) {
        // The hint travels apart; the message without it is rebuilt on the other side.
        const message = error.hint ? error.message.slice(0, -(error.hint.length + 1)) : error.message;
        return { name: error.name, message, kind: error.kind, url: error.url, hint: error.hint };
    }
    if (error instanceof FedimgError)
        return { name: error.name, message: error.message };
    if (error instanceof Error)
        return { name: error.name, message: error.message };
    return { name: 'Error', message: String(error) };
}
async function feed() {
    const source = compressedChunks(setup, stats, controller.signal, (offset, reason) => report({ kind: 'resume', offset, reason }));
    const socket = (0,external_node_net_namespaceObject.connect)(setup.socketPath);
    // xz exiting early closes the socket; the main thread learns why from xz itself.
    let open = true;
    socket.on('error', () => (open = false));
    socket.on('close', () => (open = false));
    await (0,external_node_events_namespaceObject.once)(socket, 'connect');
    try {
        // Keeps reading after xz stopped taking input, so that a corrupt download is reported as the
        // checksum mismatch it is, rather than as the xz error it causes.
        for await (const chunk of source) {
            if (open && !socket.write(chunk))
                await drainedOrClosed(socket);
        }
        if (open) {
            socket.end();
            await (0,external_node_events_namespaceObject.once)(socket, 'close');
        }
    }
    finally {
        if (!stats.verified)
            socket.destroy();
    }
}
/** Resolves on 'drain', or when the socket can no longer take anything. */
function drainedOrClosed(socket) {
    return new Promise((resolve) => {
        const done = () => {
            socket.off('drain', done);
            socket.off('close', done);
            resolve();
        };
        socket.once('drain', done);
        socket.once('close', done);
    });
}
// The thread ends once it has said how the feed ended (its socket has flushed or been destroyed).
feed()
    .then(() => report({ kind: 'done', stats }), (error) => report({ kind: 'failed', failure: failureOf(error), stats }))
    .finally(() => external_node_worker_threads_namespaceObject.parentPort.close());

