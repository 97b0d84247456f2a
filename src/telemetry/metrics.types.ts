// The service's metrics as the rest of the code sees them: plain methods with closed label sets,
// so no module outside src/telemetry touches prom-client.

export type ReviewOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT' | 'other';
/** allowed | denied | warned (allowed with warnings) | error (4xx/5xx, no AdmissionReview answer) | shed (overloaded). */
export type ReviewVerdict = 'allowed' | 'denied' | 'warned' | 'error' | 'shed';
export type VerificationResult = 'verified' | 'failed' | 'inconclusive' | 'skipped';
export type CacheEvent = 'hit' | 'miss' | 'coalesced' | 'stored' | 'evicted';

export interface Metrics {
  /** notary_admission_reviews_total{webhook, operation, verdict, code}; code '' when allowed. */
  review(labels: {
    webhook: 'validate' | 'mutate';
    operation: ReviewOperation;
    verdict: ReviewVerdict;
    code: string;
  }): void;
  /** notary_admission_review_duration_seconds{webhook} histogram. */
  reviewDuration(webhook: 'validate' | 'mutate', seconds: number): void;
  /** notary_admission_verification_duration_seconds{result} histogram (one image, uncached work). */
  verificationDuration(result: VerificationResult, seconds: number): void;
  /** notary_admission_image_verdicts_total{result, code}. */
  imageVerdict(result: VerificationResult, code: string): void;
  /** notary_admission_cache_events_total{event, kind} (kind: verified|failed|size|expired|invalidated|''). */
  cacheEvent(event: CacheEvent, kind?: string): void;
  /** notary_admission_cache_entries gauge, set on scrape from the callback given at creation. */
  /** notary_admission_registry_requests_total{host, status} (status: HTTP code or 'error'). */
  registryRequest(host: string, status: string): void;
  /** notary_admission_inflight_reviews gauge. */
  inflight(delta: 1 | -1): void;
  /** notary_admission_tls_reloads_total{result: 'ok'|'error'}. */
  tlsReload(result: 'ok' | 'error'): void;
  /** notary_admission_tls_certificate_expiry_timestamp_seconds: notAfter of the serving leaf. */
  tlsCertificateExpiry(notAfter: Date): void;
  /** notary_admission_policy_reloads_total{result: 'ok'|'error'}. */
  policyReload(result: 'ok' | 'error'): void;
  /** notary_admission_credentials_reloads_total{result: 'ok'|'error'} (--registry-credentials). */
  credentialsReload(result: 'ok' | 'error'): void;
  /**
   * notary_admission_exception_admissions_total{code}: images a TrustPolicyException admitted
   * although their trust layers denied them (issue 17), by the code it overrode.
   */
  exceptionAdmission(code: string): void;
  /**
   * notary_admission_admissions_total{signature_kind: 'notation'|'dct'}: verified images admitted
   * by /validate (dry runs left out), by the kind of signature that passed them (issue 18).
   */
  signatureAdmission(kind: SignatureKind): void;
}

/** The kind of signature that passed an image: Notation, or Docker Content Trust (issue 18). */
export type SignatureKind = 'notation' | 'dct';
