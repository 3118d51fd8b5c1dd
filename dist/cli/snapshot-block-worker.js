import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
var __webpack_exports__ = {};

;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: external "node:worker_threads"
const external_node_worker_threads_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");
;// CONCATENATED MODULE: external "node:net"
const external_node_net_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");
;// CONCATENATED MODULE: external "node:tls"
const external_node_tls_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");
;// CONCATENATED MODULE: ./src/net/http1-response.ts
/**
 * Reads one HTTP/1.1 response from bytes as they arrive (RFC 9112): status line, header fields,
 * then a body framed by Transfer-Encoding: chunked, Content-Length, or the end of the connection.
 * Interim (1xx) responses are skipped. Only what a short answer needs: the body is kept up to
 * `MAX_BODY` bytes (an error's JSON) and the rest counted and dropped.
 */
/** Header section larger than this is refused (Node's own parser allows 16 KiB). */
const MAX_HEAD = 64 * 1024;
/** Body bytes kept; beyond this they are read and dropped. */
const MAX_BODY = 64 * 1024;
/** An answer that is not HTTP/1.x: not worth another attempt on the same terms. */
class MalformedResponseError extends Error {
    code = 'HPE_INVALID_RESPONSE';
    constructor(detail) {
        super(`the answer is not a valid HTTP/1.1 response: ${detail}`);
        this.name = 'MalformedResponseError';
    }
}
class ResponseReader {
    head = '';
    status = 0;
    headers = {};
    reusable = true;
    framing;
    kept = [];
    keptBytes = 0;
    done;
    /**
     * Takes the next bytes; returns the response once it is complete. Bytes after its end mean the
     * peer sent more than one answer: an error.
     */
    push(chunk) {
        let at = 0;
        while (at < chunk.length) {
            if (this.done)
                throw new MalformedResponseError('bytes after the end of the response');
            if (!this.framing)
                at = this.readHead(chunk, at);
            else
                at = this.readBody(chunk, at);
        }
        return this.done;
    }
    /** The connection ended: completes a response whose body runs to the end, else an error. */
    end() {
        if (this.done)
            return this.done;
        if (this.framing?.kind === 'close')
            return this.finish();
        const error = new Error(this.framing ? 'the connection closed in the middle of the answer' : 'socket hang up');
        throw Object.assign(error, { code: 'ECONNRESET' });
    }
    readHead(chunk, from) {
        const startLength = this.head.length;
        this.head += chunk.toString('latin1', from, Math.min(chunk.length, from + MAX_HEAD + 4));
        const end = this.head.indexOf('\r\n\r\n');
        if (end < 0) {
            if (this.head.length > MAX_HEAD)
                throw new MalformedResponseError('header section too large');
            return chunk.length;
        }
        const consumed = from + end + 4 - startLength;
        const lines = this.head.slice(0, end).split('\r\n');
        this.head = '';
        const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/.exec(lines[0]);
        if (!status)
            throw new MalformedResponseError(`status line ${JSON.stringify(lines[0].slice(0, 80))}`);
        const headers = {};
        for (const line of lines.slice(1)) {
            const colon = line.indexOf(':');
            if (colon <= 0 || /[\s]/.test(line.slice(0, colon)))
                throw new MalformedResponseError(`header line ${JSON.stringify(line.slice(0, 80))}`);
            const name = line.slice(0, colon).toLowerCase();
            const value = line.slice(colon + 1).trim();
            headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
        }
        const code = Number(status[2]);
        // 1xx: an interim answer (100 Continue and the like); the real one follows.
        if (code < 200)
            return consumed;
        this.status = code;
        this.headers = headers;
        const connection = (headers.connection ?? '').toLowerCase();
        this.reusable =
            status[1] === '1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /keep-alive/.test(connection);
        this.framing = this.framingOf(code, headers);
        if (this.framing.kind === 'length' && this.framing.left === 0)
            this.finish();
        return consumed;
    }
    framingOf(code, headers) {
        if (code === 204 || code === 304)
            return { kind: 'length', left: 0 };
        const coding = headers['transfer-encoding'];
        if (coding !== undefined) {
            if (!/(^|,)\s*chunked\s*$/i.test(coding))
                throw new MalformedResponseError(`transfer-encoding ${JSON.stringify(coding)}`);
            return { kind: 'chunked', state: 'size', left: 0, line: '' };
        }
        const length = headers['content-length'];
        if (length !== undefined) {
            if (!/^\d{1,15}$/.test(length))
                throw new MalformedResponseError(`content-length ${JSON.stringify(length)}`);
            return { kind: 'length', left: Number(length) };
        }
        this.reusable = false;
        return { kind: 'close' };
    }
    keep(chunk, from, to) {
        const piece = chunk.subarray(from, Math.min(to, from + MAX_BODY - this.keptBytes));
        if (piece.length === 0)
            return;
        this.kept.push(Buffer.from(piece));
        this.keptBytes += piece.length;
    }
    finish() {
        this.done = {
            status: this.status,
            headers: this.headers,
            body: Buffer.concat(this.kept).toString('utf8'),
            reusable: this.reusable,
        };
        return this.done;
    }
    readBody(chunk, from) {
        const framing = this.framing;
        if (framing.kind === 'close') {
            this.keep(chunk, from, chunk.length);
            return chunk.length;
        }
        if (framing.kind === 'length') {
            const to = Math.min(chunk.length, from + framing.left);
            this.keep(chunk, from, to);
            framing.left -= to - from;
            if (framing.left === 0)
                this.finish();
            return to;
        }
        return this.readChunked(framing, chunk, from);
    }
    /** chunk = size [; extensions] CRLF data CRLF; last-chunk = 0 CRLF; then trailer lines and CRLF. */
    readChunked(framing, chunk, from) {
        if (framing.state === 'data') {
            const to = Math.min(chunk.length, from + framing.left);
            this.keep(chunk, from, to);
            framing.left -= to - from;
            if (framing.left === 0)
                framing.state = 'data-end';
            return to;
        }
        const newline = chunk.indexOf(10, from);
        const to = newline < 0 ? chunk.length : newline + 1;
        framing.line += chunk.toString('latin1', from, to);
        if (framing.line.length > 4096)
            throw new MalformedResponseError('chunk line too long');
        if (newline < 0)
            return to;
        const line = framing.line.replace(/\r?\n$/, '');
        framing.line = '';
        if (framing.state === 'data-end') {
            if (line !== '')
                throw new MalformedResponseError('chunk data longer than its size');
            framing.state = 'size';
        }
        else if (framing.state === 'size') {
            const size = /^([0-9a-fA-F]{1,8})(?:\s*;.*)?$/.exec(line);
            if (!size)
                throw new MalformedResponseError(`chunk size ${JSON.stringify(line.slice(0, 40))}`);
            framing.left = parseInt(size[1], 16);
            framing.state = framing.left === 0 ? 'trailer' : 'data';
        }
        else if (line === '') {
            this.finish();
        }
        return to;
    }
}

