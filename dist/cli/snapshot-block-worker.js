import { createRequire as __fedimgCreateRequire } from 'node:module';
import { fileURLToPath as __fedimgFileURLToPath } from 'node:url';
import { dirname as __fedimgDirnameOf } from 'node:path';
const require = __fedimgCreateRequire(import.meta.url);
const __fedimgFilename = __fedimgFileURLToPath(import.meta.url);
const __fedimgDirname = __fedimgDirnameOf(__fedimgFilename);
var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// src/aws/snapshot-block-worker.ts
import { createHash as createHash2 } from "node:crypto";
import { parentPort } from "node:worker_threads";

// src/net/http1-connections.ts
import { connect as connectTcp } from "node:net";
import { connect as connectTls } from "node:tls";

// src/net/http1-response.ts
var MAX_HEAD = 64 * 1024;
var MAX_BODY = 64 * 1024;
var MalformedResponseError = class extends Error {
  static {
    __name(this, "MalformedResponseError");
  }
  code = "HPE_INVALID_RESPONSE";
  constructor(detail) {
    super(`the answer is not a valid HTTP/1.1 response: ${detail}`);
    this.name = "MalformedResponseError";
  }
};
var ResponseReader = class {
  static {
    __name(this, "ResponseReader");
  }
  head = "";
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
      if (this.done) throw new MalformedResponseError("bytes after the end of the response");
      if (!this.framing) at = this.readHead(chunk, at);
      else at = this.readBody(chunk, at);
    }
    return this.done;
  }
  /** The connection ended: completes a response whose body runs to the end, else an error. */
  end() {
    if (this.done) return this.done;
    if (this.framing?.kind === "close") return this.finish();
    const error = new Error(
      this.framing ? "the connection closed in the middle of the answer" : "socket hang up"
    );
    throw Object.assign(error, { code: "ECONNRESET" });
  }
  readHead(chunk, from) {
    const startLength = this.head.length;
    this.head += chunk.toString("latin1", from, Math.min(chunk.length, from + MAX_HEAD + 4));
    const end = this.head.indexOf("\r\n\r\n");
    if (end < 0) {
      if (this.head.length > MAX_HEAD) throw new MalformedResponseError("header section too large");
      return chunk.length;
    }
    const consumed = from + end + 4 - startLength;
    const lines = this.head.slice(0, end).split("\r\n");
    this.head = "";
    const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/.exec(lines[0]);
    if (!status) throw new MalformedResponseError(`status line ${JSON.stringify(lines[0].slice(0, 80))}`);
    const headers = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0 || /[\s]/.test(line.slice(0, colon)))
        throw new MalformedResponseError(`header line ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const code = Number(status[2]);
    if (code < 200) return consumed;
    this.status = code;
    this.headers = headers;
    const connection = (headers.connection ?? "").toLowerCase();
    this.reusable = status[1] === "1" ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /keep-alive/.test(connection);
    this.framing = this.framingOf(code, headers);
    if (this.framing.kind === "length" && this.framing.left === 0) this.finish();
    return consumed;
  }
  framingOf(code, headers) {
    if (code === 204 || code === 304) return { kind: "length", left: 0 };
    const coding = headers["transfer-encoding"];
    if (coding !== void 0) {
      if (!/(^|,)\s*chunked\s*$/i.test(coding))
        throw new MalformedResponseError(`transfer-encoding ${JSON.stringify(coding)}`);
      return { kind: "chunked", state: "size", left: 0, line: "" };
    }
    const length = headers["content-length"];
    if (length !== void 0) {
      if (!/^\d{1,15}$/.test(length))
        throw new MalformedResponseError(`content-length ${JSON.stringify(length)}`);
      return { kind: "length", left: Number(length) };
    }
    this.reusable = false;
    return { kind: "close" };
  }
  keep(chunk, from, to) {
    const piece = chunk.subarray(from, Math.min(to, from + MAX_BODY - this.keptBytes));
    if (piece.length === 0) return;
    this.kept.push(Buffer.from(piece));
    this.keptBytes += piece.length;
  }
  finish() {
    this.done = {
      status: this.status,
      headers: this.headers,
      body: Buffer.concat(this.kept).toString("utf8"),
      reusable: this.reusable
    };
    return this.done;
  }
  readBody(chunk, from) {
    const framing = this.framing;
    if (framing.kind === "close") {
      this.keep(chunk, from, chunk.length);
      return chunk.length;
    }
    if (framing.kind === "length") {
      const to = Math.min(chunk.length, from + framing.left);
      this.keep(chunk, from, to);
      framing.left -= to - from;
      if (framing.left === 0) this.finish();
      return to;
    }
    return this.readChunked(framing, chunk, from);
  }
  /** chunk = size [; extensions] CRLF data CRLF; last-chunk = 0 CRLF; then trailer lines and CRLF. */
  readChunked(framing, chunk, from) {
    if (framing.state === "data") {
      const to2 = Math.min(chunk.length, from + framing.left);
      this.keep(chunk, from, to2);
      framing.left -= to2 - from;
      if (framing.left === 0) framing.state = "data-end";
      return to2;
    }
    const newline = chunk.indexOf(10, from);
    const to = newline < 0 ? chunk.length : newline + 1;
    framing.line += chunk.toString("latin1", from, to);
    if (framing.line.length > 4096) throw new MalformedResponseError("chunk line too long");
    if (newline < 0) return to;
    const line = framing.line.replace(/\r?\n$/, "");
    framing.line = "";
    if (framing.state === "data-end") {
      if (line !== "") throw new MalformedResponseError("chunk data longer than its size");
      framing.state = "size";
    } else if (framing.state === "size") {
      const size = /^([0-9a-fA-F]{1,8})(?:\s*;.*)?$/.exec(line);
      if (!size) throw new MalformedResponseError(`chunk size ${JSON.stringify(line.slice(0, 40))}`);
      framing.left = parseInt(size[1], 16);
      framing.state = framing.left === 0 ? "trailer" : "data";
    } else if (line === "") {
      this.finish();
    }
    return to;
  }
};

// src/net/http1-connections.ts
function timeoutError(text) {
  return Object.assign(new Error(text), { name: "TimeoutError" });
}
__name(timeoutError, "timeoutError");
function unexpected() {
  this.destroy();
}
__name(unexpected, "unexpected");
var UNSAFE = /[\r\n\0]/;
var Http1Connections = class {
  constructor(origin) {
    this.origin = origin;
  }
  origin;
  static {
    __name(this, "Http1Connections");
  }
  idle = [];
  open = 0;
  waiting = [];
  closed = false;
  /** The last TLS session a server gave: new connections resume it instead of a full handshake. */
  tlsSession;
  /** Sends the request; `cancel` (when given) receives the function that aborts it. */
  async request(request, onCancel) {
    for (const [name, value] of request.headers)
      if (UNSAFE.test(name) || UNSAFE.test(value) || name.includes(":"))
        throw new TypeError(`header ${JSON.stringify(name)} has a character HTTP does not allow`);
    if (UNSAFE.test(request.path) || request.path.includes(" "))
      throw new TypeError("the request path has a character HTTP does not allow");
    let head = `${request.method} ${request.path} HTTP/1.1\r
`;
    for (const [name, value] of request.headers) head += `${name}: ${value}\r
`;
    head += "\r\n";
    let cancelled;
    let abort = /* @__PURE__ */ __name((reason) => cancelled = reason, "abort");
    onCancel?.((reason) => abort(reason));
    const deadline = setTimeout(
      () => abort(timeoutError(`the request took longer than ${request.deadlineMs} ms`)),
      request.deadlineMs
    );
    try {
      if (cancelled) throw cancelled;
      const socket = await this.acquire(request.idleMs, (reason) => abort = reason);
      if (cancelled) {
        this.dropped(socket);
        throw cancelled;
      }
      return await this.exchange(socket, head, request, (destroy) => abort = destroy);
    } finally {
      clearTimeout(deadline);
    }
  }
  /** Closes every connection; requests in flight fail. */
  destroy() {
    this.closed = true;
    for (const socket of this.idle.splice(0)) socket.destroy();
  }
  /** An idle connection (most recently used first), a new one, or the next one to come free. */
  async acquire(idleMs, onAbort) {
    for (; ; ) {
      if (this.closed) throw new Error("the connections were closed");
      const socket = this.idle.pop();
      if (socket) {
        socket.off("data", unexpected);
        if (!socket.destroyed && socket.readyState === "open") return socket;
        continue;
      }
      if (this.open < this.origin.sockets) return this.connect(idleMs, onAbort);
      await new Promise((resolve, reject) => {
        this.waiting.push(resolve);
        onAbort((reason) => {
          const at = this.waiting.indexOf(resolve);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(reason);
        });
      });
    }
  }
  connect(idleMs, onAbort) {
    const { protocol, hostname, port } = this.origin;
    this.open++;
    const socket = protocol === "https:" ? connectTls({
      host: hostname,
      port,
      // SNI carries a name, never an address.
      .../^[\d.]+$|:/.test(hostname) ? {} : { servername: hostname },
      ALPNProtocols: ["http/1.1"],
      ...this.origin.ca ? { ca: this.origin.ca } : {},
      ...this.tlsSession ? { session: this.tlsSession } : {}
    }).on("session", (session) => this.tlsSession = session) : connectTcp({ host: hostname, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1e3);
    socket.once("close", () => {
      this.open--;
      this.wakeOne();
      const at = this.idle.indexOf(socket);
      if (at >= 0) this.idle.splice(at, 1);
    });
    socket.on("error", () => void 0);
    const slow = /* @__PURE__ */ __name(() => socket.destroy(timeoutError(`connecting took longer than ${idleMs} ms`)), "slow");
    socket.setTimeout(idleMs);
    socket.once("timeout", slow);
    return new Promise((resolve, reject) => {
      const ready = protocol === "https:" ? "secureConnect" : "connect";
      const fail = /* @__PURE__ */ __name((error) => {
        socket.off(ready, done);
        socket.off("timeout", slow);
        reject(error);
      }, "fail");
      const done = /* @__PURE__ */ __name(() => {
        socket.off("error", fail);
        socket.off("close", closedEarly);
        socket.off("timeout", slow);
        resolve(socket);
      }, "done");
      const closedEarly = /* @__PURE__ */ __name(() => fail(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })), "closedEarly");
      socket.once(ready, done);
      socket.once("error", fail);
      socket.once("close", closedEarly);
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
    if (this.closed) socket.destroy();
    else if (!socket.destroyed) {
      socket.setTimeout(0);
      socket.once("data", unexpected);
      this.idle.push(socket);
    }
    this.wakeOne();
  }
  exchange(socket, head, request, onAbort) {
    return new Promise((resolve, reject) => {
      const reader = new ResponseReader();
      let settled = false;
      let written = false;
      let afterWrite;
      const cleanup = /* @__PURE__ */ __name(() => {
        settled = true;
        socket.off("data", onData);
        socket.off("end", onEnd);
        socket.off("error", onError);
        socket.off("close", onEnd);
        socket.off("timeout", onIdle);
      }, "cleanup");
      const fail = /* @__PURE__ */ __name((error) => {
        if (settled) return;
        cleanup();
        this.dropped(socket);
        reject(error);
      }, "fail");
      const onData = /* @__PURE__ */ __name((chunk) => {
        let answer;
        try {
          answer = reader.push(chunk);
        } catch (error) {
          fail(error);
          return;
        }
        if (!answer) return;
        cleanup();
        if (written && answer.reusable) this.released(socket);
        else if (!answer.reusable || answer.status >= 300) {
          this.dropped(socket);
        } else {
          const stuck = /* @__PURE__ */ __name(() => socket.destroy(), "stuck");
          socket.once("timeout", stuck);
          afterWrite = /* @__PURE__ */ __name(() => {
            socket.off("timeout", stuck);
            this.released(socket);
          }, "afterWrite");
        }
        resolve(answer);
      }, "onData");
      const onEnd = /* @__PURE__ */ __name(() => {
        if (settled) return;
        try {
          const answer = reader.end();
          cleanup();
          this.dropped(socket);
          resolve(answer);
        } catch (error) {
          fail(error);
        }
      }, "onEnd");
      const onError = /* @__PURE__ */ __name((error) => fail(error), "onError");
      const onIdle = /* @__PURE__ */ __name(() => fail(timeoutError(`the connection was idle for ${request.idleMs} ms`)), "onIdle");
      socket.on("data", onData);
      socket.once("end", onEnd);
      socket.once("close", onEnd);
      socket.on("error", onError);
      socket.setTimeout(request.idleMs);
      socket.on("timeout", onIdle);
      onAbort(fail);
      socket.cork();
      socket.write(head, "latin1");
      socket.write(request.body, () => {
        written = true;
        afterWrite?.();
      });
      socket.uncork();
    });
  }
};

// src/aws/put-block-signer.ts
import { createHash, createHmac } from "node:crypto";
var SERVICE = "ebs";
var ALGORITHM = "AWS4-HMAC-SHA256";
function uriEncode(segment) {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  );
}
__name(uriEncode, "uriEncode");
function canonicalPath(path, uriEscapePath) {
  if (!uriEscapePath) return path;
  const segments = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
  return `${path.startsWith("/") ? "/" : ""}${segments.map(uriEncode).join("/")}${trailing}`;
}
__name(canonicalPath, "canonicalPath");
var hmac = /* @__PURE__ */ __name((key, text) => createHmac("sha256", key).update(text).digest(), "hmac");
var PutBlockSigner = class {
  constructor(region, uriEscapePath) {
    this.region = region;
    this.uriEscapePath = uriEscapePath;
  }
  region;
  uriEscapePath;
  static {
    __name(this, "PutBlockSigner");
  }
  key;
  date;
  /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request"). */
  signingKey(secret, day) {
    const of = `${day}\0${secret}`;
    if (this.key?.of !== of) {
      const value = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), this.region), SERVICE), "aws4_request");
      this.key = { of, value };
    }
    return this.key.value;
  }
  /** YYYYMMDDTHHMMSSZ, the same string for every request within a second. */
  longDate(signingTime) {
    const second = Math.floor(signingTime / 1e3);
    if (this.date?.second !== second)
      this.date = {
        second,
        long: new Date(second * 1e3).toISOString().replace(/[-:]|\.\d{3}/g, "")
      };
    return this.date.long;
  }
  /** Every header of the request, Authorization included, in the order they are written. */
  headers(request, credentials, signingTime) {
    const longDate = this.longDate(signingTime);
    const day = longDate.slice(0, 8);
    const length = String(request.dataLength);
    const signed = [
      ["content-length", length],
      ["content-type", "application/octet-stream"],
      ["host", request.host],
      ["x-amz-checksum", request.sha256Base64],
      ["x-amz-checksum-algorithm", "SHA256"],
      ["x-amz-content-sha256", request.sha256Hex],
      ["x-amz-data-length", length],
      ["x-amz-date", longDate]
    ];
    if (credentials.sessionToken !== void 0)
      signed.push(["x-amz-security-token", credentials.sessionToken.trim().replace(/\s+/g, " ")]);
    let canonicalHeaders = "";
    let signedNames = "";
    for (const [name, value] of signed) {
      canonicalHeaders += `${name}:${value}
`;
      signedNames += signedNames ? `;${name}` : name;
    }
    const canonicalRequest = `PUT
${canonicalPath(request.path, this.uriEscapePath)}

${canonicalHeaders}
${signedNames}
${request.sha256Hex}`;
    const scope = `${day}/${this.region}/${SERVICE}/aws4_request`;
    const stringToSign = `${ALGORITHM}
${longDate}
${scope}
${createHash("sha256").update(canonicalRequest).digest("hex")}`;
    const signature = createHmac("sha256", this.signingKey(credentials.secretAccessKey, day)).update(stringToSign).digest("hex");
    return [
      ...signed,
      ["user-agent", request.userAgent],
      [
        "authorization",
        `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedNames}, Signature=${signature}`
      ]
    ];
  }
};

// src/aws/snapshot-block-worker.ts
var USER_AGENT = "fedimg (PutSnapshotBlock over HTTP/1.1 keep-alive)";
var Session = class {
  constructor(setup) {
    this.setup = setup;
    this.endpoint = new URL(setup.endpoint);
    this.basePath = this.endpoint.pathname.replace(/\/$/, "");
    const https = this.endpoint.protocol === "https:";
    this.connections = new Http1Connections({
      protocol: https ? "https:" : "http:",
      hostname: this.endpoint.hostname.replace(/^\[|\]$/g, ""),
      port: this.endpoint.port ? Number(this.endpoint.port) : https ? 443 : 80,
      sockets: setup.sockets
    });
    this.signer = new PutBlockSigner(setup.region, setup.uriEscapePath);
  }
  setup;
  static {
    __name(this, "Session");
  }
  endpoint;
  basePath;
  connections;
  signer;
  running = /* @__PURE__ */ new Map();
  /** Jobs cancelled before their request existed (while being hashed or signed). */
  cancelled = /* @__PURE__ */ new Map();
  /** Jobs whose outcome has not been posted yet. */
  unanswered = /* @__PURE__ */ new Set();
};
var active;
function send(session, job, data, sha256) {
  const { setup, endpoint, signer, connections, running, cancelled } = session;
  const path = `${session.basePath}/snapshots/${encodeURIComponent(job.snapshotId)}/blocks/${job.index}`;
  const headers = signer.headers(
    {
      host: endpoint.host,
      path,
      dataLength: data.length,
      sha256Base64: sha256,
      // SigV4 signs a hash of the payload; the block's own SHA-256 is that hash.
      sha256Hex: Buffer.from(sha256, "base64").toString("hex"),
      userAgent: USER_AGENT
    },
    job.credentials,
    job.signingTime
  );
  const answer = connections.request(
    {
      method: "PUT",
      path,
      headers,
      body: data,
      deadlineMs: setup.requestTimeoutMs,
      idleMs: setup.idleTimeoutMs
    },
    (cancel) => {
      running.set(job.id, cancel);
      const early = cancelled.get(job.id);
      if (early) cancel(early);
    }
  );
  return answer.finally(() => {
    running.delete(job.id);
    cancelled.delete(job.id);
  });
}
__name(send, "send");
async function handle(session, job) {
  const data = Buffer.from(job.buffer, 0, job.length);
  const sha256 = job.sha256 ?? createHash2("sha256").update(data).digest("base64");
  try {
    const answer = await send(session, job, data, sha256);
    return answer.status >= 200 && answer.status < 300 ? { id: job.id, buffer: job.buffer, sha256 } : {
      id: job.id,
      buffer: job.buffer,
      sha256,
      refused: { status: answer.status, headers: answer.headers, body: answer.body }
    };
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    const code = failure.code;
    return {
      id: job.id,
      buffer: job.buffer,
      sha256,
      failed: { name: failure.name, message: failure.message, ...typeof code === "string" ? { code } : {} }
    };
  }
}
__name(handle, "handle");
var abortError = /* @__PURE__ */ __name((reason) => Object.assign(new Error(reason), { name: "AbortError", code: "ABORT_ERR" }), "abortError");
async function close(ending) {
  const reason = abortError("the writer was closed");
  for (const cancel of ending.running.values()) cancel(reason);
  ending.connections.destroy();
  await Promise.all(ending.unanswered);
  parentPort.postMessage({ kind: "closed" });
}
__name(close, "close");
parentPort.on("message", (message) => {
  if (message.kind === "open") {
    active = new Session(message.setup);
    return;
  }
  const current = active;
  if (!current) return;
  if (message.kind === "close") {
    active = void 0;
    void close(current);
    return;
  }
  if (message.kind === "abort") {
    const abort = abortError(message.reason);
    const destroy = current.running.get(message.id);
    if (destroy) destroy(abort);
    else current.cancelled.set(message.id, abort);
    return;
  }
  const answered = handle(current, message).then((outcome) => {
    parentPort.postMessage(outcome, [outcome.buffer]);
    current.unanswered.delete(answered);
  });
  current.unanswered.add(answered);
});
