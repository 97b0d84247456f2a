// A workload's registry credentials as the kubelet would pull with them: the Secrets its pod spec
// names in `imagePullSecrets`, then those of its ServiceAccount (issue 6, item 4). Opt-in
// (`--pull-secrets`): it needs `get` on secrets and serviceaccounts in workload namespaces.
// Plain data out: Docker config JSON documents in precedence order; src/registry parses them.
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { abortable } from './abortable.js';

/** The parts of a review the resolver reads (a Pod's spec, or a workload's pod template). */
export interface PullSecretRequest {
  namespace: string;
  podSpec: { imagePullSecrets?: readonly { name?: string }[]; serviceAccountName?: string };
}

/** A Secret or ServiceAccount that was left out, and why (names only, never content). */
export interface SkippedPullSecret {
  /** `secret team-a/regcred`, `serviceaccount team-a/default`. */
  object: string;
  reason: string;
}

export interface PullSecrets {
  /**
   * `.dockerconfigjson` documents (a `.dockercfg` is wrapped as `{"auths": …}`): the Pod's
   * Secrets in order, then its ServiceAccount's. The first that names a registry wins.
   */
  dockerConfigs: string[];
  /** `namespace/name` of each Secret in `dockerConfigs`, same order. */
  used: string[];
  skipped: SkippedPullSecret[];
}

export interface PullSecretResolver {
  credentialsFor(request: PullSecretRequest, signal?: AbortSignal): Promise<PullSecrets>;
}

export interface PullSecretResolverOptions {
  kubeConfig: KubeConfig;
  /** How long a Secret or ServiceAccount read is reused (rotation takes this long). */
  cacheTtlMs?: number;
  /** How long "not found" or "forbidden" is remembered: short, a Secret may be created next. */
  missingTtlMs?: number;
  /** Budget of one read from the API server; it is shared by every review that waits on it. */
  readTimeoutMs?: number;
  /** Most Secrets read for one review (Pod's and ServiceAccount's together). */
  maxSecrets?: number;
  maxEntries?: number;
  now?: () => number;
}

/** A read: its value, or why not (`missing`: remembered briefly; `transient`: not at all). */
type Read<T> =
  { ok: true; value: T } | { ok: false; reason: string; kind: 'missing' | 'invalid' | 'transient' };

interface Entry {
  expires: number;
  value: Promise<Read<unknown>>;
}

