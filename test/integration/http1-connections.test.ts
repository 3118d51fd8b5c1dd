import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { isTransient } from '../../src/aws/errors.js';
import { Http1Connections, type Http1Request } from '../../src/net/http1-connections.js';
import { TEST_CERT, TEST_KEY } from '../fixtures/tls.js';

const BODY = Buffer.alloc(512 * 1024, 3);
const OK = 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n';

/** One received request: its head and how many body bytes came with it. */
interface Received {
  head: string;
  bodyBytes: number;
  connection: number;
  /** Over TLS: whether its connection resumed an earlier session, the name it asked for, the protocol. */
  resumed?: boolean;
  servername?: string | false;
  alpn?: string | false;
}

/**
 * A scripted HTTP/1.1 server on a raw socket: it reads each request (head, then Content-Length
 * bytes of body) and lets `answer` write whatever it wants back.
 */
async function server(
  answer: (socket: Socket, request: Received) => void = (socket) => socket.write(OK),
  tls = false,
): Promise<{
  port: number;
  received: Received[];
  connections: () => number;
  open: () => number;
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const onConnection = (socket: Socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    let current: Received | undefined;
    let left = 0;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (!current) {
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = pending.subarray(0, end).toString('latin1');
          pending = pending.subarray(end + 4);
          current = { head, bodyBytes: 0, connection };
          if ('isSessionReused' in socket) {
            const tls = socket as TLSSocket & { servername?: string | false };
            Object.assign(current, {
              resumed: tls.isSessionReused(),
              servername: tls.servername,
              alpn: tls.alpnProtocol,
            });
          }
          left = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        }
        const take = Math.min(left, pending.length);
        current.bodyBytes += take;
        left -= take;
        pending = pending.subarray(take);
        if (left > 0) return;
        received.push(current);
        const done = current;
        current = undefined;
        answer(socket, done);
      }
    });
  };
  const listener: Server = tls
    ? createTlsServer({ cert: TEST_CERT, key: TEST_KEY, ALPNProtocols: ['h2', 'http/1.1'] }, onConnection)
    : createServer(onConnection);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  return {
    port: (listener.address() as AddressInfo).port,
    received,
    connections: () => connections,
    open: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

const put = (index: number, overrides: Partial<Http1Request> = {}): Http1Request => ({
  method: 'PUT',
  path: `/snapshots/snap-0/blocks/${index}`,
  headers: [
    ['host', 'ebs.test'],
    ['content-length', String(BODY.length)],
  ],
  body: BODY,
  deadlineMs: 5_000,
  idleMs: 2_000,
  ...overrides,
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(answer?: Parameters<typeof server>[0], sockets = 2) {
  const peer = await server(answer);
  const connections = new Http1Connections({
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: peer.port,
    sockets,
  });
  cleanups.push(peer.close, () => connections.destroy());
  return { peer, connections };
}

/**
 * A raw server whose sockets `onConnection` drives alone (they are closed at the end), and one
 * connection to it at a time.
 */
async function rawPeer(onConnection: (socket: Socket) => void) {
  const accepted = new Set<Socket>();
  const peer = createServer((socket) => {
    accepted.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  peer.listen(0, '127.0.0.1');
  await once(peer, 'listening');
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const socket of accepted) socket.destroy();
        peer.close(resolve);
      }),
  );
  const connections = new Http1Connections({
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: (peer.address() as AddressInfo).port,
    sockets: 1,
  });
  cleanups.push(() => connections.destroy());
  return { accepted, connections };
}

/** A PutSnapshotBlock-shaped request with a body of its own. */
const putBody = (body: Buffer, overrides: Partial<Http1Request> = {}): Http1Request =>
  put(0, {
    headers: [
      ['host', 'ebs.test'],
      ['content-length', String(body.length)],
    ],
    body,
    ...overrides,
  });

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome, 'expected the request to fail').toBeInstanceOf(Error);
  return outcome as Error & { code?: string };
}

