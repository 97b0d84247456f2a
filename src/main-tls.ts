// Issue 19's wiring (part of the composition root, kept apart from main.ts): self-managed serving
// certificates. Every replica listens at once with a placeholder pair nobody trusts, watches the
// TLS Secret and serves its pair from memory (a TLS context swap, no kubelet volume sync), and is
// ready only while the caBundle of its webhook configurations trusts what it serves. The replica
// holding the Lease keeps the CA: it fills the Secret, writes the caBundle and rotates both.
// A pair of the Secret is served only once every caBundle trusts it: whoever can write the
// Secret but not the (cluster-scoped) configurations cannot make a replica serve a key they know.
import { randomBytes } from 'node:crypto';
import type { Server as HttpsServer, ServerOptions } from 'node:https';
import { hostname } from 'node:os';
import { SERVE_DEFAULTS, type SelfManagedTlsSettings, type ServeSettings } from './config/index.js';
import {
  bundleOf,
  createCaKeeper,
  createLeaderElector,
  leaseApi,
  loadKubeConfig,
  tlsSecretStore,
  TlsSecretMissingError,
  watchTlsSecret,
  webhookPatcher,
  type CaIssuer,
  type Pair,
} from './kube/index.js';
import type { Logger, Metrics } from './telemetry/index.js';
import {
  checkNames,
  createServingSwitch,
  httpsServerOptions,
  issueCa,
  issueServing,
  placeholderTls,
  secureContextOptions,
  trustedBy,
} from './webhook/tls/index.js';

export interface SelfManagedServing {
  /** The server's TLS options (the placeholder pair until the Secret's arrives). */
  options: ServerOptions;
  /** True while the webhook configurations' caBundle trusts the pair served. */
  ready(): boolean;
  isLeader(): boolean;
  /** API writes this replica made as the Lease holder (Secret patches, caBundle writes). */
  writes(): number;
  close(): Promise<void>;
}

export interface SelfManagedParts {
  settings: ServeSettings & { policySource: 'kubernetes' };
  tls: SelfManagedTlsSettings;
  metrics: Metrics;
  logger: Logger;
  server: () => HttpsServer;
  /** Between two looks at the caBundle (readiness, and the keeper's resync); default 10 s. */
  resyncMs?: number;
}

const ISSUER: CaIssuer = {
  newCa: (now, validityMs) => issueCa({ now, validityMs }),
  newServing: (ca, names, now, notAfter) => issueServing({ ca, names, now, notAfter }),
};

