/** A request and an answer as the REST-JSON and REST-XML services (EBS, S3, Catalog, IAM) see them. */
export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Hex SHA-256 of the body, when the server has already computed it. */
  bodySha256?: string;
}

export interface RestResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export function jsonResponse(status: number, body: unknown): RestResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** A header's first value (Node gives repeated headers as arrays). */
export function header(request: RestRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
