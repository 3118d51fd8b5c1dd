/**
 * Injected faults: throttling, server errors, dropped or hung connections, added latency, and an
 * answer lost after the request was carried out (what makes a retry meet its own first attempt).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from './errors.js';
import { errorResponse, SERVER_ERROR, THROTTLE, type Service } from './responses.js';

export interface FaultRule {
  /** Operation name (PutSnapshotBlock, CopyImage, ...) or '*'. */
  operation: string;
  service?: Service;
  region?: string;
  kind: 'throttle' | 'server-error' | 'reset' | 'hang' | 'latency' | 'lost-answer';
  /** Share of matching requests affected (0..1); default 1. */
  rate?: number;
  /** Affect at most this many requests. */
  count?: number;
  /** latency: added delay; hang: how long before the connection is dropped (default: never answer). */
  ms?: number;
  /** Error code instead of the service's usual one. */
  code?: string;
}

/**
 * Applies the first matching rules to a request whose operation is known; true when the request was
 * answered (or dropped) here. `logged` records what was answered, as the server logs every request.
 */
export async function injectFault(
  faults: FaultRule[],
  request: { service: Service; operation: string; region: string; requestId: string },
  req: IncomingMessage,
  res: ServerResponse,
  logged: (status: number) => void,
): Promise<boolean> {
  const { service, operation, requestId } = request;
  for (const rule of faults) {
    if (rule.kind === 'lost-answer' || !applies(rule, request)) continue;
    switch (rule.kind) {
      case 'latency':
        await sleep(rule.ms ?? 0);
        continue;
      case 'reset':
        req.socket.destroy();
        return true;
      case 'hang':
        req.resume();
        if (rule.ms !== undefined) setTimeout(() => req.socket.destroy(), rule.ms).unref();
        return true;
      case 'throttle':
      case 'server-error': {
        req.resume();
        const fault = (rule.kind === 'throttle' ? THROTTLE : SERVER_ERROR)[service];
        const response = errorResponse(
          service,
          new AwsError(rule.code ?? fault.code, `Injected ${rule.kind} for ${operation}`, fault.status),
          requestId,
        );
        logged(response.status);
        res
          .writeHead(response.status, { 'x-amzn-requestid': requestId, ...response.headers })
          .end(response.body);
        return true;
      }
    }
  }
  return false;
}

/** Whether the rule matches the request; a match counts against the rule's `count`. */
function applies(
  rule: FaultRule,
  { service, operation, region }: { service: Service; operation: string; region: string },
) {
  if (rule.operation !== '*' && rule.operation !== operation) return false;
  if (rule.service && rule.service !== service) return false;
  if (rule.region && rule.region !== region) return false;
  if (rule.count !== undefined && rule.count <= 0) return false;
  if (Math.random() >= (rule.rate ?? 1)) return false;
  if (rule.count !== undefined) rule.count--;
  return true;
}

/**
 * After a request was carried out: true when a `lost-answer` rule drops its answer (the caller then
 * closes the connection unanswered, as a network failure after the server acted would).
 */
export function losesAnswer(
  faults: FaultRule[],
  request: { service: Service; operation: string; region: string },
): boolean {
  return faults.some((rule) => rule.kind === 'lost-answer' && applies(rule, request));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
