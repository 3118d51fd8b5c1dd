import { createRequire as __fedimgCreateRequire } from 'node:module';
import { fileURLToPath as __fedimgFileURLToPath } from 'node:url';
import { dirname as __fedimgDirnameOf } from 'node:path';
const require = __fedimgCreateRequire(import.meta.url);
const __fedimgFilename = __fedimgFileURLToPath(import.meta.url);
const __fedimgDirname = __fedimgDirnameOf(__fedimgFilename);
var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// src/image/feeder-thread.ts
import { once as once2 } from "node:events";
import { connect } from "node:net";
import { parentPort } from "node:worker_threads";

// src/errors.ts
var FedimgError = class extends Error {
  static {
    __name(this, "FedimgError");
  }
  /** The pipeline area that failed, used as the annotation title. */
  area;
  /** What the person reading the log should do about it. */
  hint;
  constructor(area, message, options = {}) {
    const separator = message.includes("\n") ? "\n" : " ";
    super(options.hint ? `${message}${separator}${options.hint}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.area = area;
    this.hint = options.hint;
  }
};
var ComposeError = class extends FedimgError {
  static {
    __name(this, "ComposeError");
  }
  constructor(message, options = {}) {
    super("compose", message, options);
  }
};
var ImageSourceError = class extends FedimgError {
  static {
    __name(this, "ImageSourceError");
  }
  kind;
  url;
  constructor(kind, url, message, options = {}) {
    super("image", message, options);
    this.kind = kind;
    this.url = url;
  }
};
var CALL = /* @__PURE__ */ Symbol("fedimg.awsCall");
function awsCallOf(error) {
  return typeof error === "object" && error !== null && CALL in error ? error[CALL] ?? void 0 : void 0;
}
__name(awsCallOf, "awsCallOf");
function foreignAnswer(error) {
  const failure = error ?? {};
  const status = failure.$metadata?.httpStatusCode ?? failure.$response?.statusCode;
  const unreadable = failure.name === "Unknown" || failure.name === "UnknownError" || /Deserialization error|\$response/.test(failure.message ?? "");
  if (!status || !unreadable) return void 0;
  const type = failure.$response?.headers?.["content-type"]?.split(";")[0]?.trim();
  return `HTTP ${status}${type ? ` (${type})` : ""}, an answer that is not AWS's`;
}
__name(foreignAnswer, "foreignAnswer");
function describeError(error) {
  const message = error instanceof Error ? error.message : String(error);
  const where = awsCallOf(error);
  if (!where) return message;
  const foreign = foreignAnswer(error);
  if (foreign) return `${where.call} in ${where.region} failed: ${foreign}`;
  const code = error.name;
  const coded = code && code !== "Error" && !message.startsWith(code) ? `${code}: ${message}` : message;
  return `${where.call} in ${where.region} failed: ${coded}`;
}
__name(describeError, "describeError");

// src/image/compressed.ts
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";

// src/image/download.ts
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

// src/net/http.ts
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

// src/util/text.ts
function truncateForMessage(value, max = 80) {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > max ? `${printable.slice(0, max)}\u2026` : printable;
}
__name(truncateForMessage, "truncateForMessage");

// src/net/host-policy.ts
var DEFAULT_PORTS = { "https:": "443", "http:": "80" };
function hostAllowed(url, policy) {
  const port = url.port || DEFAULT_PORTS[url.protocol];
  const hostname = url.hostname.toLowerCase();
  return policy.allowedHosts.some((entry) => {
    const [entryHost, entryPort] = entry.split(":");
    return entryHost === hostname && (entryPort ?? DEFAULT_PORTS[url.protocol]) === port;
  });
}
__name(hostAllowed, "hostAllowed");
function checkUrl(value, policy, what) {
  let url;
  try {
    url = typeof value === "string" ? new URL(value) : value;
  } catch {
    throw new ComposeError(`The ${what} "${truncateForMessage(String(value))}" is not a URL.`, {
      hint: "Give an absolute https:// URL."
    });
  }
  const shown = truncateForMessage(url.href, 200);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ComposeError(`The ${what} ${shown} uses ${url.protocol}, which fedimg does not fetch.`, {
      hint: "Use an https:// URL."
    });
  }
  if (url.username || url.password) {
    throw new ComposeError(`The ${what} ${shown} carries credentials, which fedimg refuses.`, {
      hint: "Remove the user:password@ part."
    });
  }
  if (!hostAllowed(url, policy)) {
    throw new ComposeError(`The ${what} ${shown} is on host ${url.host}, which is not in allowed-hosts.`, {
      hint: `Allowed: ${policy.allowedHosts.join(", ") || "(none)"}. Add the host to the allowed-hosts input if it is trusted.`
    });
  }
  if (url.protocol === "http:" && !policy.allowHttp) {
    throw new ComposeError(`The ${what} ${shown} uses plain http.`, {
      hint: "Use https (Fedora hosts serve it); allow-http exists only for loopback test servers."
    });
  }
  return url;
}
__name(checkUrl, "checkUrl");

// src/net/http.ts
var MAX_REDIRECTS = 5;
var HttpResponse = class {
  constructor(message) {
    this.message = message;
    this.status = message.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    message.on("error", () => void 0);
  }
  message;
  static {
    __name(this, "HttpResponse");
  }
  status;
  ok;
  get headers() {
    const headers = this.message.headers;
    return {
      get: /* @__PURE__ */ __name((name) => {
        const value = headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(", ") : value;
      }, "get")
    };
  }
  /** The body, as Buffers; iteration throws when the connection breaks before the body is complete. */
  get body() {
    return this.message;
  }
  /** The whole body (for small documents). */
  async bytes() {
    const chunks = [];
    for await (const chunk of this.body) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
  /** Drops the body and the connection it arrives on. */
  discard() {
    this.message.destroy();
  }
};
function request(url, init = {}) {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(url, { method: init.method ?? "GET", headers: init.headers, signal: init.signal });
    outgoing.on("error", reject);
    outgoing.on("response", (message) => resolve(new HttpResponse(message)));
    outgoing.end(init.body);
  });
}
__name(request, "request");
async function fetchAllowed(url, policy, init = {}) {
  let current = checkUrl(url, policy, "URL");
  for (let hop = 0; ; hop++) {
    const response = await request(current, init);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      response.discard();
      if (hop >= MAX_REDIRECTS) {
        throw new ComposeError(`${url.href} redirects more than ${MAX_REDIRECTS} times.`, {
          hint: "Use the final URL directly."
        });
      }
      current = checkUrl(new URL(location, current), policy, `redirect target of ${url.href}`);
      continue;
    }
    return { response, url: current };
  }
}
__name(fetchAllowed, "fetchAllowed");

