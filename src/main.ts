// The composition root: settings → logger and metrics → policies → registry → verifier → cache →
// TLS → app. The only place that constructs the service; `startService` returns a handle so the
// CLI and the tests run exactly the same wiring.
import { randomBytes } from 'node:crypto';
import type { Server as HttpsServer } from 'node:https';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { LruVerdictCache, NoCache, type VerdictCache } from './cache/index.js';
import { createCloudProviders } from './cloud/index.js';
import {
  createFileSource,
  type PolicySource,
  type ServeSettings,
  type Snapshot,
} from './config/index.js';
import { mirrorTable, pipelineRouting, registryWiring } from './main-registry.js';
import type { SelfManagedServing } from './main-tls.js';
import type { Visibility, VisibilityParts } from './main-visibility.js';
import {
  createDctContext,
  createImageVerifier,
  withNamespaceLayer,
  type CachedVerdict,
} from './pipeline/index.js';
import {
  createRevocationFetcher,
  DEFAULT_GUARD_SETTINGS,
  RegistryClient,
  type HostResolver,
} from './registry/index.js';
import {
  createLogger,
  createMetrics,
  monitorEventLoop,
  type Logger,
  type Metrics,
} from './telemetry/index.js';
import { buildApp, type WebhookApp } from './webhook/app.js';
import { listenMetrics } from './webhook/metrics-server.js';
import { warmUp } from './webhook/warm-up.js';
import { createReviewHandler } from './webhook/review.js';
import {
  generateSelfSigned,
  httpsServerOptions,
  loadServingTls,
  secureContextOptions,
  watchServingTls,
} from './webhook/tls/index.js';

export interface Service {
  /** `https://host:port` of the webhook. */
  url: string;
  /** `http://host:port` of /metrics, when enabled. */
  metricsUrl?: string;
  /** The CA that signed a generated serving certificate (absent when one was given). */
  caPath?: string;
  /** The file or Kubernetes source; `reload()` re-reads the files, or recompiles the objects. */
  policies: ServicePolicies;
  webhook: WebhookApp;
  metrics: Metrics;
  logger: Logger;
  /** Events, the background verifier and its Lease (issue 16; the Kubernetes source only). */
  visibility: Visibility;
  /** Self-managed serving certificates (`--tls-secret`, issue 19). */
  selfManagedTls?: SelfManagedServing;
  /** Graceful: unready at once, keep answering for the drain delay, then close. */
  shutdown(): Promise<void>;
  /** Immediate close (tests). */
  close(): Promise<void>;
}

/** Where the service's snapshots come from; `current()` is undefined until it is ready. */
export type ServicePolicies = PolicySource & { reload(): Promise<Snapshot> };

export interface ServiceOverrides {
  logger?: Logger;
  now?: () => number;
  /** DNS for the registry address guard (tests). */
  resolver?: HostResolver;
  /** PEM CAs trusted for cloud identity endpoints (tests: a local Entra ID over HTTPS). */
  cloudCa?: string;
  /** Self-managed TLS: between two looks at the caBundle (default 10 s; tests: shorter). */
  tlsResyncMs?: number;
}

/**
 * What an address refusal tells the operator: a registry named in any of these is trusted
 * wherever it resolves (link-local and metadata aside); other ranges need the allowance.
 */
const GUARD_SETTINGS = {
  ...DEFAULT_GUARD_SETTINGS,
  networks: `${DEFAULT_GUARD_SETTINGS.networks} (chart: config.allowPrivateNetworks)`,
};

async function servingTls(settings: ServeSettings) {
  if (settings.tlsCert !== undefined && settings.tlsKey !== undefined)
    return { certPath: settings.tlsCert, keyPath: settings.tlsKey, caPath: undefined };
  return generateSelfSigned({ dir: settings.tlsDir, dnsNames: settings.tlsDnsNames });
}