;// CONCATENATED MODULE: ./src/net/http1-connections.ts



/** A request that ran out of time, named as the SDK names it (the retry rules treat it as transient). */
function timeoutError(text) {
    return Object.assign(new Error(text), { name: 'TimeoutError' });
}
/** Bytes on a connection no request is waiting on. */
function unexpected() {
    this.destroy();
}
/** A header value or path with a line break would end the head early: refused before sending. */
const UNSAFE = /[\r\n\0]/;
class Http1Connections {
    origin;
    idle = [];
    open = 0;
    waiting = [];
    closed = false;
    /** The last TLS session a server gave: new connections resume it instead of a full handshake. */
    tlsSession;
    constructor(origin) {
        this.origin = origin;
    }
    /** Sends the request; `cancel` (when given) receives the function that aborts it. */
    async request(request, onCancel) {
        for (const [name, value] of request.headers)
            if (UNSAFE.test(name) || UNSAFE.test(value) || name.includes(':'))
                throw new TypeError(`header ${JSON.stringify(name)} has a character HTTP does not allow`);
        if (UNSAFE.test(request.path) || request.path.includes(' '))
            throw new TypeError('the request path has a character HTTP does not allow');
        let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
        for (const [name, value] of request.headers)
            head += `${name}: ${value}\r\n`;
        head += '\r\n';
        let cancelled;
        let abort = (reason) => (cancelled = reason);
        onCancel?.((reason) => abort(reason));
        const deadline = setTimeout(() => abort(timeoutError(`the request took longer than ${request.deadlineMs} ms`)), request.deadlineMs);
        try {
            if (cancelled)
                throw cancelled;
            const socket = await this.acquire(request.idleMs, (reason) => (abort = reason));
            if (cancelled) {
                this.dropped(socket);
                throw cancelled;
            }
            return await this.exchange(socket, head, request, (destroy) => (abort = destroy));
        }
        finally {
            clearTimeout(deadline);
        }
    }
    /** Closes every connection; requests in flight fail. */
    destroy() {
        this.closed = true;
        for (const socket of this.idle.splice(0))
            socket.destroy();
    }
    /** An idle connection (most recently used first), a new one, or the next one to come free. */
    async acquire(idleMs, onAbort) {
        for (;;) {
            if (this.closed)
                throw new Error('the connections were closed');
            const socket = this.idle.pop();
            if (socket) {
                socket.off('data', unexpected);
                if (!socket.destroyed && socket.readyState === 'open')
                    return socket;
                continue;
            }
            if (this.open < this.origin.sockets)
                return this.connect(idleMs, onAbort);
            await new Promise((resolve, reject) => {
                this.waiting.push(resolve);
                onAbort((reason) => {
                    const at = this.waiting.indexOf(resolve);
                    if (at >= 0)
                        this.waiting.splice(at, 1);
                    reject(reason);
                });
            });
        }
    }
    connect(idleMs, onAbort) {
        const { protocol, hostname, port } = this.origin;
        this.open++;
        const socket = protocol === 'https:'
            ? (0,external_node_tls_namespaceObject.connect)({
                host: hostname,
                port,
                // SNI carries a name, never an address.
                ...(/^[\d.]+$|:/.test(hostname) ? {} : { servername: hostname }),
                ALPNProtocols: ['http/1.1'],
                ...(this.origin.ca ? { ca: this.origin.ca } : {}),
                ...(this.tlsSession ? { session: this.tlsSession } : {}),
            }).on('session', (session) => (this.tlsSession = session))
            : (0,external_node_net_namespaceObject.connect)({ host: hostname, port });
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 1000);
        socket.once('close', () => {
            this.open--;
            this.wakeOne();
            const at = this.idle.indexOf(socket);
            if (at >= 0)
                this.idle.splice(at, 1);
        });
        // An idle connection the server closes or breaks just leaves the pool.
        socket.on('error', () => undefined);
        const slow = () => socket.destroy(timeoutError(`connecting took longer than ${idleMs} ms`));
        socket.setTimeout(idleMs);
        socket.once('timeout', slow);
        return new Promise((resolve, reject) => {
            const ready = protocol === 'https:' ? 'secureConnect' : 'connect';
            const fail = (error) => {
                socket.off(ready, done);
                socket.off('timeout', slow);
                reject(error);
            };
            const done = () => {
                socket.off('error', fail);
                socket.off('close', closedEarly);
                socket.off('timeout', slow);
                resolve(socket);
            };
            const closedEarly = () => fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
            socket.once(ready, done);
            socket.once('error', fail);
            socket.once('close', closedEarly);
            onAbort((reason) => socket.destroy(reason));
        });
    }
    /** A connection closed for good; the next waiting request is woken to look again. */
    dropped(socket) {
        socket.destroy();
        this.wakeOne();
    }
    wakeOne() {
        this.waiting.shift()?.();
    }
    /** A connection back in the pool (unless the pool is closed or the connection is gone). */
    released(socket) {
        if (this.closed)
            socket.destroy();
        else if (!socket.destroyed) {
            socket.setTimeout(0);
            // Nothing may arrive between requests; what does makes the connection unusable.
            socket.once('data', unexpected);
            this.idle.push(socket);
        }
        this.wakeOne();
    }
    exchange(socket, head, request, onAbort) {
        return new Promise((resolve, reject) => {
            const reader = new ResponseReader();
            let settled = false;
            // Whether the body is all with the kernel, and what to do once it is.
            let written = false;
            let afterWrite;
            const cleanup = () => {
                settled = true;
                socket.off('data', onData);
                socket.off('end', onEnd);
                socket.off('error', onError);
                socket.off('close', onEnd);
                socket.off('timeout', onIdle);
            };
            const fail = (error) => {
                if (settled)
                    return;
                cleanup();
                this.dropped(socket);
                reject(error);
            };
            const onData = (chunk) => {
                let answer;
                try {
                    answer = reader.push(chunk);
                }
                catch (error) {
                    fail(error);
                    return;
                }
                if (!answer)
                    return;
                cleanup();
                if (written && answer.reusable)
                    this.released(socket);
                else if (!answer.reusable || answer.status >= 300) {
                    // A refusal may come before the body was all sent: the rest is not sent from memory
                    // the caller takes back.
                    this.dropped(socket);
                }
                else {
                    // A success means the server has every byte; libuv just has not reported the write
                    // done yet. The connection goes back once it has, unless it stays stuck that long.
                    const stuck = () => socket.destroy();
                    socket.once('timeout', stuck);
                    afterWrite = () => {
                        socket.off('timeout', stuck);
                        this.released(socket);
                    };
                }
                resolve(answer);
            };
            const onEnd = () => {
                if (settled)
                    return;
                try {
                    const answer = reader.end();
                    cleanup();
                    this.dropped(socket);
                    resolve(answer);
                }
                catch (error) {
                    fail(error);
                }
            };
            const onError = (error) => fail(error);
            const onIdle = () => fail(timeoutError(`the connection was idle for ${request.idleMs} ms`));
            socket.on('data', onData);
            socket.once('end', onEnd);
            socket.once('close', onEnd);
            socket.on('error', onError);
            socket.setTimeout(request.idleMs);
            socket.on('timeout', onIdle);
            onAbort(fail);
            socket.cork();
            socket.write(head, 'latin1');
            socket.write(request.body, () => {
                written = true;
                afterWrite?.();
            });
            socket.uncork();
        });
    }
}

