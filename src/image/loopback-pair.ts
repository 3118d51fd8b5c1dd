import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type OnReadOpts, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long the pair's own connection may take to be accepted before the pair is given up. */
const ACCEPT_TIMEOUT_MS = 10_000;

export interface LoopbackPair {
  /** This process's end, read with `onread`. */
  readEnd: Socket;
  /** The end to hand to a child process (its stdout). */
  writeEnd: Socket;
}

/**
 * A TCP connection over 127.0.0.1 from this process to itself, for a child process's output.
 * Loopback TCP rather than a local stream socket because its buffers grow to megabytes: the reader
 * can let output gather and take it in a few large reads (block-socket.ts) without holding the
 * writer back, where a local stream socket holds about 200 KiB and blocks the writer sooner.
 *
 * Any local process can connect to a loopback port while it listens, so the connection accepted
 * must be this one: the far end of the accepted socket is `readEnd`'s own address and port. Every
 * other connection is closed unread, and the listener closes once the pair is made.
 * `listening` is called with the port before this process connects (a test's stranger uses it).
 */
export async function loopbackPair(
  onread: OnReadOpts,
  listening?: (port: number) => Promise<void>,
): Promise<LoopbackPair> {
  const server = createServer({ pauseOnConnect: true });
  const waiting = new AbortController();
  const accepted: Socket[] = [];
  let arrived = () => undefined as void;
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => undefined);
    accepted.push(socket);
    arrived();
  });
  try {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await listening?.(port);
    const readEnd = connect({ host: '127.0.0.1', port, onread });
    try {
      await once(readEnd, 'connect');
      const ours = (socket: Socket) =>
        socket.remotePort === readEnd.localPort && socket.remoteAddress === readEnd.localAddress;
      const deadline = sleep(ACCEPT_TIMEOUT_MS, undefined, { ref: false, signal: waiting.signal }).then(
        () => {
          throw new Error(`the loopback connection was not accepted within ${ACCEPT_TIMEOUT_MS} ms`);
        },
      );
      deadline.catch(() => undefined);
      for (;;) {
        const at = accepted.findIndex(ours);
        if (at >= 0) return { readEnd, writeEnd: accepted.splice(at, 1)[0]! };
        await Promise.race([new Promise<void>((resolve) => (arrived = resolve)), deadline]);
      }
    } catch (error) {
      readEnd.destroy();
      throw error;
    }
  } finally {
    waiting.abort();
    server.close();
    // Strangers (and, on failure, ours): nothing they sent is read.
    for (const socket of accepted.splice(0)) socket.destroy();
  }
}