/** Starts watching the Secret and running for the Lease; resolves once it can listen. */
export async function selfManagedServing(parts: SelfManagedParts): Promise<SelfManagedServing> {
  const { settings, tls, metrics, logger } = parts;
  const resyncMs = parts.resyncMs ?? 10_000;
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  const namespace = settings.trustNamespace;
  const ref = { kubeConfig, namespace, name: tls.secretName };
  // The chart's Service names first (the first is the subject's CN), the defaults after them.
  const defaults: readonly string[] = SERVE_DEFAULTS.tlsDnsNames;
  const ordered = [...settings.tlsDnsNames].sort(
    (a, b) => Number(defaults.includes(a)) - Number(defaults.includes(b)),
  );
  const names = checkNames(ordered);
  const targets = webhookPatcher(kubeConfig, {
    ...(tls.validatingWebhook !== undefined && { validating: tls.validatingWebhook }),
    ...(tls.mutatingWebhook !== undefined && { mutating: tls.mutatingWebhook }),
  });
  const origin = `Secret ${namespace}/${tls.secretName}`;
  const served = createServingSwitch({
    current: await placeholderTls(names),
    origin,
    // The full options again: setSecureContext resets whatever it is not given (ciphers too).
    apply: (next) => parts.server().setSecureContext(secureContextOptions(next)),
    onReload: (result) => {
      metrics.tlsReload(result.ok ? 'ok' : 'error');
      if (result.ok) {
        metrics.tlsCertificateExpiry(result.tls.leaf.notAfter);
        logger.info({ notAfter: result.tls.leaf.notAfter }, `serving certificate from ${origin}`);
      } else
        logger.error(
          { err: result.error },
          `serving pair in ${origin} refused; keeping the old one`,
        );
    },
  });
  const trust = {
    fromSecret: false,
    secretBundle: '',
    ready: false,
    /** The Secret's pair as last seen (served once trusted). */
    pending: undefined as Pair | undefined,
    /** The last pair refused as untrusted (logged once). */
    refused: '',
  };

  /** Serves the Secret's pair when every caBundle (else the Secret's own) trusts it. */
  const serveTrusted = (anchors: string[]): void => {
    const pair = trust.pending;
    if (!pair) return;
    if (!anchors.every((b) => trustedBy(pair.cert, b))) {
      if (trust.refused !== pair.cert)
        logger.info(
          {},
          `self-managed TLS: the pair in ${origin} waits for the caBundle to trust it`,
        );
      trust.refused = pair.cert;
      return;
    }
    served.offer(pair.cert, pair.key);
    trust.fromSecret ||= served.current.cert === pair.cert;
  };

  /** Ready: a pair from the Secret is served and every caBundle (else the Secret's) trusts it. */
  const refresh = async (): Promise<void> => {
    try {
      const bundles = await targets.read();
      const anchors = bundles.length > 0 ? bundles : [trust.secretBundle];
      serveTrusted(anchors);
      const cert = served.current.cert;
      trust.ready = trust.fromSecret && anchors.every((b) => trustedBy(cert, b));
    } catch (err) {
      logger.warn({ err }, 'self-managed TLS: the webhook configurations could not be read');
    }
  };
  const keeper = createCaKeeper({
    store: tlsSecretStore(ref),
    targets,
    issuer: ISSUER,
    names,
    caValidityMs: tls.caValidityMs,
    certValidityMs: tls.certValidityMs,
    overlapMs: tls.overlapMs,
    resyncMs,
    onStep: (step) => logger.info({ step }, `self-managed TLS: ${step.kind}`),
    onError: (err) =>
      err instanceof TlsSecretMissingError
        ? logger.error(
            {},
            `self-managed TLS: ${origin} does not exist; the chart renders it (empty), or create ` +
              `it: kubectl -n ${namespace} create secret generic ${tls.secretName}`,
          )
        : logger.warn({ err }, 'self-managed TLS: a step failed; retrying'),
  });
  const watch = watchTlsSecret({
    ...ref,
    onState: (state) => {
      trust.pending = state?.serving;
      trust.secretBundle = state ? bundleOf(state) : '';
      keeper.poke();
      void refresh();
    },
    onError: (err) => logger.warn({ err }, 'self-managed TLS: watching the Secret failed'),
  });
  const identity = `${hostname()}-${randomBytes(4).toString('hex')}`;
  const elector = createLeaderElector({
    api: leaseApi(kubeConfig, namespace, tls.leaseName),
    identity,
    onStartedLeading: () => {
      logger.info({ identity }, 'self-managed TLS: took the Lease, keeping the CA');
      keeper.start();
    },
    onStoppedLeading: () => {
      logger.info({ identity }, 'self-managed TLS: gave up the Lease');
      void keeper.stop();
    },
    onError: (err) => logger.warn({ err }, 'self-managed TLS: Lease call failed'),
  });
  watch.start();
  elector.start();
  const timer = setInterval(() => void refresh(), resyncMs).unref();
  return {
    options: httpsServerOptions(served.current),
    ready: () => trust.ready,
    isLeader: () => elector.isLeader(),
    writes: () => keeper.writes,
    async close() {
      clearInterval(timer);
      await elector.stop();
      await keeper.stop();
      await watch.stop();
    },
  };
}
