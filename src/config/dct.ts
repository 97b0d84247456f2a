// The `dct` field of a statement (issue 18): Docker Content Trust (Notary v1) accepted instead of
// the Notation signature while teams migrate, as a TrustPolicy's spec or a `--config` file's
// `policies.<statement>` entry gives it. One reader for both sources, strict: a misread window
// would keep admitting what a policy meant to stop. The CRD schema checks the same at write time.
import type { TrustPolicyStatement } from '../verify/index.js';
import type { DctAlternative, PolicyRequirements } from './snapshot.types.js';

const DCT_KEYS = ['server', 'until', 'trustStore', 'roles'];
/** Roles per policy: Docker's two, or a few named signers' delegations. */
export const MAX_DCT_ROLES = 8;
/** Docker's roles (src/verify/tuf DOCKER_ROLES), in its order. */
export const DEFAULT_DCT_ROLES: readonly string[] = ['targets/releases', 'targets'];
/** `targets`, or a delegation Notary accepts (`targets/releases`, `targets/alice`), depth ≤ 4. */
export const DCT_ROLE = /^targets(?:\/[-a-z0-9_]+){0,4}$/;
/** RFC 3339 with seconds and a zone (`2026-12-31T23:59:59Z`, `…+02:00`), as metav1.Time. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;
/** A TrustStore's name (as the `type:name` references allow). */
const STORE_NAME = /^[A-Za-z0-9_.-]{1,253}$/;

/** How long before `until` a policy's status warns that the window closes. */
export const DCT_CLOSING_NOTICE_MS = 14 * 86_400_000;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `https://notary.example.com[:port]` (http for a server listed as an insecure registry). */
function serverOrigin(raw: unknown, at: string, problems: string[]): string | undefined {
  if (typeof raw !== 'string' || raw.length > 2048) {
    problems.push(`${at}: must be the Notary server's URL, such as https://notary.example.com`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${at}: ${JSON.stringify(raw)} is not a URL`);
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    problems.push(`${at}: must be an https:// URL (http:// only for a host in insecureRegistries)`);
  else if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
    problems.push(`${at}: must be an origin, without path, query or credentials`);
  else return url.origin;
  return undefined;
}

/** `until` as an ISO instant (UTC, ms), or a problem. */
function untilOf(raw: unknown, at: string, problems: string[]): string | undefined {
  const time = typeof raw === 'string' && RFC3339.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(time)) {
    problems.push(
      `${at}: must be an RFC 3339 date-time with a zone, such as 2026-12-31T23:59:59Z (required: the window must end)`,
    );
    return undefined;
  }
  return new Date(time).toISOString();
}

function rolesOf(raw: unknown, at: string, problems: string[]): string[] {
  if (raw === undefined || raw === null) return [...DEFAULT_DCT_ROLES];
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_DCT_ROLES) {
    problems.push(`${at}: must list 1 to ${MAX_DCT_ROLES} roles, such as targets/releases`);
    return [];
  }
  raw.forEach((role: unknown, i) => {
    if (typeof role !== 'string' || !DCT_ROLE.test(role) || role.length > 255)
      problems.push(
        `${at}[${i}]: must be targets or a delegation such as targets/releases (lower case, at most 4 levels)`,
      );
  });
  if (new Set(raw).size !== raw.length) problems.push(`${at}: a role is listed twice`);
  return raw.filter((r): r is string => typeof r === 'string');
}

/**
 * What DCT may stand in for (docs/policy-reference.md, "Migrating from Docker Content Trust"):
 * the whole signature requirement, so only of a policy with one signer group, no required
 * referrers (DCT cannot sign an SBOM) and the index as its signed subject (DCT signs the tag's
 * manifest, never each platform's).
 */
function compositionProblems(rest: Omit<PolicyRequirements, 'dct'>, at: string): string[] {
  const problems: string[] = [];
  if (rest.signers.length > 1)
    problems.push(
      `${at}: Docker Content Trust stands in for the whole signature requirement, so the policy must have one signer group (it has ${rest.signers.length})`,
    );
  if (rest.referrers.length > 0)
    problems.push(`${at}: cannot be combined with requiredReferrers (DCT signs no referrers)`);
  if (rest.signedSubject !== 'Index')
    problems.push(
      `${at}: needs signedSubject Index (DCT signs the manifest a tag names, not each platform's)`,
    );
  return problems;
}

export interface CompiledDct {
  /** With `roots` empty: each source attaches its trust store's (dct-roots.ts, crd/dct-store.ts). */
  dct?: DctAlternative;
  problems: string[];
}

/** Compiles a statement's `dct` member (absent: nothing) against what else it requires. */
export function compileDct(
  statement: TrustPolicyStatement,
  raw: unknown,
  rest: Omit<PolicyRequirements, 'dct'>,
  where: string,
): CompiledDct {
  if (raw === undefined || raw === null) return { problems: [] };
  const at = `${where}.dct`;
  if (!isRecord(raw))
    return { problems: [`${at}: must be an object with server, until, trustStore and roles`] };
  const problems = Object.keys(raw)
    .filter((key) => !DCT_KEYS.includes(key))
    .map((key) => `${at}.${key}: unknown field (expected ${DCT_KEYS.join(', ')})`);
  if (statement.signatureVerification.level === 'skip')
    problems.push(`${at}: a policy with level skip verifies nothing, so it cannot accept DCT`);
  const server = serverOrigin(raw['server'], `${at}.server`, problems);
  const until = untilOf(raw['until'], `${at}.until`, problems);
  const store = raw['trustStore'];
  if (typeof store !== 'string' || !STORE_NAME.test(store))
    problems.push(`${at}.trustStore: must name a trust store of type notaryV1Root`);
  const roles = rolesOf(raw['roles'], `${at}.roles`, problems);
  problems.push(...compositionProblems(rest, at));
  if (problems.length > 0 || server === undefined || until === undefined) return { problems };
  return { dct: { server, until, trustStore: store as string, roots: [], roles }, problems };
}

/** Where a window stands at `now`: open, closing (within the notice), or closed. */
export function dctWindow(
  dct: Pick<DctAlternative, 'until'>,
  now: number,
): 'open' | 'closing' | 'closed' {
  const until = Date.parse(dct.until);
  if (now >= until) return 'closed';
  return now >= until - DCT_CLOSING_NOTICE_MS ? 'closing' : 'open';
}