function cacheFor(
  settings: ServeSettings,
  metrics: Metrics,
  now: () => number,
): VerdictCache<CachedVerdict> {
  const observer = {
    hit: (kind: string) => metrics.cacheEvent('hit', kind),
    miss: () => metrics.cacheEvent('miss'),
    coalesced: () => metrics.cacheEvent('coalesced'),
    stored: (kind: string) => metrics.cacheEvent('stored', kind),
    evicted: (reason: string) => metrics.cacheEvent('evicted', reason),
  };
  if (!settings.cache.enabled) return new NoCache({ observer });
  return new LruVerdictCache({
    maxEntries: settings.cache.maxEntries,
    positiveTtlMs: settings.cache.positiveTtlMs,
    failureTtlMs: settings.cache.failureTtlMs,
    now,
    observer,
  });
}

const urlHost = (a: AddressInfo): string => (a.family === 'IPv6' ? `[${a.address}]` : a.address);

interface Wiring {
  settings: ServeSettings;
  overrides: ServiceOverrides;
  metrics: Metrics;
  logger: Logger;
  promRegistry: Registry;
}

/**
 * The trust policy files, reloaded on change (a failed reload keeps the last good snapshot); or
 * the cluster's TrustPolicy and TrustStore objects, watched. The Kubernetes source is returned
 * before its first sync: the service listens at once and is unready (denying) until it is synced.
 */
async function policySource({ settings, metrics, logger }: Wiring): Promise<ServicePolicies> {
  const onReload = (snapshot: Snapshot): void => {
    metrics.policyReload('ok');
    logger.info(
      { revision: snapshot.revision, source: snapshot.source },
      'trust policies reloaded',
    );
  };
  if (settings.policySource === 'kubernetes') {
    // The Kubernetes client (tens of MiB, most of start-up) only where it is used (issue 20).
    const { loadKubeConfig, openKubernetesSource } = await import('./kube/index.js');
    const source = openKubernetesSource({
      kubeConfig: loadKubeConfig(settings.kubeconfig),
      trustNamespace: settings.trustNamespace,
      noMatch: settings.noMatch,
      ...(settings.maxExceptionMs !== undefined && { maxExceptionMs: settings.maxExceptionMs }),
      onError: (err) => {
        metrics.policyReload('error');
        logger.error({ err }, 'policy source: Kubernetes API call failed');
      },
      onReload,
    });
    source.whenReady().then(
      (snapshot) => logger.info({ revision: snapshot.revision }, 'policy source synced: ready'),
      () => undefined,
    );
    return source;
  }
  return createFileSource({
    trustPolicyPath: settings.trustPolicyPath,
    trustStoreDir: settings.trustStoreDir,
    ...(settings.crlBundle !== undefined && { crlBundlePath: settings.crlBundle }),
    admission: settings.admission,
    noMatch: settings.noMatch,
    onError: (err) => {
      metrics.policyReload('error');
      logger.error({ err }, 'trust policy reload failed; keeping the previous policies');
    },
    onReload,
  });
}

/** --cloud-credentials: ECR, ACR, GAR/GCR credentials from the pod's workload identity. */
function cloudProviders({ settings, overrides, logger }: Wiring, now: () => number) {
  return createCloudProviders(settings.cloudCredentials, {
    now,
    onRefreshError: (provider, key, err) =>
      logger.warn(
        { provider, key, reason: err instanceof Error ? err.message : String(err) },
        'cloud registry credentials: refresh ahead of expiry failed; the current ones serve until they expire',
      ),
    ...(overrides.cloudCa !== undefined && { extraCa: overrides.cloudCa }),
  });
}

/** Events and the scan write to the cluster: loaded with the Kubernetes source only (issue 20). */
async function visibilityOf(parts: VisibilityParts): Promise<Visibility> {
  if (parts.settings.policySource === 'kubernetes')
    return (await import('./main-visibility.js')).visibilityWiring(parts);
  return { identity: `${hostname()}-${randomBytes(4).toString('hex')}`, close: async () => {} };
}

