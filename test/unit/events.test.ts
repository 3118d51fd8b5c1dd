import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { PlannedImage } from '../../src/compose/types.js';
import type { Log } from '../../src/log.js';
import { EventLog, signature } from '../../src/report/events.js';

const image = {
  name: 'Fedora-x',
  url: 'https://x/y.raw.xz',
  compose_id: 'Fedora-43-20260301.0',
  arch: 'x86_64',
} as PlannedImage;

function recordingLog() {
  const warnings: string[] = [];
  const log: Log = {
    info: () => undefined,
    debug: () => undefined,
    notice: () => undefined,
    warning: (message) => void warnings.push(message),
    error: () => undefined,
    group: (_name, work) => work(),
    secret: () => undefined,
  };
  return { log, warnings };
}

async function receiver(status: (count: number) => number) {
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(status(received.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const noWait = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined };

describe('event notifications', () => {
  it('POSTs each event as JSON with an HMAC-SHA256 signature of the body', async () => {
    const hook = await receiver(() => 204);
    const { log, warnings } = recordingLog();
    const events = new EventLog(undefined, log, { url: hook.url, secret: 's3cret' }, noWait);
    events.emit('image.upload', 'completed', image, 'us-east-1', { id: 'ami-1', vol_type: 'gp3' });
    await events.flush();
    await hook.close();
    expect(hook.received).toHaveLength(1);
    const [{ headers, body }] = hook.received as [{ headers: IncomingMessage['headers']; body: string }];
    expect(JSON.parse(body)).toMatchObject({
      topic: 'image.upload',
      status: 'completed',
      image_name: 'Fedora-x',
      destination: 'us-east-1',
      service: 'EC2',
      extra: { id: 'ami-1', virt_type: 'hvm', vol_type: 'gp3' },
    });
    expect(headers['x-fedimg-signature-256']).toBe(signature(body, 's3cret'));
    expect(headers['x-fedimg-event']).toBe('image.upload');
    expect(warnings).toEqual([]);
  });

  it('retries a failing receiver, then only warns', async () => {
    const hook = await receiver((count) => (count < 2 ? 503 : 200));
    const { log, warnings } = recordingLog();
    const events = new EventLog(undefined, log, { url: hook.url, secret: undefined }, noWait);
    events.emit('image.copy', 'started', image, 'eu-west-1');
    await events.flush();
    expect(hook.received).toHaveLength(2);
    expect(warnings).toEqual([]);

    const down = await receiver(() => 500);
    const failing = new EventLog(undefined, log, { url: down.url, secret: undefined }, noWait);
    failing.emit('image.copy', 'failed', image, 'eu-west-1');
    await expect(failing.flush()).resolves.toBeUndefined();
    expect(down.received).toHaveLength(3);
    expect(warnings).toEqual([expect.stringMatching(/Could not deliver image.copy failed .* HTTP 500/)]);
    await hook.close();
    await down.close();
  });

  it('never follows a redirect: the body and its signature go only where notify-url says', async () => {
    const target = await receiver(() => 200);
    const bouncer = await receiver(() => 200);
    const redirecting = createServer((_req, res) => res.writeHead(307, { location: target.url }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hook`;
    const { log, warnings } = recordingLog();
    const events = new EventLog(undefined, log, { url, secret: 's3cret' }, noWait);
    events.emit('image.publish', 'completed', image, 'us-east-1');
    await events.flush();
    expect(target.received).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/Could not deliver image.publish completed/)]);
    await Promise.all([
      target.close(),
      bouncer.close(),
      new Promise((resolve) => redirecting.close(resolve)),
    ]);
  });
});
