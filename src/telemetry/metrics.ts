import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type {
  CacheEvent,
  Metrics,
  ReviewOperation,
  ReviewVerdict,
  VerificationResult,
} from './metrics.types.js';

export interface MetricsOptions {
  /** Where every metric is registered; never prom-client's global registry. */
  registry: Registry;
  /** Read on each scrape for notary_admission_cache_entries. */
  cacheEntries?: () => number;
  /** Distinct `host` label values before the rest are counted as 'other' (default 100). */
  maxHosts?: number;
  /** Node.js process metrics (CPU, memory, GC, handles); default true. */
  processMetrics?: boolean;
}

const PREFIX = 'notary_admission_';
/** What each `<what>_reloads_total` counts, for its help text. */
const RELOADED: Record<string, string> = {
  tls: 'TLS certificate',
  policy: 'Trust policy',
  credentials: 'Registry credentials file',
};
/** An admission review answers within the apiserver's timeout (10 s at most). */
export const REVIEW_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** One image's uncached verification can wait on registries and revocation responders. */
export const VERIFICATION_BUCKETS = [...REVIEW_BUCKETS, 20, 30];

const OPERATIONS = new Set<string>(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);
const VERDICTS = new Set<string>(['allowed', 'denied', 'warned', 'error', 'shed']);
const RESULTS = new Set<string>(['verified', 'failed', 'inconclusive', 'skipped']);
const CACHE_EVENTS = new Set<string>(['hit', 'miss', 'coalesced', 'stored', 'evicted']);
const CACHE_KINDS = new Set<string>(['verified', 'failed', 'size', 'expired', 'invalidated']);
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const HOST = /^[a-z0-9.\-:[\]]{1,261}$/;
const MAX_CODES = 200;

/**
 * A label whose values come from outside a closed set (hosts, codes): the first `max` distinct
 * values are kept, later ones are counted as 'other', so a hostile cluster cannot grow the
 * series without bound.
 */
export function cappedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

function oneOf<T extends string>(value: string, allowed: ReadonlySet<string>, fallback: T): string {
  return allowed.has(value) ? value : fallback;
}

/** A SCREAMING_SNAKE code, '' for none, 'OTHER' for anything else. */
function codeLabel(cap: (v: string) => string): (code: string) => string {
  return (code) => (code === '' ? '' : CODE.test(code) ? cap(code) : 'OTHER');
}

/** `status` of a registry request: a three-digit HTTP status or 'error'. */
function statusLabel(status: string): string {
  return /^[1-5]\d\d$/.test(status) ? status : 'error';
}

/**
 * The service's Prometheus metrics (names in metrics.types.ts) on the given registry, plus
 * Node.js process metrics under the same prefix. Label values are mapped onto closed sets.
 */
