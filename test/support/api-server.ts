// H-API (reliability.md §5): calls the webhook the way kube-apiserver does (§1.5: HTTP/1.1
// keep-alive, `?timeout=Ns`, one hard deadline, no retry) and judges the answer as its dispatcher
// does (§1.2 VerifyAdmissionResponse and ToStatusErr, §1.4 failurePolicy).
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';

export type OutcomeKind = 'admitted' | 'denied' | 'failed-closed' | 'failed-open';

/** The `response` of an AdmissionReview as the webhook sent it. */
export interface ReviewResponse {
  uid?: unknown;
  allowed?: unknown;
  status?: { code?: number; reason?: string; message?: string; status?: string };
  warnings?: unknown;
  auditAnnotations?: Record<string, string>;
  patchType?: unknown;
  patch?: unknown;
  [key: string]: unknown;
}

/** What the API server made of one call. */
export interface Outcome {
  kind: OutcomeKind;
  latencyMs: number;
  /**
   * The code the API server returns to its own client: the denial's `status.code` (below 400
   * forced to 400), or 500 (InternalError) when failing closed. Absent when the request goes on.
   */
  status?: number;
  /** The webhook's HTTP status, when it answered one. */
  httpStatus?: number;
  response?: ReviewResponse;
  /** What the user sees: `admission webhook "<name>" denied the request: …`, or the 500's text. */
  message?: string;
  /** failed-*: `failed calling webhook "<name>": <reason>`. */
  error?: string;
  /**
   * failed-*: the low-level cause: `TIMEOUT` (the API server's deadline), `ABORTED` (the caller's
   * signal), a socket or TLS code (`ECONNRESET`, `UND_ERR_SOCKET` = EOF, `ECONNREFUSED`,
   * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, …), `HTTP_<status>`, `UNDECODABLE`, `INVALID_RESPONSE`,
   * or `INVALID_PATCH` (mutating; rejected whatever the failurePolicy, as the API server does).
   */
  code?: string;
  warnings: string[];
  /** Mutating webhook, admitted: the decoded JSONPatch. */
  patch?: unknown[];
}

export interface ApiServerClientOptions {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** PEM bundle the webhook's certificate must chain to (the configuration's caBundle). */
  ca: string;
  /** SNI and the name the certificate must carry, e.g. `notary-admission.notary-system.svc`. */
  servername?: string;
  /** How long an idle keep-alive connection is kept (Go's IdleConnTimeout, 90 s). */
  idleTimeoutMs?: number;
  webhook: 'validating' | 'mutating';
  failurePolicy?: 'Fail' | 'Ignore';
  /** The configuration's timeoutSeconds: sent as `?timeout=` and enforced on the whole call. */
  timeoutSeconds?: number;
  /** The webhook's name in messages (default `<webhook>.notary-admission.dev`). */
  name?: string;
}

