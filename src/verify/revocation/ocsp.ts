// OCSP status of one certificate, as notation-core-go's internal/ocsp: the AIA responders in
// order, and the first definitive answer (good, revoked or unknown) wins.
import type * as pkijs from 'pkijs';
import {
  errorDetail,
  fetchBody,
  requireHttpUrl,
  type MethodContext,
  type MethodResult,
} from './fetcher.js';
import { buildOcspRequest, ocspHttpRequest, type OcspRequestInfo } from './ocsp-request.js';
import { validateOcspResponse, type OcspAnswer } from './ocsp-response.js';

async function answerFrom(
  url: string,
  req: OcspRequestInfo,
  ctx: MethodContext,
): Promise<OcspAnswer> {
  requireHttpUrl(url);
  const key = `ocsp ${url} ${Buffer.from(req.der).toString('base64')}`;
  const cached = ctx.cache?.get(key, ctx.now);
  if (cached) {
    try {
      return validateOcspResponse(cached, req, ctx.now);
    } catch {
      ctx.cache?.delete(key);
    }
  }
  const http = ocspHttpRequest(url, req.der, ctx.timeoutMs);
  const body = await fetchBody(ctx, { ...http, maxResponseBytes: ctx.maxResponseBytes });
  const answer = validateOcspResponse(body, req, ctx.now);
  ctx.cache?.set(key, body, { now: ctx.now, expires: answer.nextUpdate });
  return answer;
}

/** Revoked, unless the SA signing time precedes the invalidity date (notation-core-go). */
function toResult(url: string, answer: OcspAnswer, ctx: MethodContext): MethodResult {
  const { nextUpdate } = answer;
  switch (answer.status) {
    case 'good':
      return { status: 'ok', nextUpdate };
    case 'unknown':
      return {
        status: 'unknown',
        detail: `the OCSP responder ${url} does not know it`,
        nextUpdate,
      };
    case 'revoked': {
      const signed = ctx.authenticSigningTime;
      if (signed && answer.invalidityDate && signed < answer.invalidityDate) {
        return { status: 'ok', nextUpdate };
      }
      return {
        status: 'revoked',
        detail: `revoked according to OCSP responder ${url}`,
        nextUpdate,
      };
    }
  }
}

/** Checks `cert` at the OCSP responders named in `urls`; never throws. */
export async function checkOcsp(
  cert: pkijs.Certificate,
  issuer: pkijs.Certificate,
  urls: readonly string[],
  ctx: MethodContext,
): Promise<MethodResult> {
  let req: OcspRequestInfo;
  try {
    req = buildOcspRequest(cert, issuer);
  } catch (error) {
    return { status: 'unknown', detail: `cannot build the OCSP request: ${errorDetail(error)}` };
  }
  const failures: string[] = [];
  for (const url of urls) {
    try {
      return toResult(url, await answerFrom(url, req, ctx), ctx);
    } catch (error) {
      failures.push(errorDetail(error));
    }
  }
  return { status: 'unknown', detail: `OCSP failed: ${failures.join('; ')}` };
}