export function createMetrics(options: MetricsOptions): Metrics & { registry: Registry } {
  const { registry } = options;
  const registers = [registry];
  const host = cappedLabel(options.maxHosts ?? 100);
  const code = codeLabel(cappedLabel(MAX_CODES));
  if (options.processMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: PREFIX });

  const reviews = new Counter({
    name: `${PREFIX}reviews_total`,
    help: 'Admission reviews answered, by webhook, operation, verdict and denial code.',
    labelNames: ['webhook', 'operation', 'verdict', 'code'] as const,
    registers,
  });
  const reviewSeconds = new Histogram({
    name: `${PREFIX}review_duration_seconds`,
    help: 'Time to answer one admission review.',
    labelNames: ['webhook'] as const,
    buckets: REVIEW_BUCKETS,
    registers,
  });
  const verificationSeconds = new Histogram({
    name: `${PREFIX}verification_duration_seconds`,
    help: 'Time to verify one image without the cache, by result.',
    labelNames: ['result'] as const,
    buckets: VERIFICATION_BUCKETS,
    registers,
  });
  const imageVerdicts = new Counter({
    name: `${PREFIX}image_verdicts_total`,
    help: 'Per-image verification outcomes, by result and code.',
    labelNames: ['result', 'code'] as const,
    registers,
  });
  const cacheEvents = new Counter({
    name: `${PREFIX}cache_events_total`,
    help: 'Verdict cache events, by event and entry kind.',
    labelNames: ['event', 'kind'] as const,
    registers,
  });
  const { cacheEntries } = options;
  new Gauge({
    name: `${PREFIX}cache_entries`,
    help: 'Entries in the verdict cache.',
    registers,
    collect(): void {
      if (cacheEntries) this.set(cacheEntries());
    },
  });
  const registryRequests = new Counter({
    name: `${PREFIX}registry_requests_total`,
    help: `Registry HTTP exchanges, by host (first ${options.maxHosts ?? 100}, then 'other') and status.`,
    labelNames: ['host', 'status'] as const,
    registers,
  });
  const inflight = new Gauge({
    name: `${PREFIX}inflight_reviews`,
    help: 'Admission reviews being answered now.',
    registers,
  });
  const reloads = (what: string): Counter<'result'> => {
    const counter = new Counter({
      name: `${PREFIX}${what}_reloads_total`,
      help: `${RELOADED[what] ?? what} reloads, by result.`,
      labelNames: ['result'] as const,
      registers,
    });
    // Both series exist from the start, so rate() and absent() work before the first reload.
    counter.labels('ok').inc(0);
    counter.labels('error').inc(0);
    return counter;
  };
  const tlsReloads = reloads('tls');
  const tlsExpiry = new Gauge({
    name: 'notary_admission_tls_certificate_expiry_timestamp_seconds',
    help: 'notAfter of the serving certificate in use (Unix seconds), for expiry alerts.',
    registers,
  });
  const policyReloads = reloads('policy');
  const credentialsReloads = reloads('credentials');
  const exceptionAdmissions = new Counter({
    name: `${PREFIX}exception_admissions_total`,
    help: 'Images a TrustPolicyException admitted although their trust layers denied them, by code.',
    labelNames: ['code'] as const,
    registers,
  });
  const admissions = new Counter({
    name: `${PREFIX}admissions_total`,
    help: 'Verified images admitted by /validate, by the kind of signature that passed them (notation, dct).',
    labelNames: ['signature_kind'] as const,
    registers,
  });
  // Both series from the start, so a migration dashboard shows DCT at zero, not absent.
  admissions.labels('notation').inc(0);
  admissions.labels('dct').inc(0);

  return {
    registry,
    review(labels): void {
      reviews.inc({
        webhook: labels.webhook,
        operation: oneOf<ReviewOperation>(labels.operation, OPERATIONS, 'other'),
        verdict: oneOf<ReviewVerdict>(labels.verdict, VERDICTS, 'error'),
        code: code(labels.code),
      });
    },
    reviewDuration(webhook, seconds): void {
      reviewSeconds.observe({ webhook }, seconds);
    },
    verificationDuration(result, seconds): void {
      verificationSeconds.observe(
        { result: oneOf<VerificationResult>(result, RESULTS, 'inconclusive') },
        seconds,
      );
    },
    imageVerdict(result, c): void {
      imageVerdicts.inc({
        result: oneOf<VerificationResult>(result, RESULTS, 'inconclusive'),
        code: code(c),
      });
    },
    cacheEvent(event: CacheEvent, kind = ''): void {
      if (!CACHE_EVENTS.has(event)) return;
      cacheEvents.inc({ event, kind: oneOf(kind, CACHE_KINDS, '') });
    },
    registryRequest(h, status): void {
      const name = h.toLowerCase();
      registryRequests.inc({
        host: HOST.test(name) ? host(name) : 'other',
        status: statusLabel(status),
      });
    },
    inflight(delta): void {
      inflight.inc(delta);
    },
    tlsReload(result): void {
      tlsReloads.inc({ result: result === 'ok' ? 'ok' : 'error' });
    },
    tlsCertificateExpiry(notAfter): void {
      tlsExpiry.set(Math.floor(notAfter.getTime() / 1000));
    },
    policyReload(result): void {
      policyReloads.inc({ result: result === 'ok' ? 'ok' : 'error' });
    },
    credentialsReload(result): void {
      credentialsReloads.inc({ result: result === 'ok' ? 'ok' : 'error' });
    },
    exceptionAdmission(c): void {
      exceptionAdmissions.inc({ code: code(c) });
    },
    signatureAdmission(kind): void {
      admissions.inc({ signature_kind: kind === 'dct' ? 'dct' : 'notation' });
    },
  };
}
