import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ResponseReader, type Response } from './http1-response.js';

/**
 * Keep-alive HTTP/1.1 connections to one origin, for requests whose body is one Buffer and whose
 * answer is short: PutSnapshotBlock's lean path. Each request is its head and body written in one
 * go (one writev), its answer read by http1-response.ts. node:http makes a request object, an
 * outgoing stream, a parser and a response stream for each call; for the 2,048 requests of a GiB
 * that cost more CPU than signing them (docs/benchmarks.md has the figures). Hand-written because
 * no HTTP client on npm costs less per request than node:http (undici measured no better). TLS is
 * node:tls with Node's certificate checks.
 */
export interface Http1Origin {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** Most connections open at once; requests beyond wait for one. */
  sockets: number;
  /** Certificates to trust instead of Node's own list (a private endpoint's, a test's). */
  ca?: string;
}

export interface Http1Request {
  method: string;
  path: string;
  /** Header fields in the order to write them (no Connection: keep-alive is the default). */
  headers: [string, string][];
  body: Buffer;
  /** Whole request, from asking for a connection to the end of the answer. */
  deadlineMs: number;
  /** Longest time without traffic on the connection. */
  idleMs: number;
}

/** A request that ran out of time, named as the SDK names it (the retry rules treat it as transient). */
function timeoutError(text: string): Error {
  return Object.assign(new Error(text), { name: 'TimeoutError' });
}

/** Bytes on a connection no request is waiting on. */
function unexpected(this: Socket): void {
  this.destroy();
}

/** A header value or path with a line break would end the head early: refused before sending. */
const UNSAFE = /[\r\n\0]/;

export class Http1Connections {
  private readonly idle: Socket[] = [];
  private open = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  /** The last TLS session a server gave: new connections resume it instead of a full handshake. */
  private tlsSession: Buffer | undefined;

  constructor(private readonly origin: Http1Origin) {}

  /** Sends the request; `cancel` (when given) receives the function that aborts it. */
  async request(
    request: Http1Request,
    onCancel?: (cancel: (reason: Error) => void) => void,
  ): Promise<Response> {
    for (const [name, value] of request.headers)
      if (UNSAFE.test(name) || UNSAFE.test(value) || name.includes(':'))
        throw new TypeError(`header ${JSON.stringify(name)} has a character HTTP does not allow`);
    if (UNSAFE.test(request.path) || request.path.includes(' '))
      throw new TypeError('the request path has a character HTTP does not allow');
    let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
    for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
    head += '\r\n';

    let cancelled: Error | undefined;
    let abort: (reason: Error) => void = (reason) => (cancelled = reason);
    onCancel?.((reason) => abort(reason));
    const deadline = setTimeout(
      () => abort(timeoutError(`the request took longer than ${request.deadlineMs} ms`)),
      request.deadlineMs,
    );
    try {
      if (cancelled) throw cancelled;
      const socket = await this.acquire(request.idleMs, (reason) => (abort = reason));
      if (cancelled) {
        this.dropped(socket);
        throw cancelled;
      }
      return await this.exchange(socket, head, request, (destroy) => (abort = destroy));
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Closes every connection; requests in flight fail. */
  destroy(): void {
    this.closed = true;
    for (const socket of this.idle.splice(0)) socket.destroy();
  }

  /** An idle connection (most recently used first), a new one, or the next one to come free. */
  private async acquire(idleMs: number, onAbort: (abort: (reason: Error) => void) => void): Promise<Socket> {
    for (;;) {
      if (this.closed) throw new Error('the connections were closed');
      const socket = this.idle.pop();
      if (socket) {
        socket.off('data', unexpected);
        if (!socket.destroyed && socket.readyState === 'open') return socket;
        continue;
      }
      if (this.open < this.origin.sockets) return this.connect(idleMs, onAbort);
      await new Promise<void>((resolve, reject) => {
        this.waiting.push(resolve);
        onAbort((reason) => {
          const at = this.waiting.indexOf(resolve);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(reason);
        });
      });
    }
  }

  private connect(idleMs: number, onAbort: (abort: (reason: Error) => void) => void): Promise<Socket> {
    const { protocol, hostname, port } = this.origin;
    this.open++;
    const socket =
      protocol === 'https:'
        ? connectTls({
            host: hostname,
            port,
            // SNI carries a name, never an address.
            ...(/^[\d.]+$|:/.test(hostname) ? {} : { servername: hostname }),
            ALPNProtocols: ['http/1.1'],
            ...(this.origin.ca ? { ca: this.origin.ca } : {}),
            ...(this.tlsSession ? { session: this.tlsSession } : {}),
          }).on('session', (session: Buffer) => (this.tlsSession = session))
        : connectTcp({ host: hostname, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    socket.once('close', () => {
      this.open--;
      this.wakeOne();
      const at = this.idle.indexOf(socket);
      if (at >= 0) this.idle.splice(at, 1);
    });
    // An idle connection the server closes or breaks just leaves the pool.
    socket.on('error', () => undefined);
    const slow = () => socket.destroy(timeoutError(`connecting took longer than ${idleMs} ms`));
    socket.setTimeout(idleMs);
    socket.once('timeout', slow);
    return new Promise<Socket>((resolve, reject) => {
      const ready = protocol === 'https:' ? 'secureConnect' : 'connect';
      const fail = (error: Error) => {
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
  private dropped(socket: Socket): void {
    socket.destroy();
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }

  /** A connection back in the pool (unless the pool is closed or the connection is gone). */
  private released(socket: Socket): void {
    if (this.closed) socket.destroy();
    else if (!socket.destroyed) {
      socket.setTimeout(0);
      // Nothing may arrive between requests; what does makes the connection unusable.
      socket.once('data', unexpected);
      this.idle.push(socket);
    }
    this.wakeOne();
  }

  private exchange(
    socket: Socket,
    head: string,
    request: Http1Request,
    onAbort: (abort: (reason: Error) => void) => void,
  ): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const reader = new ResponseReader();
      let settled = false;
      // Whether the body is all with the kernel, and what to do once it is.
      let written = false;
      let afterWrite: (() => void) | undefined;
      const cleanup = () => {
        settled = true;
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('error', onError);
        socket.off('close', onEnd);
        socket.off('timeout', onIdle);
      };
      const fail = (error: Error) => {
        if (settled) return;
        cleanup();
        this.dropped(socket);
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        let answer: Response | undefined;
        try {
          answer = reader.push(chunk);
        } catch (error) {
          fail(error as Error);
          return;
        }
        if (!answer) return;
        cleanup();
        if (written && answer.reusable) this.released(socket);
        else if (!answer.reusable || answer.status >= 300) {
          // A refusal may come before the body was all sent: the rest is not sent from memory
          // the caller takes back.
          this.dropped(socket);
        } else {
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
        if (settled) return;
        try {
          const answer = reader.end();
          cleanup();
          this.dropped(socket);
          resolve(answer);
        } catch (error) {
          fail(error as Error);
        }
      };
      const onError = (error: Error) => fail(error);
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
