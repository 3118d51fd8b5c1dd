import { createHmac } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { writingTo } from '../util/written.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../util/retry.js';
import type { PlannedImage } from '../compose/types.js';
import { request } from '../net/http.js';
import type { Log } from '../log.js';
import { redactValue } from './redact.js';

export type EventTopic = 'image.upload' | 'image.test' | 'image.copy' | 'image.publish' | 'image.marketplace';
export type EventStatus = 'started' | 'completed' | 'failed';

/** The message shape fedimg's consumers know (fedimg's image.* messages on the Fedora bus). */
export interface FedimgEvent {
  topic: EventTopic;
  status: EventStatus;
  timestamp: string;
  image_name: string;
  image_url: string;
  destination: string;
  service: 'EC2';
  compose: string;
  architecture: string;
  extra: {
    id?: string;
    virt_type: 'hvm';
    vol_type?: string;
    source_image_id?: string;
    flavour?: string;
    error?: string;
    /** image.marketplace: the product, its new version's title and the change set. */
    product?: string;
    version?: string;
    change_set?: string;
  };
}

export interface NotifyTarget {
  url: string | undefined;
  /** Signs each body: X-Fedimg-Signature-256: sha256=<hex HMAC-SHA256>, as GitHub signs webhooks. */
  secret: string | undefined;
}

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Appends events as NDJSON with account data redacted (every stage writes to the same file, so a job
 * can publish them all) and, when a notify URL is set, POSTs each one as JSON. A failing receiver is
 * retried and then only warned about: it never fails the pipeline.
 */
export class EventLog {
  private readonly deliveries: Array<Promise<void>> = [];

  constructor(
    readonly path: string | undefined,
    private readonly log: Log,
    private readonly notify: NotifyTarget = { url: undefined, secret: undefined },
    private readonly retry: RetryPolicy = {
      ...DEFAULT_RETRY,
      attempts: 4,
      baseDelayMs: 500,
      maxDelayMs: 5_000,
    },
  ) {
    // Found now, before a stage changes anything: publish writes its first event after an AMI went public.
    if (path) this.append('');
  }

  private append(line: string): void {
    const path = this.path!;
    writingTo('events-file', path, () => appendFileSync(path, line));
  }

  private deliver(topic: string, what: string, payload: unknown, schema?: string): void {
    const url = this.notify.url;
    if (!url) return;
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-fedimg-event': topic,
      ...(schema ? { 'x-fedimg-schema': schema } : {}),
    };
    if (this.notify.secret) headers['x-fedimg-signature-256'] = signature(body, this.notify.secret);
    const delivery = withRetry(
      async () => {
        // request() follows no redirect: a redirect would carry the signed body wherever the
        // receiver points, so a 3xx is a failed delivery like any other non-2xx answer.
        const response = await request(new URL(url), {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        response.discard();
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      },
      this.retry,
      { retryable: () => true },
    ).catch((error: unknown) => {
      this.log.warning(
        `Could not deliver ${what} to ${new URL(url).origin}: ${(error as Error).message}.`,
        'fedimg events',
      );
    });
    this.deliveries.push(delivery);
  }

  /** Waits for every notification in flight (each ends delivered or warned about). */
  async flush(): Promise<void> {
    await Promise.all(this.deliveries);
  }

  emit(
    topic: EventTopic,
    status: EventStatus,
    image: PlannedImage,
    destination: string,
    extra: Omit<FedimgEvent['extra'], 'virt_type'> = {},
  ): FedimgEvent {
    // The log is a release asset and the webhook body: no account data (see redact.ts).
    const event: FedimgEvent = redactValue({
      topic,
      status,
      timestamp: new Date().toISOString(),
      image_name: image.name,
      image_url: image.url,
      destination,
      service: 'EC2',
      compose: image.compose_id,
      architecture: image.arch,
      extra: { virt_type: 'hvm' as const, ...extra },
    });
    this.log.debug(`event ${topic} ${status}: ${JSON.stringify(event)}`);
    if (this.path) this.append(`${JSON.stringify(event)}\n`);
    this.deliver(topic, `${topic} ${status}`, event);
    return event;
  }

  /**
   * A message in another schema than fedimg's events (Fedora's published.v1.aws): one NDJSON line
   * `{"topic": …, "schema": …, "body": …}`, and the body alone POSTed with the topic (the routing
   * key) in X-Fedimg-Event and the schema (fedora-messaging's fedora_messaging_schema header) in
   * X-Fedimg-Schema.
   */
  emitMessage(topic: string, schema: string, message: object): void {
    const body = redactValue(message);
    this.log.debug(`message ${topic}: ${JSON.stringify(body)}`);
    if (this.path) this.append(`${JSON.stringify({ topic, schema, body })}\n`);
    this.deliver(topic, topic, body, schema);
  }
}
