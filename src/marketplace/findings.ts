import * as z from 'zod';
import type { ErrorDetail } from '../aws/marketplace.js';
import { describeError } from '../errors.js';
import { fetchText } from '../net/http.js';

/**
 * A FAILED change set's ErrorMessage can be a URL to a JSON list of scan findings instead of a
 * sentence. AWS's documents do not say so; release-engineering/cloudpub, which publishes Red Hat's
 * AMIs, has fetched such URLs since 2024-09. fedimg fetches one only from AWS (https on an
 * amazonaws.com host) or from the Catalog endpoint the run is configured with (AWS_ENDPOINT_URL…,
 * a stand-in for AWS), with a size cap and a timeout, and shows what it lists.
 */
const MAX_FINDINGS_BYTES = 1024 * 1024;
const findingsDocument = z
  .array(
    z.object({ ErrorCode: z.string().max(200).optional(), ErrorMessage: z.string().max(4000) }).passthrough(),
  )
  .max(200);

function configuredEndpoint(env: NodeJS.ProcessEnv): URL | undefined {
  const value = env.AWS_ENDPOINT_URL_MARKETPLACE_CATALOG ?? env.AWS_ENDPOINT_URL;
  try {
    return value ? new URL(value) : undefined;
  } catch {
    return undefined;
  }
}

/** The URL when it is one fedimg may fetch findings from, else undefined. */
export function findingsUrl(message: string, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  if (!/^https?:\/\/\S+$/.test(message.trim())) return undefined;
  const url = new URL(message.trim());
  if (url.protocol === 'https:' && /(^|\.)amazonaws\.com$/i.test(url.hostname)) return url;
  const endpoint = configuredEndpoint(env);
  return endpoint && endpoint.origin === url.origin ? url : undefined;
}

/** Each detail, with a findings URL replaced by the findings it lists (or kept, saying why). */
export async function expandFindings(details: ErrorDetail[]): Promise<ErrorDetail[]> {
  const expanded: ErrorDetail[] = [];
  for (const detail of details) {
    const url = findingsUrl(detail.message);
    if (!url) {
      expanded.push(detail);
      continue;
    }
    try {
      const text = await fetchText(
        url,
        { allowedHosts: [url.host.toLowerCase()], allowHttp: url.protocol === 'http:' },
        { what: 'scan findings', maxBytes: MAX_FINDINGS_BYTES, timeoutMs: 10_000, host: 'the findings host' },
      );
      const findings = findingsDocument.parse(JSON.parse(text ?? '[]'));
      expanded.push(
        ...findings.map((finding) => ({
          code: finding.ErrorCode ?? detail.code,
          message: finding.ErrorMessage,
        })),
      );
    } catch (error) {
      expanded.push({ ...detail, message: `${detail.message} (could not be read: ${describeError(error)})` });
    }
  }
  return expanded;
}
