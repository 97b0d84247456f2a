import { httpRequest } from '../harness/http.js';
import type { RevocationFetcher } from '../../src/verify/index.js';

/** A RevocationFetcher over node:http for tests (the product's comes with the webhook). */
export const httpFetcher: RevocationFetcher = async (request) => {
  const res = await httpRequest(request.url, {
    method: request.method,
    headers: request.contentType ? { 'content-type': request.contentType } : {},
    ...(request.body && { body: Buffer.from(request.body) }),
    timeoutMs: request.timeoutMs,
  });
  return { status: res.status, body: new Uint8Array(res.body) };
};