// src/image/download.ts
var defaultSleep = /* @__PURE__ */ __name((ms) => new Promise((resolve) => setTimeout(resolve, ms)), "defaultSleep");
var RetryableDownloadError = class extends Error {
  static {
    __name(this, "RetryableDownloadError");
  }
};
async function* downloadVerified(options, stats) {
  const { url, size } = options;
  const maxResumes = options.maxResumes ?? 5;
  const idleTimeoutMs = options.idleTimeoutMs ?? 6e4;
  const sleep = options.sleep ?? defaultSleep;
  const hash = createHash("sha256");
  let offset = 0;
  let failures = 0;
  let validator;
  for (; ; ) {
    options.signal?.throwIfAborted();
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    let idle;
    const armIdle = /* @__PURE__ */ __name(() => {
      if (idle) idle.refresh();
      else
        idle = setTimeout(
          () => controller.abort(new RetryableDownloadError(`no data for ${idleTimeoutMs} ms`)),
          idleTimeoutMs
        );
    }, "armIdle");
    try {
      armIdle();
      const headers = {};
      if (offset > 0) {
        headers.range = `bytes=${offset}-`;
        if (validator) headers["if-range"] = validator;
      }
      const { response } = await fetchAllowed(url, options.policy, { headers, signal });
      let skip = 0;
      if (response.status === 206) {
        const start = Number(/^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "")?.[1]);
        if (start !== offset)
          throw new RetryableDownloadError(`server resumed at byte ${start}, not ${offset}`);
      } else if (response.status === 200) {
        skip = offset;
        const length = Number(response.headers.get("content-length") ?? NaN);
        if (size !== void 0 && Number.isFinite(length) && length !== size) {
          response.discard();
          throw sizeMismatch(url, size, length);
        }
      } else if (response.status === 416 && size !== void 0 && offset === size) {
        response.discard();
        break;
      } else if (response.status >= 500 || response.status === 429 || response.status === 408) {
        response.discard();
        throw new RetryableDownloadError(`HTTP ${response.status}`);
      } else {
        response.discard();
        throw new ImageSourceError(
          "http",
          url.href,
          `Downloading ${url.href} failed with HTTP ${response.status}.`,
          {
            hint: "Check that the compose still exists at that location; nothing was published."
          }
        );
      }
      validator ??= response.headers.get("etag") ?? response.headers.get("last-modified") ?? void 0;
      for await (const piece of response.body) {
        armIdle();
        let chunk = piece;
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.length);
          skip -= dropped;
          chunk = chunk.subarray(dropped);
          if (chunk.length === 0) continue;
        }
        offset += chunk.length;
        if (size !== void 0 && offset > size) throw sizeMismatch(url, size, offset, "at least ");
        hash.update(chunk);
        stats.bytes = offset;
        failures = 0;
        yield chunk;
      }
      if (skip > 0) throw new RetryableDownloadError("the restarted download ended early");
      break;
    } catch (error) {
      if (error instanceof ImageSourceError) throw error;
      if (error instanceof FedimgError) {
        throw new ImageSourceError("http", url.href, `Downloading ${url.href} stopped: ${error.message}`, {
          cause: error
        });
      }
      options.signal?.throwIfAborted();
      failures++;
      if (stats.resumes >= maxResumes) {
        throw new ImageSourceError(
          "truncated",
          url.href,
          `The download of ${url.href} broke off at byte ${offset}${size !== void 0 ? ` of ${size}` : ""} and could not be resumed after ${maxResumes} attempts (${describeError(controller.signal.reason ?? error)}).`,
          {
            hint: "Re-run the job; if it keeps failing, the compose host or the network is in trouble.",
            cause: error
          }
        );
      }
      stats.resumes++;
      const reason = describeError(controller.signal.aborted ? controller.signal.reason : error);
      options.onResume?.(offset, reason);
      const base = (options.retryDelayMs ?? 500) * 2 ** Math.min(failures - 1, 6);
      await sleep(base / 2 + Math.random() * base);
    } finally {
      clearTimeout(idle);
    }
  }
  confirmDownload(url, options.sha256, size, offset, hash.digest("hex"));
  stats.verified = true;
}
__name(downloadVerified, "downloadVerified");
function confirmDownload(url, sha256, size, bytes, digest) {
  if (size !== void 0 && bytes !== size) throw sizeMismatch(url, size, bytes);
  if (digest !== sha256) {
    throw new ImageSourceError(
      "checksum-mismatch",
      url.href,
      `The sha256 of ${url.href} is ${digest}, but the compose published ${sha256}.`,
      {
        hint: "The file was modified or corrupted in transit; nothing may be registered from it. Re-run, and ask release engineering if it persists."
      }
    );
  }
}
__name(confirmDownload, "confirmDownload");
async function* readVerifiedFile(path, options, stats) {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1 << 20,
    signal: options.signal
  })) {
    bytes += chunk.length;
    if (options.size !== void 0 && bytes > options.size)
      throw sizeMismatch(options.url, options.size, bytes, "at least ");
    hash.update(chunk);
    stats.bytes = bytes;
    yield chunk;
  }
  confirmDownload(options.url, options.sha256, options.size, bytes, hash.digest("hex"));
  stats.verified = true;
}
__name(readVerifiedFile, "readVerifiedFile");
function sizeMismatch(url, expected, actual, prefix = "") {
  return new ImageSourceError(
    "size-mismatch",
    url.href,
    `${url.href} is ${prefix}${actual} bytes, but the compose published ${expected}.`,
    { hint: "The file does not match the compose metadata; nothing may be registered from it." }
  );
}
__name(sizeMismatch, "sizeMismatch");