const DOCKER_TYPES: Readonly<Record<string, string>> = {
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
  'kubernetes.io/dockercfg': '.dockercfg',
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A Secret's Docker config as a `.dockerconfigjson` document, or why it cannot be one. */
export function dockerConfigOf(secret: {
  type?: string;
  data?: Record<string, string>;
}): Read<string> {
  const key = DOCKER_TYPES[secret.type ?? ''];
  const fail = (reason: string): Read<string> => ({ ok: false, reason, kind: 'invalid' });
  if (key === undefined)
    return fail(
      `has type "${secret.type ?? ''}", not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg`,
    );
  const encoded = secret.data?.[key];
  if (encoded === undefined) return fail(`has no ${key} key`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    return fail(`its ${key} is not valid JSON`);
  }
  // .dockercfg is the `auths` map itself (the format before Docker 1.7).
  const auths = key === '.dockercfg' ? parsed : isRecord(parsed) ? parsed['auths'] : undefined;
  if (!isRecord(auths)) return fail(`its ${key} has no "auths" object`);
  return { ok: true, value: JSON.stringify({ auths }) };
}

/** Why a read failed, in words an admin can act on (never the response body). */
function failure(err: unknown, signal: AbortSignal): Read<never> {
  if (err instanceof ApiException) {
    if (err.code === 404) return { ok: false, reason: 'not found', kind: 'missing' };
    if (err.code === 403) {
      const reason = 'forbidden: the webhook may not read it (see --pull-secrets)';
      return { ok: false, reason, kind: 'missing' };
    }
    return { ok: false, reason: `the API server answered ${err.code}`, kind: 'transient' };
  }
  const reason = signal.aborted
    ? 'the API server did not answer in time'
    : 'the API server could not be reached';
  return { ok: false, reason, kind: 'transient' };
}

/** Resolves with `fallback` once `signal` aborts, whatever `work` is still doing. */
function until<T>(work: Promise<T>, signal: AbortSignal | undefined, fallback: T): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve(fallback);
  return new Promise<T>((resolve) => {
    const onAbort = (): void => resolve(fallback);
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function names(list: readonly { name?: string }[] | undefined): string[] {
  return (list ?? [])
    .map((r) => r.name)
    .filter((n): n is string => typeof n === 'string' && n !== '');
}

const LATE: Read<never> = {
  ok: false,
  reason: 'the review deadline passed before it was read',
  kind: 'transient',
};

/**
 * Creates the resolver. Reads are cached per (namespace, name) and shared by concurrent reviews;
 * a missing, forbidden, malformed or unreadable object is skipped and reported, never fatal: the
 * registry then answers as it would to a pull without it.
 */
export function createPullSecretResolver(options: PullSecretResolverOptions): PullSecretResolver {
  const api = options.kubeConfig.makeApiClient(CoreV1Api);
  const now = options.now ?? Date.now;
  const ttl = options.cacheTtlMs ?? 30_000;
  const lifeOf: Record<Exclude<Read<unknown>, { ok: true }>['kind'] | 'ok', number> = {
    ok: ttl,
    invalid: ttl,
    missing: Math.min(options.missingTtlMs ?? 5_000, ttl),
    transient: 0,
  };
  const timeout = options.readTimeoutMs ?? 5_000;
  const maxSecrets = options.maxSecrets ?? 32;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, Entry>();

  /** One shared read per key; its outcome is kept as long as its kind deserves. */
  function cached<T>(
    key: string,
    read: (signal: AbortSignal) => Promise<Read<T>>,
  ): Promise<Read<T>> {
    const hit = cache.get(key);
    if (hit && hit.expires > now()) return hit.value as Promise<Read<T>>;
    const signal = AbortSignal.timeout(timeout);
    const entry: Entry = { expires: Infinity, value: Promise.resolve(LATE) };
    entry.value = read(signal)
      .catch((err: unknown) => failure(err, signal))
      .then((r) => {
        entry.expires = now() + lifeOf[r.ok ? 'ok' : r.kind];
        if (entry.expires <= now() && cache.get(key) === entry) cache.delete(key);
        return r;
      });
    cache.delete(key);
    cache.set(key, entry);
    for (const old of cache.keys()) {
      if (cache.size <= maxEntries) break;
      cache.delete(old);
    }
    return entry.value as Promise<Read<T>>;
  }

  const secret = (namespace: string, name: string): Promise<Read<string>> =>
    cached(`secret\n${namespace}\n${name}`, async (signal) =>
      dockerConfigOf(await api.readNamespacedSecret({ namespace, name }, abortable(signal))),
    );
  const serviceAccount = (namespace: string, name: string): Promise<Read<string[]>> =>
    cached(`serviceaccount\n${namespace}\n${name}`, async (signal) => {
      const sa = await api.readNamespacedServiceAccount({ namespace, name }, abortable(signal));
      return { ok: true, value: names(sa.imagePullSecrets) };
    });

  return {
    async credentialsFor({ namespace, podSpec }, signal) {
      const out: PullSecrets = { dockerConfigs: [], used: [], skipped: [] };
      const reads = new Map<string, Promise<Read<string>>>();
      const want = (name: string): void => {
        if (reads.has(name)) return;
        if (reads.size < maxSecrets) reads.set(name, until(secret(namespace, name), signal, LATE));
        else
          out.skipped.push({
            object: `secret ${namespace}/${name}`,
            reason: `more than ${maxSecrets} pull secrets`,
          });
      };
      // The Pod's own Secrets are asked for at once, in parallel with its ServiceAccount.
      names(podSpec.imagePullSecrets).forEach(want);
      const account = podSpec.serviceAccountName || 'default';
      const sa = await until(serviceAccount(namespace, account), signal, LATE);
      if (sa.ok) sa.value.forEach(want);
      else
        out.skipped.push({ object: `serviceaccount ${namespace}/${account}`, reason: sa.reason });
      for (const [name, read] of reads) {
        const r = await read;
        if (r.ok) {
          out.dockerConfigs.push(r.value);
          out.used.push(`${namespace}/${name}`);
        } else out.skipped.push({ object: `secret ${namespace}/${name}`, reason: r.reason });
      }
      return out;
    },
  };
}
