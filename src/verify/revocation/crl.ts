// CRL status of one certificate, as notation-core-go internal/crl: every distribution point is
// checked (divergence D14: not "first 200 wins"), the first failure makes the result unknown,
// and a Freshest CRL (delta) is fetched and applied when the certificate or base CRL names one.
import * as pkijs from 'pkijs';
import { distributionPointUrls } from './cert-info.js';
import { EXT, find } from './extensions.js';
import {
  RevocationCheckError,
  errorDetail,
  fetchBody,
  requireHttpUrl,
  type MethodContext,
  type MethodResult,
} from './fetcher.js';
import { isRevoked, serialOf } from './crl-entries.js';
import { checkDeltaOf, parseCrl, validateCrl, type CrlCheck } from './crl-validate.js';

type Crl = pkijs.CertificateRevocationList;

async function fetchCrl(url: string, check: CrlCheck, ctx: MethodContext): Promise<Crl> {
  requireHttpUrl(url);
  const key = `crl ${url}`;
  const cached = ctx.cache?.get(key, ctx.now);
  if (cached) {
    try {
      const crl = parseCrl(cached);
      validateCrl(crl, check);
      return crl;
    } catch {
      ctx.cache?.delete(key);
    }
  }
  const body = await fetchBody(ctx, {
    url,
    method: 'GET',
    timeoutMs: ctx.timeoutMs,
    maxResponseBytes: ctx.maxResponseBytes,
  });
  const crl = parseCrl(body);
  validateCrl(crl, check);
  ctx.cache?.set(key, body, { now: ctx.now, expires: crl.nextUpdate!.value });
  return crl;
}

function single(urls: readonly string[]): string {
  if (urls.length !== 1) {
    throw new RevocationCheckError(
      `${urls.length} delta CRL locations given; exactly one is supported`,
    );
  }
  return urls[0]!;
}

/** The delta CRL location named by a base CRL's Freshest CRL extension, if any. */
function baseDeltaUrl(base: Crl): string | undefined {
  const ext = find(base.crlExtensions?.extensions, EXT.freshestCrl);
  if (!ext) return undefined;
  const points = ext.parsedValue as unknown;
  if (!(points instanceof pkijs.CRLDistributionPoints)) {
    throw new RevocationCheckError("the base CRL's Freshest CRL extension is malformed");
  }
  return single(distributionPointUrls(points, "base CRL's Freshest CRL extension"));
}

export interface CrlPointers {
  crlUrls: readonly string[];
  deltaCrlUrls: readonly string[] | undefined;
}

/** The base CRL at `url` and, when the certificate or the base names one, its delta. */
async function crlsAt(
  url: string,
  pointers: CrlPointers,
  check: CrlCheck,
  ctx: MethodContext,
): Promise<Crl[]> {
  // The certificate's Freshest CRL takes precedence over the base CRL's (RFC 5280 §5.2.6).
  const certDelta = pointers.deltaCrlUrls && single(pointers.deltaCrlUrls);
  const base = await fetchCrl(url, { ...check, kind: 'base' }, ctx);
  const delta = certDelta ?? baseDeltaUrl(base);
  if (delta === undefined) return [base];
  const deltaCrl = await fetchCrl(delta, { ...check, kind: 'delta' }, ctx);
  checkDeltaOf(base, deltaCrl);
  return [base, deltaCrl];
}

function earliest(dates: (Date | undefined)[]): Date | undefined {
  const times = dates.filter((d): d is Date => d !== undefined).map((d) => d.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

/** Checks `cert` against the CRLs of all its distribution points; never throws. */
export async function checkCrl(
  cert: pkijs.Certificate,
  issuer: pkijs.Certificate,
  pointers: CrlPointers,
  ctx: MethodContext,
): Promise<MethodResult> {
  const check: CrlCheck = { cert, issuer, now: ctx.now, kind: 'base' };
  const used: Crl[] = [];
  for (const url of pointers.crlUrls) {
    try {
      const crls = await crlsAt(url, pointers, check, ctx);
      used.push(...crls);
      const nextUpdate = earliest(crls.map((c) => c.nextUpdate?.value));
      if (isRevoked(crls, serialOf(cert), ctx.authenticSigningTime)) {
        return {
          status: 'revoked',
          detail: `revoked according to the CRL at ${url}`,
          ...(nextUpdate && { nextUpdate }),
        };
      }
    } catch (error) {
      return { status: 'unknown', detail: `CRL check failed: ${errorDetail(error)}` };
    }
  }
  const nextUpdate = earliest(used.map((c) => c.nextUpdate?.value));
  return { status: 'ok', ...(nextUpdate && { nextUpdate }) };
}
