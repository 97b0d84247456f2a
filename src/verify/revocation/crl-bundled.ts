// CRL status of one certificate from a bundle (bundle.ts) instead of its distribution points:
// the same checks as a fetched CRL (issuer's signature, cRLSign, scope, unknown critical
// extensions, nextUpdate), so a bundle can only stand in for a download, never say more. An
// out-of-date bundle is "unknown", which the verification level then decides.
import type * as pkijs from 'pkijs';
import type { BundledCrl, CrlBundle } from './bundle.js';
import { isRevoked, serialOf } from './crl-entries.js';
import { checkDeltaOf, validateCrl, type CrlCheck } from './crl-validate.js';
import { EXT, find } from './extensions.js';
import { errorDetail, type MethodContext, type MethodResult } from './fetcher.js';

/** Newest first: by CRL number when both have one, else by thisUpdate. */
function newestFirst(a: BundledCrl, b: BundledCrl): number {
  if (a.number !== undefined && b.number !== undefined && a.number !== b.number)
    return a.number > b.number ? -1 : 1;
  return b.thisUpdate.getTime() - a.thisUpdate.getTime();
}

/** The newest CRL of `kind` that may be used for the certificate, or why none may. */
function usable(
  crls: readonly BundledCrl[],
  check: CrlCheck,
  fits: (c: BundledCrl) => void = () => undefined,
): { crl: BundledCrl } | { problem: string } {
  let problem = `the bundle holds no ${check.kind} CRL of this issuer`;
  for (const candidate of [...crls]
    .filter((c) => c.delta === (check.kind === 'delta'))
    .sort(newestFirst)) {
    try {
      validateCrl(candidate.crl, check);
      fits(candidate);
      return { crl: candidate };
    } catch (err) {
      problem = `${candidate.source}: ${errorDetail(err)}`;
    }
  }
  return { problem };
}

const earliest = (crls: readonly BundledCrl[]): Date | undefined => {
  const times = crls.flatMap((c) => (c.nextUpdate ? [c.nextUpdate.getTime()] : []));
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
};

/**
 * Whether the bundle can speak for certificates of `issuer`: it holds a CRL in its name. Then it
 * decides alone (no OCSP, no download): a bundle that is stale or not the issuer's makes the
 * status unknown rather than falling back to a network the cluster may not have.
 */
export function bundleCovers(bundle: CrlBundle | undefined, issuer: pkijs.Certificate): boolean {
  return bundle !== undefined && bundle.from(issuer).length > 0;
}

/** Checks `cert` against the bundle's newest valid CRL of its issuer (and delta); never throws. */
export function checkBundledCrl(
  cert: pkijs.Certificate,
  issuer: pkijs.Certificate,
  bundle: CrlBundle,
  ctx: Pick<MethodContext, 'now' | 'authenticSigningTime'> & { deltaNamed: boolean },
): MethodResult {
  const crls = bundle.from(issuer);
  const check: CrlCheck = { cert, issuer, now: ctx.now, kind: 'base' };
  try {
    const base = usable(crls, check);
    if ('problem' in base)
      return { status: 'unknown', detail: `bundled CRL not usable: ${base.problem}` };
    const used = [base.crl];
    // The certificate or the base names a delta CRL: without it the base may be out of date.
    const deltaNamed =
      ctx.deltaNamed || find(base.crl.crl.crlExtensions?.extensions, EXT.freshestCrl) !== undefined;
    if (deltaNamed) {
      const delta = usable(crls, { ...check, kind: 'delta' }, (d) =>
        checkDeltaOf(base.crl.crl, d.crl),
      );
      if ('problem' in delta)
        return { status: 'unknown', detail: `bundled delta CRL not usable: ${delta.problem}` };
      used.push(delta.crl);
    }
    const nextUpdate = earliest(used);
    const revoked = isRevoked(
      used.map((c) => c.crl),
      serialOf(cert),
      ctx.authenticSigningTime,
    );
    return {
      status: revoked ? 'revoked' : 'ok',
      ...(revoked && { detail: `revoked according to the bundled CRL ${base.crl.source}` }),
      ...(nextUpdate && { nextUpdate }),
    };
  } catch (err) {
    return { status: 'unknown', detail: `bundled CRL check failed: ${errorDetail(err)}` };
  }
}
