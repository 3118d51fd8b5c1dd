/**
 * Reads one HTTP/1.1 response from bytes as they arrive (RFC 9112): status line, header fields,
 * then a body framed by Transfer-Encoding: chunked, Content-Length, or the end of the connection.
 * Interim (1xx) responses are skipped. Only what a short answer needs: the body is kept up to
 * `MAX_BODY` bytes (an error's JSON) and the rest counted and dropped.
 */

export type ResponseHeaders = Record<string, string>;

export interface Response {
  status: number;
  headers: ResponseHeaders;
  body: string;
  /** The connection may carry another request (HTTP/1.1 without `Connection: close`). */
  reusable: boolean;
}

/** Header section larger than this is refused (Node's own parser allows 16 KiB). */
const MAX_HEAD = 64 * 1024;
/** Body bytes kept; beyond this they are read and dropped. */
const MAX_BODY = 64 * 1024;

/** An answer that is not HTTP/1.x: not worth another attempt on the same terms. */
export class MalformedResponseError extends Error {
  readonly code = 'HPE_INVALID_RESPONSE';
  constructor(detail: string) {
    super(`the answer is not a valid HTTP/1.1 response: ${detail}`);
    this.name = 'MalformedResponseError';
  }
}

type Framing =
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; state: 'size' | 'data' | 'data-end' | 'trailer'; left: number; line: string }
  | { kind: 'close' };

export class ResponseReader {
  private head = '';
  private status = 0;
  private headers: ResponseHeaders = {};
  private reusable = true;
  private framing: Framing | undefined;
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private done: Response | undefined;

  /**
   * Takes the next bytes; returns the response once it is complete. Bytes after its end mean the
   * peer sent more than one answer: an error.
   */
  push(chunk: Buffer): Response | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.done) throw new MalformedResponseError('bytes after the end of the response');
      if (!this.framing) at = this.readHead(chunk, at);
      else at = this.readBody(chunk, at);
    }
    return this.done;
  }

  /** The connection ended: completes a response whose body runs to the end, else an error. */
  end(): Response {
    if (this.done) return this.done;
    if (this.framing?.kind === 'close') return this.finish();
    const error = new Error(
      this.framing ? 'the connection closed in the middle of the answer' : 'socket hang up',
    );
    throw Object.assign(error, { code: 'ECONNRESET' });
  }

  private readHead(chunk: Buffer, from: number): number {
    const startLength = this.head.length;
    this.head += chunk.toString('latin1', from, Math.min(chunk.length, from + MAX_HEAD + 4));
    const end = this.head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.head.length > MAX_HEAD) throw new MalformedResponseError('header section too large');
      return chunk.length;
    }
    const consumed = from + end + 4 - startLength;
    const lines = this.head.slice(0, end).split('\r\n');
    this.head = '';
    const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/.exec(lines[0]!);
    if (!status) throw new MalformedResponseError(`status line ${JSON.stringify(lines[0]!.slice(0, 80))}`);
    const headers: ResponseHeaders = {};
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
    if (code < 200) return consumed;
    this.status = code;
    this.headers = headers;
    const connection = (headers.connection ?? '').toLowerCase();
    this.reusable =
      status[1] === '1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /keep-alive/.test(connection);
    this.framing = this.framingOf(code, headers);
    if (this.framing.kind === 'length' && this.framing.left === 0) this.finish();
    return consumed;
  }

  private framingOf(code: number, headers: ResponseHeaders): Framing {
    if (code === 204 || code === 304) return { kind: 'length', left: 0 };
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

  private keep(chunk: Buffer, from: number, to: number): void {
    const piece = chunk.subarray(from, Math.min(to, from + MAX_BODY - this.keptBytes));
    if (piece.length === 0) return;
    this.kept.push(Buffer.from(piece));
    this.keptBytes += piece.length;
  }

  private finish(): Response {
    this.done = {
      status: this.status,
      headers: this.headers,
      body: Buffer.concat(this.kept).toString('utf8'),
      reusable: this.reusable,
    };
    return this.done;
  }

  private readBody(chunk: Buffer, from: number): number {
    const framing = this.framing!;
    if (framing.kind === 'close') {
      this.keep(chunk, from, chunk.length);
      return chunk.length;
    }
    if (framing.kind === 'length') {
      const to = Math.min(chunk.length, from + framing.left);
      this.keep(chunk, from, to);
      framing.left -= to - from;
      if (framing.left === 0) this.finish();
      return to;
    }
    return this.readChunked(framing, chunk, from);
  }

  /** chunk = size [; extensions] CRLF data CRLF; last-chunk = 0 CRLF; then trailer lines and CRLF. */
  private readChunked(framing: Extract<Framing, { kind: 'chunked' }>, chunk: Buffer, from: number): number {
    if (framing.state === 'data') {
      const to = Math.min(chunk.length, from + framing.left);
      this.keep(chunk, from, to);
      framing.left -= to - from;
      if (framing.left === 0) framing.state = 'data-end';
      return to;
    }
    const newline = chunk.indexOf(10, from);
    const to = newline < 0 ? chunk.length : newline + 1;
    framing.line += chunk.toString('latin1', from, to);
    if (framing.line.length > 4096) throw new MalformedResponseError('chunk line too long');
    if (newline < 0) return to;
    const line = framing.line.replace(/\r?\n$/, '');
    framing.line = '';
    if (framing.state === 'data-end') {
      if (line !== '') throw new MalformedResponseError('chunk data longer than its size');
      framing.state = 'size';
    } else if (framing.state === 'size') {
      const size = /^([0-9a-fA-F]{1,8})(?:\s*;.*)?$/.exec(line);
      if (!size) throw new MalformedResponseError(`chunk size ${JSON.stringify(line.slice(0, 40))}`);
      framing.left = parseInt(size[1]!, 16);
      framing.state = framing.left === 0 ? 'trailer' : 'data';
    } else if (line === '') {
      this.finish();
    }
    return to;
  }
}