/** Registry client, revocation, cache and verifier behind the review handler. */
async function pipeline(w: Wiring, policies: ServicePolicies) {
  const { settings, overrides, metrics } = w;
  const now = overrides.now ?? Date.now;
  const onResponse = (host: string, status: number | 'error'): void =>
    metrics.registryRequest(host, String(status));
  const guard = {
    allowPrivateNetworks: settings.allowPrivateNetworks,
    onResponse,
    ...(overrides.resolver && { resolver: overrides.resolver }),
  };
  // CA bundles; the credentials file, reloaded when its Secret changes; the egress proxy.
  const { close: closeWiring, ...wiring } = await registryWiring(settings, w);
  const credentialProviders = cloudProviders(w, now);
  // Registry mirrors (issue 15): their hosts are configuration, like insecure registries.
  const mirrors = mirrorTable(settings);
  const registry = new RegistryClient({
    credentialProviders,
    ...wiring,
    ...guard,
    mirrorHosts: mirrors.hosts(),
    insecureRegistries: settings.insecureRegistries,
    guardSettings: GUARD_SETTINGS,
    now,
  });
  const fetcher = createRevocationFetcher({
    ...guard,
    ...(wiring.proxy && { proxy: wiring.proxy }),
  });
  // OCSP/CRL online or not, each snapshot's CRL bundle first; where mirrors serve images.
  const routing = pipelineRouting(settings.revocation, fetcher, mirrors);
  const cache = cacheFor(settings, metrics, now);
  // Docker Content Trust (issue 18): the Notary servers policies name are configuration, reached
  // with the registries' transport rules, CA bundles, credentials and proxy.
  const dct = createDctContext({
    ...wiring,
    ...guard,
    insecureRegistries: settings.insecureRegistries,
    now,
  });
  const verifyImage = createImageVerifier({
    registry,
    cache,
    ...routing,
    dct,
    now,
    maxSignatures: settings.maxSignatures,
    onVerification: ({ result, seconds }) => metrics.verificationDuration(result, seconds),
  });
  const pullSecrets = settings.pullSecrets
    ? await import('./kube/index.js').then((kube) =>
        kube.createPullSecretResolver({ kubeConfig: kube.loadKubeConfig(settings.kubeconfig) }),
      )
    : undefined;
  // Issue 16: the background verifier shares this registry client, revocation and cache.
  const visibility = await visibilityOf({
    settings,
    logger: w.logger,
    promRegistry: w.promRegistry,
    policies,
    pipeline: {
      registry,
      cache,
      ...routing,
      dct,
      now,
      maxSignatures: settings.maxSignatures,
    },
    ...(pullSecrets && { pullSecrets }),
  });
  const handleReview = createReviewHandler({
    // Issue 17: a namespace's own NamespaceTrustPolicies are a second layer every image passes.
    verifyImage: withNamespaceLayer(verifyImage),
    policies: () => policies.current(),
    budget: {
      defaultMs: settings.defaultTimeoutMs,
      marginMs: settings.timeoutMarginMs,
      minMs: 200,
    },
    metrics,
    now,
    // --no-mutating-webhook: nothing pins tags before /validate, which then resolves them itself.
    mutatingWebhook: settings.mutatingWebhook,
    // The Kubernetes source reads the labels of namespaces its informer has not seen yet.
    ...(policies.namespaceLabels && {
      namespaceLabels: policies.namespaceLabels.bind(policies),
    }),
    // --pull-secrets: each pod's imagePullSecrets, then its ServiceAccount's, before ours.
    ...(pullSecrets && { pullSecrets }),
    // Issue 16: Events for denials, warnings and audits, written after the answer.
    ...(visibility.onReviewed && { onReviewed: visibility.onReviewed }),
  });
  const close = async () => {
    await visibility.close();
    closeWiring();
    return Promise.allSettled([registry.close(), fetcher.close(), dct.close()]);
  };
  return { cache, handleReview, visibility, close };
}