export interface ReviewCallOptions {
  /** Default `/validate`, or `/mutate` for a mutating webhook. */
  path?: string;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface ApiServerCounters {
  requests: number;
  admitted: number;
  denied: number;
  failedClosed: number;
  failedOpen: number;
  /** TLS connections established (after the handshake). */
  connectionsOpened: number;
  connectionsClosed: number;
}

export interface ApiServerClient {
  /** Sends one AdmissionReview (an object is sent as JSON; a string or Buffer as is). */
  review(body: unknown, options?: ReviewCallOptions): Promise<Outcome>;
  readonly counters: Readonly<ApiServerCounters>;
  close(): Promise<void>;
}

/** A call the API server counts as "failed calling webhook" (subject to failurePolicy). */
class CallFailure extends Error {
  readonly code: string;
  readonly httpStatus: number | undefined;
  constructor(code: string, reason: string, httpStatus?: number) {
    super(reason);
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The innermost `code` in an error's cause chain (undici wraps socket and TLS errors). */
function errorCode(err: unknown): string {
  let code = 'UNKNOWN';
  for (let e = err, i = 0; isRecord(e) || e instanceof Error; i++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') code = c;
    if (i > 5) break;
    e = (e as { cause?: unknown }).cause;
  }
  return code;
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const invalid = (why: string): CallFailure =>
  new CallFailure('INVALID_RESPONSE', `received invalid webhook response: ${why}`);

/** VerifyAdmissionResponse (v1), in its order: response present, same uid, GVK, patch rules. */
function verifyResponse(body: unknown, uid: string, mutating: boolean): ReviewResponse {
  if (!isRecord(body)) throw invalid('the body is not a JSON object');
  const response = body['response'];
  if (!isRecord(response)) throw invalid('webhook response was absent');
  if (response['uid'] !== uid) {
    const got = JSON.stringify(response['uid']);
    throw invalid(`expected response.uid=${JSON.stringify(uid)}, got ${got}`);
  }
  if (body['apiVersion'] !== 'admission.k8s.io/v1' || body['kind'] !== 'AdmissionReview') {
    const got = `${JSON.stringify(body['apiVersion'])}, Kind=${JSON.stringify(body['kind'])}`;
    throw invalid(
      `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${got}`,
    );
  }
  if (response['allowed'] !== undefined && typeof response['allowed'] !== 'boolean')
    throw invalid('response.allowed is not a boolean');
  verifyPatch(response['patch'] ?? '', response['patchType'] ?? '', mutating);
  return response;
}

/** Only a mutating webhook may patch, and only with a base64 JSONPatch. */
function verifyPatch(patch: unknown, patchType: unknown, mutating: boolean): void {
  if (typeof patch !== 'string' || !base64.test(patch))
    throw invalid('response.patch is not base64');
  if (patch !== '' && patchType === '')
    throw invalid('webhook returned response.patch but not response.patchType');
  if (patchType !== '' && patch === '')
    throw invalid('webhook returned response.patchType but not response.patch');
  if (!mutating && patch !== '')
    throw invalid('validating webhook may not return response.patch or response.patchType');
  if (patchType !== '' && patchType !== 'JSONPatch')
    throw invalid(`invalid response.patchType ${JSON.stringify(patchType)}`);
}

/** ToStatusErr: the code and message a denial becomes. */
function denial(name: string, status: ReviewResponse['status']): { code: number; message: string } {
  const code = typeof status?.code === 'number' && status.code >= 400 ? status.code : 400;
  const deniedBy = `admission webhook "${name}" denied the request`;
  const why = status?.message || status?.reason;
  return { code, message: why ? `${deniedBy}: ${why}` : `${deniedBy} without explanation` };
}

/** The mutating dispatcher's patch decoding; undefined when it is not a JSON array. */
function decodePatch(response: ReviewResponse): unknown[] | undefined {
  if (typeof response.patch !== 'string' || response.patch === '') return [];
  try {
    const ops: unknown = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    return Array.isArray(ops) ? ops : undefined;
  } catch {
    return undefined;
  }
}

const warningsOf = (response: ReviewResponse): string[] =>
  Array.isArray(response.warnings)
    ? response.warnings.filter((w): w is string => typeof w === 'string')
    : [];

function requestUid(body: unknown): string {
  const request = isRecord(body) ? body['request'] : undefined;
  return isRecord(request) && typeof request['uid'] === 'string' ? request['uid'] : '';
}

/** Everything of an outcome but its latency. */
type Judged = Omit<Outcome, 'latencyMs'>;

/** The API server's reading of a 2xx-or-not answer (throws CallFailure for an invalid one). */
function judge(answer: { status: number; text: string }, uid: string, mutating: boolean): Judged {
  const httpStatus = answer.status;
  if (httpStatus < 200 || httpStatus > 206) {
    const excerpt = JSON.stringify(answer.text.slice(0, 200));
    throw new CallFailure(
      `HTTP_${httpStatus}`,
      `failed to call webhook: an error on the server (${excerpt}) has prevented the request from succeeding`,
      httpStatus,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CallFailure('UNDECODABLE', `failed to call webhook: ${why}`, httpStatus);
  }
  const response = verifyResponse(body, uid, mutating);
  return {
    kind: response.allowed === true ? 'admitted' : 'denied',
    httpStatus,
    response,
    warnings: warningsOf(response),
  };
}

const ZERO: ApiServerCounters = {
  requests: 0,
  admitted: 0,
  denied: 0,
  failedClosed: 0,
  failedOpen: 0,
  connectionsOpened: 0,
  connectionsClosed: 0,
};
const COUNTER: Record<OutcomeKind, keyof ApiServerCounters> = {
  admitted: 'admitted',
  denied: 'denied',
  'failed-closed': 'failedClosed',
  'failed-open': 'failedOpen',
};

/**
 * Go's Transport pool: one undici Client (one socket) per connection, the most recently used idle
 * one first, a new one only when all are busy, and a connection that failed is closed, never
 * reused. (undici's Pool marks a client free only on a later 'drain' event, so back-to-back
 * requests would open a second connection that Go never opens.)
 */
class Connections {
  readonly #idle: Client[] = [];
  readonly #all = new Set<Client>();
  readonly #make: () => Client;

  constructor(make: () => Client) {
    this.#make = make;
  }

  async run<T>(exchange: (client: Client) => Promise<T>): Promise<T> {
    let client = this.#idle.pop();
    if (!client) {
      client = this.#make();
      this.#all.add(client);
    }
    try {
      const result = await exchange(client);
      if (!client.closed && !client.destroyed) this.#idle.push(client);
      return result;
    } catch (err) {
      this.#all.delete(client);
      void client.destroy().catch(() => undefined);
      throw err;
    }
  }

  async destroy(): Promise<void> {
    this.#idle.length = 0;
    await Promise.all([...this.#all].map((c) => c.destroy()));
    this.#all.clear();
  }
}

/**
 * An API server calling one webhook. Connections are pooled HTTP/1.1 keep-alive, closed after
 * `idleTimeoutMs` idle whatever the server's `Keep-Alive` hint says (Go ignores it too); a failed
 * call is never retried.
 */
export function createApiServerClient(options: ApiServerClientOptions): ApiServerClient {
  const { webhook, failurePolicy = 'Fail', timeoutSeconds = 10, idleTimeoutMs = 90_000 } = options;
  const mutating = webhook === 'mutating';
  const name = options.name ?? `${mutating ? 'mutate' : 'validate'}.notary-admission.dev`;
  const origin = new URL(options.url);
  const host = options.servername ? `${options.servername}:${origin.port || '443'}` : origin.host;
  const headers = {
    host,
    'content-type': 'application/json',
    accept: 'application/json, */*',
    'user-agent': 'kube-apiserver-admission',
  };
  const counters: ApiServerCounters = { ...ZERO };
  const connections = new Connections(() => {
    const client = new Client(origin.origin, {
      allowH2: false,
      pipelining: 1,
      keepAliveTimeout: idleTimeoutMs,
      keepAliveMaxTimeout: idleTimeoutMs,
      // Go ignores the server's `Keep-Alive: timeout=` hint: push undici's use of it out of reach.
      keepAliveTimeoutThreshold: -1e12,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: {
        ca: options.ca,
        rejectUnauthorized: true,
        ...(options.servername !== undefined && { servername: options.servername }),
      },
    });
    client.on('connect', () => void counters.connectionsOpened++);
    client.on('disconnect', () => void counters.connectionsClosed++);
    return client;
  });

  async function send(payload: string | Buffer, call: ReviewCallOptions) {
    const seconds = call.timeoutSeconds ?? timeoutSeconds;
    const path = `${call.path ?? (mutating ? '/mutate' : '/validate')}?timeout=${Math.ceil(seconds)}s`;
    const post = `failed to call webhook: Post "https://${host}${path}"`;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), seconds * 1000);
    const signal = call.signal ? AbortSignal.any([deadline.signal, call.signal]) : deadline.signal;
    try {
      return await connections.run(async (client) => {
        const res = await client.request({ method: 'POST', path, headers, body: payload, signal });
        return { status: res.statusCode, text: await res.body.text() };
      });
    } catch (err) {
      if (deadline.signal.aborted)
        throw new CallFailure('TIMEOUT', `${post}: context deadline exceeded`);
      if (call.signal?.aborted) throw new CallFailure('ABORTED', `${post}: context canceled`);
      const code = errorCode(err);
      const why = err instanceof Error ? err.message : String(err);
      throw new CallFailure(code, `${post}: ${why} (${code})`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** failurePolicy: a failed call is rejected (500) under Fail and let through under Ignore. */
  function failed(f: CallFailure, forceClosed = false): Judged {
    const error = `failed calling webhook "${name}": ${f.message}`;
    const common = {
      error,
      code: f.code,
      warnings: [],
      ...(f.httpStatus !== undefined && { httpStatus: f.httpStatus }),
    };
    if (failurePolicy === 'Ignore' && !forceClosed) return { kind: 'failed-open', ...common };
    return {
      kind: 'failed-closed',
      status: 500,
      message: `Internal error occurred: ${error}`,
      ...common,
    };
  }

  function conclude(judged: Judged): Judged {
    const response = judged.response;
    if (!response) return judged;
    if (judged.kind === 'denied') {
      const { code, message } = denial(name, response.status);
      return { ...judged, status: code, message };
    }
    if (!mutating) return judged;
    const patch = decodePatch(response);
    if (patch) return { ...judged, patch };
    // The mutating dispatcher rejects an undecodable patch as an internal error, whatever the policy.
    return failed(new CallFailure('INVALID_PATCH', 'received invalid json patch'), true);
  }

  async function review(body: unknown, call: ReviewCallOptions = {}): Promise<Outcome> {
    counters.requests++;
    const started = performance.now();
    const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    let judged: Judged;
    try {
      judged = conclude(judge(await send(payload, call), requestUid(body), mutating));
    } catch (err) {
      if (!(err instanceof CallFailure)) throw err;
      judged = failed(err);
    }
    counters[COUNTER[judged.kind]]++;
    return { ...judged, latencyMs: performance.now() - started };
  }

  return { review, counters, close: () => connections.destroy() };
}
