import { describe, expect, it } from 'vitest';
import { isTransient } from '../../src/aws/errors.js';
import { MalformedResponseError, ResponseReader, type Response } from '../../src/net/http1-response.js';

/** Feeds the bytes in pieces of `size` (1: every byte apart); the response once it is complete. */
function read(
  text: string | Buffer,
  size = Infinity,
): { answer: Response | undefined; reader: ResponseReader } {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const reader = new ResponseReader();
  let answer: Response | undefined;
  for (let at = 0; at < bytes.length; at += size)
    answer = reader.push(bytes.subarray(at, Math.min(bytes.length, at + size)));
  return { answer, reader };
}

const created = 'HTTP/1.1 201 Created\r\nx-amz-checksum: abc=\r\nx-amz-checksum-algorithm: SHA256\r\n';
const refusal = JSON.stringify({ message: 'Rate exceeded', Reason: 'x' });

describe('reading an HTTP/1.1 answer', () => {
  for (const size of [Infinity, 7, 1]) {
    const pieces = size === Infinity ? 'at once' : `${size} byte(s) at a time`;

    it(`reads a Content-Length answer ${pieces}`, () => {
      const { answer } = read(`${created}Content-Length: 2\r\n\r\n{}`, size);
      expect(answer).toEqual({
        status: 201,
        headers: {
          'x-amz-checksum': 'abc=',
          'x-amz-checksum-algorithm': 'SHA256',
          'content-length': '2',
        },
        body: '{}',
        reusable: true,
      });
    });

    it(`reads a chunked answer with extensions and trailers ${pieces}`, () => {
      const body = `HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\nX-Amzn-ErrorType: RequestThrottledException\r\n\r\n5;name=x\r\n${refusal.slice(0, 5)}\r\n${(refusal.length - 5).toString(16)}\r\n${refusal.slice(5)}\r\n0\r\nx-trailer: 1\r\n\r\n`;
      const { answer } = read(body, size);
      expect(answer?.status).toBe(429);
      expect(answer?.body).toBe(refusal);
      expect(answer?.headers['x-amzn-errortype']).toBe('RequestThrottledException');
      expect(answer?.reusable).toBe(true);
    });

    it(`skips an interim 100 Continue ${pieces}`, () => {
      const { answer } = read(`HTTP/1.1 100 Continue\r\n\r\n${created}Content-Length: 0\r\n\r\n`, size);
      expect(answer?.status).toBe(201);
    });
  }

  it('reads the same answer however the bytes are split in two', () => {
    const answers = [
      `${created}Content-Length: 2\r\n\r\n{}`,
      `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
    ];
    for (const text of answers) {
      const whole = read(text).answer;
      const bytes = Buffer.from(text, 'latin1');
      for (let at = 1; at < bytes.length; at++) {
        const reader = new ResponseReader();
        expect(reader.push(bytes.subarray(0, at)), `split at ${at}`).toBeUndefined();
        expect(reader.push(bytes.subarray(at)), `split at ${at}`).toEqual(whole);
      }
    }
  });

  it('takes a 200 as final, a status line without a reason phrase, and bare LF in chunk lines', () => {
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').answer?.status).toBe(200);
    expect(read('HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n').answer?.status).toBe(201);
    const lf = read(`${created}Transfer-Encoding: chunked\r\n\r\n2 ;x=y\n{}\n0\n\n`).answer;
    expect(lf?.body).toBe('{}');
  });

  it('frames by chunked when it is the last transfer coding', () => {
    const { answer } = read(`${created}Transfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n`);
    expect(answer?.body).toBe('x');
  });

  it('is not complete until the whole body arrived', () => {
    const { answer, reader } = read(`${created}Content-Length: 10\r\n\r\n12345`);
    expect(answer).toBeUndefined();
    expect(reader.push(Buffer.from('67890'))?.body).toBe('1234567890');
  });

  it('says when the connection cannot carry another request', () => {
    expect(read(`${created}Connection: close\r\nContent-Length: 0\r\n\r\n`).answer?.reusable).toBe(false);
    expect(read('HTTP/1.0 201 Created\r\nContent-Length: 0\r\n\r\n').answer?.reusable).toBe(false);
    expect(
      read('HTTP/1.0 201 Created\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').answer?.reusable,
    ).toBe(true);
    expect(read(`${created}Connection: Keep-Alive\r\nContent-Length: 0\r\n\r\n`).answer?.reusable).toBe(true);
    for (const listed of ['keep-alive, close', 'close , TE', 'TE,close'])
      expect(
        read(`${created}Connection: ${listed}\r\nContent-Length: 0\r\n\r\n`).answer?.reusable,
        listed,
      ).toBe(false);
    expect(read(`${created}Connection: closed-caption\r\nContent-Length: 0\r\n\r\n`).answer?.reusable).toBe(
      true,
    );
  });

  it('takes an answer without length as running to the end of the connection', () => {
    const { answer, reader } = read('HTTP/1.1 503 Service Unavailable\r\n\r\nSlow down');
    expect(answer).toBeUndefined();
    expect(reader.end()).toEqual({ status: 503, headers: {}, body: 'Slow down', reusable: false });
  });

  it('has no body for 204 and 304, whatever the headers say', () => {
    expect(read('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n').answer?.body).toBe('');
    expect(read('HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n').answer?.body).toBe('');
  });

  it('joins repeated header fields and lower-cases their names', () => {
    const { answer } = read(`${created}X-Thing: a\r\nx-thing:  b \r\nContent-Length: 0\r\n\r\n`);
    expect(answer?.headers['x-thing']).toBe('a, b');
  });

  it('keeps 64 KiB of a long body and drops the rest', () => {
    const length = 200_000;
    const { answer } = read(
      Buffer.concat([
        Buffer.from(`HTTP/1.1 500 Oops\r\nContent-Length: ${length}\r\n\r\n`),
        Buffer.alloc(length, 'x'),
      ]),
      10_000,
    );
    expect(answer?.body.length).toBe(64 * 1024);
  });

  it('turns a connection closed before or during the answer into a transient network error', () => {
    for (const partial of ['', 'HTTP/1.1 201', `${created}Content-Length: 4\r\n\r\nab`]) {
      const { reader } = read(partial);
      let error: unknown;
      try {
        reader.end();
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(partial)).toMatchObject({
        code: 'ECONNRESET',
        message: partial.includes('\r\n\r\n')
          ? 'the connection closed in the middle of the answer'
          : 'socket hang up',
      });
      expect(isTransient(error)).toBe(true);
    }
  });

  const malformed: [string, string | Buffer, RegExp][] = [
    ['a status line that is not HTTP/1.x', 'HTTP/2 200\r\n\r\n', /status line "HTTP\/2 200"/],
    ['a status line that does not start the answer', ' HTTP/1.1 201 Created\r\n\r\n', /status line/],
    ['an empty status line', '\r\n\r\n', /status line ""/],
    ['a status code out of range', 'HTTP/1.1 99 Odd\r\n\r\n', /status line/],
    ['a header line without a colon', `${created}nonsense\r\n\r\n`, /header line "nonsense"/],
    ['a header line without a name', `${created}: value\r\n\r\n`, /header line ": value"/],
    ['a space before the colon', `${created}Content-Length : 0\r\n\r\n`, /header line/],
    [
      'a Content-Length that is not a number',
      `${created}Content-Length: 1, 2\r\n\r\n`,
      /content-length "1, 2"/,
    ],
    [
      'a transfer coding other than chunked',
      `${created}Transfer-Encoding: gzip\r\n\r\n`,
      /transfer-encoding "gzip"/,
    ],
    [
      'chunked that is not the last coding',
      `${created}Transfer-Encoding: chunked, gzip\r\n\r\n`,
      /transfer-encoding/,
    ],
    [
      'a coding that only starts with chunked',
      `${created}Transfer-Encoding: chunkedx\r\n\r\n`,
      /transfer-encoding/,
    ],
    [
      'a chunk size that is not hexadecimal',
      `${created}Transfer-Encoding: chunked\r\n\r\nzz\r\n`,
      /chunk size "zz"/,
    ],
    [
      'a chunk size after other text',
      `${created}Transfer-Encoding: chunked\r\n\r\nx5\r\n`,
      /chunk size "x5"/,
    ],
    ['a chunk size followed by text', `${created}Transfer-Encoding: chunked\r\n\r\n5 junk\r\n`, /chunk size/],
    [
      'a chunk line over 4 KiB',
      `${created}Transfer-Encoding: chunked\r\n\r\n5;${'x'.repeat(5000)}\r\n`,
      /chunk line too long/,
    ],
    [
      'chunk data longer than its size',
      `${created}Transfer-Encoding: chunked\r\n\r\n1\r\nab\r\n`,
      /longer than its size/,
    ],
    [
      'bytes after the end of the answer',
      `${created}Content-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n`,
      /after the end/,
    ],
    ['a header section over 64 KiB', `${created}x: ${'a'.repeat(70_000)}`, /header section too large/],
  ];
  for (const [what, bytes, message] of malformed) {
    it(`refuses ${what}, as an error no retry repeats`, () => {
      let error: unknown;
      try {
        read(bytes, 4096);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect(error).toMatchObject({ name: 'MalformedResponseError', code: 'HPE_INVALID_RESPONSE' });
      expect((error as Error).message).toMatch(/^the answer is not a valid HTTP\/1\.1 response: /);
      expect((error as Error).message).toMatch(message);
      expect(isTransient(error)).toBe(false);
    });
  }
});