/** The serving certificate: from files, hot-reloaded; or self-managed in a Secret (issue 19). */
async function serving(w: Wiring, server: () => HttpsServer) {
  const { settings, metrics, logger } = w;
  if (settings.policySource === 'kubernetes' && settings.selfManagedTls) {
    const tls = settings.selfManagedTls;
    const resync = w.overrides.tlsResyncMs;
    const { selfManagedServing } = await import('./main-tls.js');
    const kept = await selfManagedServing({
      settings,
      tls,
      metrics,
      logger,
      server,
      ...(resync !== undefined && { resyncMs: resync }),
    });
    return {
      caPath: undefined,
      options: kept.options,
      close: () => kept.close(),
      ready: () => kept.ready(),
      kept,
    };
  }
  const pair = await servingTls(settings);
  const tls = await loadServingTls(pair);
  metrics.tlsCertificateExpiry(tls.leaf.notAfter);
  const reloader = watchServingTls({
    certPath: pair.certPath,
    keyPath: pair.keyPath,
    current: tls,
    // The full options again: setSecureContext resets whatever it is not given (ciphers too).
    apply: (next) => server().setSecureContext(secureContextOptions(next)),
    onReload: (result) => {
      metrics.tlsReload(result.ok ? 'ok' : 'error');
      if (result.ok) metrics.tlsCertificateExpiry(result.tls.leaf.notAfter);
      if (result.ok) logger.info({}, 'serving certificate reloaded');
      else
        logger.error(
          { err: result.error },
          'new serving certificate rejected; keeping the old one',
        );
    },
  });
  return {
    caPath: pair.caPath,
    options: httpsServerOptions(tls),
    close: () => reloader.close(),
    ready: () => true,
    kept: undefined,
  };
}

/** Starts the webhook as `serve` configures it; resolves once it listens. */
export async function startService(
  settings: ServeSettings,
  overrides: ServiceOverrides = {},
): Promise<Service> {
  const logger = overrides.logger ?? createLogger({ level: settings.logLevel });
  const promRegistry = new Registry();
  const entries = { size: (): number => 0 };
  const metrics = createMetrics({ registry: promRegistry, cacheEntries: () => entries.size() });
  const w: Wiring = { settings, overrides, metrics, logger, promRegistry };
  const loop = monitorEventLoop({ registry: promRegistry });
  const policies = await policySource(w);
  const { cache, handleReview, visibility, close: closePipeline } = await pipeline(w, policies);
  entries.size = () => cache.stats().size;
  // Expired entries are dropped on read; this frees the ones nobody asks for again.
  const pruner = setInterval(() => cache.prune(), 60_000).unref();
  const served: { server?: HttpsServer } = {};
  const tls = await serving(w, () => served.server!);
  const webhook = buildApp({
    handleReview,
    logger,
    ready: () => policies.current() !== undefined && tls.ready(),
    https: tls.options,
    keepAliveTimeoutMs: settings.keepAliveTimeoutMs,
    maxInFlight: settings.maxInFlight,
    metrics,
  });
  // buildApp was given `https`, so its server is an https.Server.
  served.server = webhook.app.server as unknown as HttpsServer;
  await webhook.app.ready();
  // Issue 20: the transport's first-time work is done before the port opens (warm-up.ts).
  const warm = await warmUp({ server: served.server, path: '/livez' });
  if (warm.ok) logger.debug(warm, 'warm-up before listening');
  else logger.info(warm, 'warm-up before listening did not finish; the first review pays for it');
  await webhook.app.listen({ host: settings.host, port: settings.port });
  const address = webhook.app.server.address() as AddressInfo;
  const metricsServer =
    settings.metricsPort === null
      ? undefined
      : await listenMetrics(promRegistry, {
          host: settings.metricsHost,
          port: settings.metricsPort,
        });

  const drainAbort = new AbortController();
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      drainAbort.abort();
      await webhook.app.close();
      clearInterval(pruner);
      await tls.close();
      loop.stop();
      await policies.close();
      await metricsServer?.close();
      await closePipeline();
    })());
  return {
    url: `https://${urlHost(address)}:${address.port}`,
    ...(metricsServer && {
      metricsUrl: `http://${urlHost(metricsServer.address)}:${metricsServer.address.port}`,
    }),
    ...(tls.caPath !== undefined && { caPath: tls.caPath }),
    ...(tls.kept && { selfManagedTls: tls.kept }),
    policies,
    webhook,
    metrics,
    logger,
    visibility,
    shutdown: async () => {
      webhook.drain();
      logger.info({ drainMs: settings.drainDelayMs }, 'draining: unready, still answering reviews');
      // close() (a second signal) cuts the drain short.
      await sleep(settings.drainDelayMs, undefined, { signal: drainAbort.signal }).catch(() => {});
      await close();
    },
    close,
  };
}