;// CONCATENATED MODULE: ./src/aws/put-block-signer.ts

const SERVICE = 'ebs';
const ALGORITHM = 'AWS4-HMAC-SHA256';
/** RFC 3986 unreserved characters stay; everything else is %XX (AWS's UriEncode). */
function uriEncode(segment) {
    return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
/**
 * The canonical URI. Services other than S3 encode each path segment once more (the SDK's
 * `uriEscapePath`), after dropping empty and `.` segments and resolving `..`.
 */
function canonicalPath(path, uriEscapePath) {
    if (!uriEscapePath)
        return path;
    const segments = [];
    for (const segment of path.split('/')) {
        if (segment === '' || segment === '.')
            continue;
        if (segment === '..')
            segments.pop();
        else
            segments.push(segment);
    }
    const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
    return `${path.startsWith('/') ? '/' : ''}${segments.map(uriEncode).join('/')}${trailing}`;
}
const hmac = (key, text) => (0,external_node_crypto_namespaceObject.createHmac)('sha256', key).update(text).digest();
/** Signs PutSnapshotBlock requests in one region; keeps the signing key of the current day. */
class PutBlockSigner {
    region;
    uriEscapePath;
    key;
    date;
    constructor(region, uriEscapePath) {
        this.region = region;
        this.uriEscapePath = uriEscapePath;
    }
    /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request"). */
    signingKey(secret, day) {
        const of = `${day}\u0000${secret}`;
        if (this.key?.of !== of) {
            const value = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), this.region), SERVICE), 'aws4_request');
            this.key = { of, value };
        }
        return this.key.value;
    }
    /** YYYYMMDDTHHMMSSZ, the same string for every request within a second. */
    longDate(signingTime) {
        const second = Math.floor(signingTime / 1000);
        if (this.date?.second !== second)
            this.date = {
                second,
                long: new Date(second * 1000).toISOString().replace(/[-:]|\.\d{3}/g, ''),
            };
        return this.date.long;
    }
    /** Every header of the request, Authorization included, in the order they are written. */
    headers(request, credentials, signingTime) {
        const longDate = this.longDate(signingTime);
        const day = longDate.slice(0, 8);
        const length = String(request.dataLength);
        // Sorted by name, as the canonical request lists them; user-agent is never signed.
        const signed = [
            ['content-length', length],
            ['content-type', 'application/octet-stream'],
            ['host', request.host],
            ['x-amz-checksum', request.sha256Base64],
            ['x-amz-checksum-algorithm', 'SHA256'],
            ['x-amz-content-sha256', request.sha256Hex],
            ['x-amz-data-length', length],
            ['x-amz-date', longDate],
        ];
        if (credentials.sessionToken !== undefined)
            signed.push(['x-amz-security-token', credentials.sessionToken.trim().replace(/\s+/g, ' ')]);
        let canonicalHeaders = '';
        let signedNames = '';
        for (const [name, value] of signed) {
            canonicalHeaders += `${name}:${value}\n`;
            signedNames += signedNames ? `;${name}` : name;
        }
        const canonicalRequest = `PUT\n${canonicalPath(request.path, this.uriEscapePath)}\n\n${canonicalHeaders}\n${signedNames}\n${request.sha256Hex}`;
        const scope = `${day}/${this.region}/${SERVICE}/aws4_request`;
        const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${(0,external_node_crypto_namespaceObject.createHash)('sha256').update(canonicalRequest).digest('hex')}`;
        const signature = (0,external_node_crypto_namespaceObject.createHmac)('sha256', this.signingKey(credentials.secretAccessKey, day))
            .update(stringToSign)
            .digest('hex');
        return [
            ...signed,
            ['user-agent', request.userAgent],
            [
                'authorization',
                `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedNames}, Signature=${signature}`,
            ],
        ];
    }
}

;// CONCATENATED MODULE: ./src/aws/snapshot-block-worker.ts




/**
 * A sending thread of PutSnapshotBlock's lean path: it hashes a block, signs the request
 * (put-block-signer.ts) and writes it to one of its keep-alive connections (http1-connections.ts),
 * then hands the block's memory back. Hashing 512 KiB, signing and the socket and kernel work of
 * sending it are most of an upload's CPU; here they run beside the main thread instead of on it,
 * so one Node process can feed several hundred MB/s. Credentials, endpoint and signing time come
 * from the main thread, which keeps the SDK's credential chain and clock-skew correction; retries
 * and cancellation stay there.
 */
const setup = external_node_worker_threads_namespaceObject.workerData;
const USER_AGENT = 'fedimg (PutSnapshotBlock over HTTP/1.1 keep-alive)';
const endpoint = new URL(setup.endpoint);
const basePath = endpoint.pathname.replace(/\/$/, '');
const https = endpoint.protocol === 'https:';
const connections = new Http1Connections({
    protocol: https ? 'https:' : 'http:',
    hostname: endpoint.hostname.replace(/^\[|\]$/g, ''),
    port: endpoint.port ? Number(endpoint.port) : https ? 443 : 80,
    sockets: setup.sockets,
});
const signer = new PutBlockSigner(setup.region, setup.uriEscapePath);
const running = new Map();
/** Jobs cancelled before their request existed (while being hashed or signed). */
const cancelled = new Map();
function send(job, data, sha256) {
    const path = `${basePath}/snapshots/${encodeURIComponent(job.snapshotId)}/blocks/${job.index}`;
    const headers = signer.headers({
        host: endpoint.host,
        path,
        dataLength: data.length,
        sha256Base64: sha256,
        // SigV4 signs a hash of the payload; the block's own SHA-256 is that hash.
        sha256Hex: Buffer.from(sha256, 'base64').toString('hex'),
        userAgent: USER_AGENT,
    }, job.credentials, job.signingTime);
    const answer = connections.request({
        method: 'PUT',
        path,
        headers,
        body: data,
        deadlineMs: setup.requestTimeoutMs,
        idleMs: setup.idleTimeoutMs,
    }, (cancel) => {
        running.set(job.id, cancel);
        const early = cancelled.get(job.id);
        if (early)
            cancel(early);
    });
    return answer.finally(() => {
        running.delete(job.id);
        cancelled.delete(job.id);
    });
}
async function handle(job) {
    const data = Buffer.from(job.buffer, 0, job.length);
    const sha256 = job.sha256 ?? (0,external_node_crypto_namespaceObject.createHash)('sha256').update(data).digest('base64');
    try {
        const answer = await send(job, data, sha256);
        return answer.status >= 200 && answer.status < 300
            ? { id: job.id, buffer: job.buffer, sha256 }
            : {
                id: job.id,
                buffer: job.buffer,
                sha256,
                refused: { status: answer.status, headers: answer.headers, body: answer.body },
            };
    }
    catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        const code = failure.code;
        return {
            id: job.id,
            buffer: job.buffer,
            sha256,
            failed: { name: failure.name, message: failure.message, ...(typeof code === 'string' ? { code } : {}) },
        };
    }
}
external_node_worker_threads_namespaceObject.parentPort.on('message', (message) => {
    if (message.kind === 'abort') {
        const abort = Object.assign(new Error(message.reason), { name: 'AbortError', code: 'ABORT_ERR' });
        const destroy = running.get(message.id);
        if (destroy)
            destroy(abort);
        else
            cancelled.set(message.id, abort);
        return;
    }
    void handle(message).then((outcome) => external_node_worker_threads_namespaceObject.parentPort.postMessage(outcome, [outcome.buffer]));
});