describe('keep-alive HTTP/1.1 connections for PutSnapshotBlock', () => {
  it('writes the head as given and the whole body, and reuses the connection', async () => {
    const { peer, connections } = await setUp();
    for (let index = 0; index < 5; index++) expect((await connections.request(put(index))).status).toBe(201);
    expect(peer.connections()).toBe(1);
    expect(peer.received.map((each) => each.bodyBytes)).toEqual(Array(5).fill(BODY.length));
    expect(peer.received[2]!.head).toBe(
      'PUT /snapshots/snap-0/blocks/2 HTTP/1.1\r\nhost: ebs.test\r\ncontent-length: 524288',
    );
  });

  it('opens at most `sockets` connections; the other requests wait for one', async () => {
    const { peer, connections } = await setUp((socket) => setTimeout(() => socket.write(OK), 20), 3);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, index) => connections.request(put(index))),
    );
    expect(answers.every((answer) => answer.status === 201)).toBe(true);
    expect(peer.connections()).toBe(3);
    expect(peer.received).toHaveLength(12);
  });

  it('opens a new connection when the server closed an idle one, or says Connection: close', async () => {
    let answered = 0;
    const { peer, connections } = await setUp((socket) => {
      answered++;
      if (answered === 1)
        socket.end(OK); // closes after the answer, without saying so
      else if (answered === 2)
        socket.write('HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.write(OK);
    }, 1);
    await connections.request(put(0));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the server's FIN arrives
    await connections.request(put(1));
    await connections.request(put(2));
    expect(peer.connections()).toBe(3);
  });

  it('reads error answers, chunked or not, and keeps the connection', async () => {
    const body = '{"message":"Rate exceeded"}';
    const { peer, connections } = await setUp((socket, request) =>
      socket.write(
        request.head.includes('blocks/0')
          ? `HTTP/1.1 429 Too Many Requests\r\nx-amzn-ErrorType: RequestThrottledException\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
          : OK,
      ),
    );
    const refused = await connections.request(put(0));
    expect(refused).toMatchObject({
      status: 429,
      body,
      headers: { 'x-amzn-errortype': 'RequestThrottledException' },
    });
    expect((await connections.request(put(1))).status).toBe(201);
    expect(peer.connections()).toBe(1);
  });

  it('drops a connection whose refusal came before the body was sent, and goes on with a new one', async () => {
    // The server refuses on seeing the head and stops reading: 16 MiB cannot all reach the kernel.
    const big = Buffer.alloc(16 * 2 ** 20);
    const { accepted, connections } = await rawPeer((socket) =>
      socket.once('data', () => {
        socket.pause();
        socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n');
      }),
    );
    const request = putBody(big, { idleMs: 10_000, deadlineMs: 20_000 });
    const started = Date.now();
    expect((await connections.request(request)).status).toBe(413);
    expect((await connections.request(request)).status).toBe(413);
    // Had the first connection waited for its body to go out, the second would wait for it.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(accepted.size).toBe(2);
  });

  it('fails with a transient error when the server drops the connection before answering', async () => {
    const { connections } = await setUp((socket) => socket.destroy());
    const error = await rejection(connections.request(put(0)));
    expect(error.code).toBe('ECONNRESET');
    expect(isTransient(error)).toBe(true);
  });

  it('fails with a transient error when nothing listens', async () => {
    const peer = await server();
    await peer.close();
    const connections = new Http1Connections({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: peer.port,
      sockets: 1,
    });
    const error = await rejection(connections.request(put(0)));
    expect(error.code).toBe('ECONNREFUSED');
    expect(isTransient(error)).toBe(true);
  });

  it('gives up with a TimeoutError when the answer does not come, and at its deadline', async () => {
    const { connections } = await setUp(() => undefined);
    const idle = await rejection(connections.request(put(0, { idleMs: 100 })));
    expect(idle.name).toBe('TimeoutError');
    expect(isTransient(idle)).toBe(true);
    // Trickling bytes keep the connection busy, not the request alive.
    const { connections: slow } = await setUp((socket) => {
      const trickle = setInterval(() => socket.write('H'), 20);
      socket.on('close', () => clearInterval(trickle));
    });
    const late = await rejection(slow.request(put(0, { deadlineMs: 300, idleMs: 200 })));
    expect(late.name).toBe('TimeoutError');
    expect(late.message).toMatch(/longer than 300 ms/);
  });

  it('stops a request at once when it is cancelled, waiting or in flight', async () => {
    const { peer, connections } = await setUp(() => undefined, 1);
    let cancelFirst: ((reason: Error) => void) | undefined;
    let cancelSecond: ((reason: Error) => void) | undefined;
    const first = connections.request(put(0), (cancel) => (cancelFirst = cancel));
    const second = connections.request(put(1), (cancel) => (cancelSecond = cancel));
    await new Promise((resolve) => setTimeout(resolve, 50));
    cancelSecond!(new Error('stop waiting'));
    expect((await rejection(second)).message).toBe('stop waiting');
    cancelFirst!(new Error('stop sending'));
    expect((await rejection(first)).message).toBe('stop sending');
    // Cancelled before it started (while its block was still being hashed): no connection at all.
    const before = peer.connections();
    const early = connections.request(put(2), (cancel) => cancel(new Error('never mind')));
    expect((await rejection(early)).message).toBe('never mind');
    await new Promise((resolve) => setTimeout(resolve, 100)); // a connection would be accepted by now
    expect(peer.connections()).toBe(before);
  });

  it('cancels a request in flight on a reused connection, and a waiting one without losing the turn of the next', async () => {
    const { peer, connections } = await setUp((socket, request) => {
      const index = /blocks\/(\d+)/.exec(request.head)![1];
      // Block 1 is never answered; block 2 a little later; the others at once.
      if (index === '2') setTimeout(() => socket.write(OK), 150);
      else if (index !== '1') socket.write(OK);
    }, 1);
    await connections.request(put(0));
    let cancelInFlight: ((reason: Error) => void) | undefined;
    const inFlight = connections.request(put(1), (cancel) => (cancelInFlight = cancel));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer.connections()).toBe(1); // the first connection, reused
    cancelInFlight!(new Error('stop'));
    expect((await rejection(inFlight)).message).toBe('stop');

    let cancelWaiting: ((reason: Error) => void) | undefined;
    const holding = connections.request(put(2));
    const waiting = connections.request(put(3), (cancel) => (cancelWaiting = cancel));
    const next = connections.request(put(9));
    await new Promise((resolve) => setTimeout(resolve, 50));
    cancelWaiting!(new Error('not any more'));
    expect((await rejection(waiting)).message).toBe('not any more');
    // Once block 2 is answered, its connection is block 9's: the cancelled request takes no turn.
    expect((await holding).status).toBe(201);
    expect((await next).status).toBe(201);
    expect(peer.received.map((each) => /blocks\/(\d+)/.exec(each.head)![1])).toEqual(['0', '1', '2', '9']);
  });

  it('closes idle connections when destroyed, and takes no more requests', async () => {
    const { peer, connections } = await setUp();
    await connections.request(put(0));
    connections.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer.open()).toBe(0);
    expect((await rejection(connections.request(put(1)))).message).toMatch(/closed/);
  });

  it('leaves a connection that sends bytes while idle, and one whose answer is not HTTP', async () => {
    let answered = 0;
    const { peer, connections } = await setUp((socket) => {
      answered++;
      if (answered === 1) {
        socket.write(OK);
        setTimeout(() => socket.write(OK), 20); // the same answer again, to no request
      } else if (answered === 2) socket.write('SSH-2.0-OpenSSH\r\n\r\n');
      else socket.write(OK);
    }, 1);
    await connections.request(put(0));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const garbled = await rejection(connections.request(put(1)));
    expect(garbled.name).toBe('MalformedResponseError');
    expect(isTransient(garbled)).toBe(false);
    expect((await connections.request(put(2))).status).toBe(201);
    expect(peer.connections()).toBe(3);
  });

  it('a cancel that comes after the answer changes nothing', async () => {
    const { peer, connections } = await setUp(undefined, 1);
    let cancel: ((reason: Error) => void) | undefined;
    await connections.request(put(0), (given) => (cancel = given));
    cancel!(new Error('too late'));
    expect((await connections.request(put(1))).status).toBe(201);
    expect(peer.connections()).toBe(1);
  });

  it('keeps a connection whose success came before the body was all written, once it is', async () => {
    // The server answers on seeing the head and reads the rest of the 16 MiB after.
    const big = Buffer.alloc(16 * 2 ** 20);
    const { accepted, connections } = await rawPeer((socket) => {
      let pending = Buffer.alloc(0);
      let left = 0;
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          if (left === 0) {
            const end = pending.indexOf('\r\n\r\n');
            if (end < 0) return;
            left = Number(
              /content-length: (\d+)/i.exec(pending.subarray(0, end).toString('latin1'))?.[1] ?? 0,
            );
            pending = pending.subarray(end + 4);
            socket.write(OK); // at once, before the body
            if (left === 0) continue;
          }
          const take = Math.min(left, pending.length);
          left -= take;
          pending = pending.subarray(take);
          if (left > 0 || pending.length === 0) return;
        }
      });
    });
    const request = putBody(big);
    expect((await connections.request(request)).status).toBe(201);
    expect(
      (await connections.request({ ...request, body: Buffer.alloc(0), headers: [['content-length', '0']] }))
        .status,
    ).toBe(201);
    expect(accepted.size).toBe(1);
  });

  it('refuses a header or path that would end the head early, before sending anything', async () => {
    const { peer, connections } = await setUp();
    await rejection(connections.request(put(0, { headers: [['x-amz-security-token', 'a\r\nx-evil: 1']] })));
    await rejection(connections.request(put(0, { path: '/a b' })));
    expect(peer.connections()).toBe(0);
  });

  it('speaks TLS with the certificate checked', async () => {
    const peer = await server(undefined, true);
    cleanups.push(peer.close);
    const origin = { protocol: 'https:' as const, port: peer.port, sockets: 1 };
    for (const hostname of ['localhost', '127.0.0.1']) {
      const trusted = new Http1Connections({ ...origin, hostname, ca: TEST_CERT });
      cleanups.push(() => trusted.destroy());
      expect((await trusted.request(put(0))).status).toBe(201);
    }
    const untrusted = new Http1Connections({ ...origin, hostname: 'localhost' });
    cleanups.push(() => untrusted.destroy());
    const refused = await rejection(untrusted.request(put(1)));
    expect(refused.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(isTransient(refused)).toBe(false);
    expect(peer.received).toHaveLength(2);
    // SNI names the host, never an address; the server is offered HTTP/1.1 only.
    expect(peer.received.map(({ servername, alpn }) => ({ servername, alpn }))).toEqual([
      { servername: 'localhost', alpn: 'http/1.1' },
      { servername: false, alpn: 'http/1.1' },
    ]);
  });

  it('resumes the TLS session on its next connection instead of a full handshake', async () => {
    let answered = 0;
    const peer = await server((socket) => (++answered === 1 ? socket.end(OK) : socket.write(OK)), true);
    cleanups.push(peer.close);
    const connections = new Http1Connections({
      protocol: 'https:',
      hostname: 'localhost',
      port: peer.port,
      sockets: 1,
      ca: TEST_CERT,
    });
    cleanups.push(() => connections.destroy());
    await connections.request(put(0));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the server closed the first connection
    await connections.request(put(1));
    expect(peer.received.map(({ connection, resumed }) => ({ connection, resumed }))).toEqual([
      { connection: 1, resumed: false },
      { connection: 2, resumed: true },
    ]);
  });
});