// src/image/compressed.ts
async function* keepingCopy(chunks, path) {
  const file = createWriteStream(path);
  try {
    for await (const chunk of chunks) {
      if (!file.write(chunk)) await once(file, "drain");
      yield chunk;
    }
    file.end();
    await finished(file);
  } finally {
    file.destroy();
  }
}
__name(keepingCopy, "keepingCopy");
function compressedChunks(source, stats, signal, onResume) {
  const url = new URL(source.url);
  const { sha256, size } = source;
  if (source.localFile) return readVerifiedFile(source.localFile, { url, sha256, size, signal }, stats);
  const chunks = downloadVerified(
    {
      url,
      policy: source.policy,
      sha256,
      size,
      maxResumes: source.maxResumes,
      idleTimeoutMs: source.idleTimeoutMs,
      retryDelayMs: source.retryDelayMs,
      signal,
      onResume
    },
    stats
  );
  return source.keepCopy ? keepingCopy(chunks, source.keepCopy) : chunks;
}
__name(compressedChunks, "compressedChunks");

// src/image/feeder-thread.ts
var report = /* @__PURE__ */ __name((message) => parentPort.postMessage(message), "report");
var running;
parentPort.on("message", (command) => {
  if (command.kind === "abort") {
    running?.abort(new Error("the image source was stopped"));
    return;
  }
  const controller = new AbortController();
  running = controller;
  const stats = { bytes: 0, resumes: 0, verified: false };
  feed(command.setup, stats, controller.signal).then(
    () => report({ kind: "done", stats }),
    (error) => report({ kind: "failed", failure: failureOf(error), stats })
  ).finally(() => {
    if (running === controller) running = void 0;
  });
});
function failureOf(error) {
  if (error instanceof ImageSourceError) {
    const message = error.hint ? error.message.slice(0, -(error.hint.length + 1)) : error.message;
    return { name: error.name, message, kind: error.kind, url: error.url, hint: error.hint };
  }
  if (error instanceof FedimgError) return { name: error.name, message: error.message };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}
__name(failureOf, "failureOf");
async function feed(setup, stats, signal) {
  const source = compressedChunks(
    setup,
    stats,
    signal,
    (offset, reason) => report({ kind: "resume", offset, reason })
  );
  const socket = connect(setup.socketPath);
  let open = true;
  socket.on("error", () => open = false);
  socket.on("close", () => open = false);
  await once2(socket, "connect");
  try {
    for await (const chunk of source) {
      if (open && !socket.write(chunk)) await drainedOrClosed(socket);
    }
    if (open) {
      socket.end();
      await new Promise((resolve) => socket.once("close", resolve));
    }
  } finally {
    if (!stats.verified) socket.destroy();
  }
}
__name(feed, "feed");
function drainedOrClosed(socket) {
  return new Promise((resolve) => {
    const done = /* @__PURE__ */ __name(() => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    }, "done");
    socket.once("drain", done);
    socket.once("close", done);
  });
}
__name(drainedOrClosed, "drainedOrClosed");
