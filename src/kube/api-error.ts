// Errors of the Kubernetes API as short, safe text: the HTTP status and the API server's Status
// message, never the request, its headers or a token. client-node's ApiException message embeds
// the response headers and body, so it is not shown as is.

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The HTTP status of an API error (ApiException `code`, Watch `statusCode`), if it has one. */
export function httpStatus(err: unknown): number | undefined {
  if (!isRecord(err)) return undefined;
  for (const key of ['code', 'statusCode']) {
    const value = err[key];
    if (typeof value === 'number' && value >= 100 && value < 600) return value;
  }
  return undefined;
}

/** `message` of a Kubernetes Status body (an object, or its JSON text). */
function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  const message = isRecord(parsed) ? parsed['message'] : undefined;
  return typeof message === 'string' && message !== '' ? message : undefined;
}

const HINTS: Record<number, string> = {
  401: 'the credentials were refused',
  403: 'forbidden: the service account lacks the RBAC permission',
  404: 'not found (is the CRD installed?)',
};

/** `HTTP 404: the server could not find the requested resource`, or a network error's text. */
export function describeApiError(err: unknown): string {
  const status = httpStatus(err);
  if (status === undefined) {
    const message = err instanceof Error ? err.message : String(err);
    // Only the first line: some transports append request details after it.
    return message.split('\n')[0] ?? 'unknown error';
  }
  const detail =
    statusMessage(isRecord(err) ? err['body'] : undefined) ?? HINTS[status] ?? 'request failed';
  return `HTTP ${status}: ${detail}`;
}
