// Part of the composition root (src/main.ts): what the registry client and the revocation fetcher
// are given from the settings — CA bundles read from their files, the registry credentials file
// kept current while the service runs (issue 15 item 6), the egress proxy (item 4), and the
// revocation checker of each snapshot, with its CRL bundle (item 5).
import { readFile } from 'node:fs/promises';
import {
  parseDockerConfigJson,
  watchCredentialsFile,
  type RegistrySettings,
  type RevocationMode,
  type ServeSettings,
  type Snapshot,
} from './config/index.js';
import type { MirrorRouting } from './pipeline/index.js';
import {
  credentialsFromDockerConfig,
  MirrorTable,
  type CredentialLookup,
  type ProxyOptions,
} from './registry/index.js';
import type { Logger, Metrics } from './telemetry/index.js';
import {
  createRevocationChecker,
  RevocationCache,
  type CrlBundle,
  type RevocationChecker,
  type RevocationFetcher,
} from './verify/index.js';

/** `--revocation offline`: nothing is fetched (a certificate no CRL bundle covers is unknown). */
const NO_FETCH: RevocationFetcher = () =>
  Promise.reject(new Error('revocation is offline: nothing is fetched'));

/** The registry mirrors of `serve` (issue 15); throws a TypeError for a table it cannot use. */
export const mirrorTable = (settings: Pick<ServeSettings, 'registryMirrors'>): MirrorTable =>
  new MirrorTable(settings.registryMirrors ?? []);

/**
 * What the pipeline is given besides the registry and the cache: the revocation checker of
 * each snapshot (revocationWiring) and, when there are any, the mirrors.
 */
export function pipelineRouting(
  mode: RevocationMode,
  fetcher: RevocationFetcher,
  mirrors: MirrorTable,
): ReturnType<typeof revocationWiring> & { mirrors?: MirrorRouting } {
  return { ...revocationWiring(mode, fetcher), ...(mirrors.size > 0 && { mirrors }) };
}

/**
 * The revocation checker of each snapshot: with a CRL bundle (`--crl-bundle`, TrustStore
 * `crlsFrom`), the bundle decides for the CAs it holds CRLs of, and the others are fetched
 * (online) or unknown (offline); without one, as before: online over `fetcher`, or none (every
 * certificate that names OCSP or CRL locations is unknown). One checker per bundle object.
 */
export function revocationWiring(
  mode: RevocationMode,
  fetcher: RevocationFetcher,
): {
  revocation?: RevocationChecker;
  revocationFor: (s: Snapshot) => RevocationChecker | undefined;
} {
  const cache = new RevocationCache();
  const online = mode === 'online' ? { fetcher, cache } : { fetcher: NO_FETCH };
  const revocation = mode === 'online' ? createRevocationChecker(online) : undefined;
  const checkers = new WeakMap<CrlBundle, RevocationChecker>();
  const revocationFor = (snapshot: Snapshot): RevocationChecker | undefined => {
    const crls = snapshot.crls;
    if (crls === undefined) return revocation;
    let checker = checkers.get(crls);
    if (checker === undefined) {
      checker = createRevocationChecker({ ...online, crls });
      checkers.set(crls, checker);
    }
    return checker;
  };
  return { ...(revocation && { revocation }), revocationFor };
}

export interface RegistryWiring {
  caBundles: Record<string, string>;
  /** The configured credentials, always the file's latest good content. */
  credentials?: CredentialLookup;
  /** Egress through an HTTP proxy, for the registry client and the revocation fetcher alike. */
  proxy?: ProxyOptions;
  /** Stops watching the credentials file. */
  close: () => void;
}

/** How often the credentials file is looked at (kubelet refreshes a Secret within ~1 min). */
const CREDENTIALS_POLL_MS = 1000;

/**
 * Reads the CA bundles and the credentials file (both must be good at start), then polls the
 * credentials file: a new valid file replaces the credentials at once (tokens are cached per
 * identity, so none fetched with the old secret serves the new one); a bad one is logged, counted
 * (`notary_admission_credentials_reloads_total{result="error"}`) and the old credentials stay.
 */
export async function registryWiring(
  settings: RegistrySettings,
  hooks: { metrics: Metrics; logger: Logger },
): Promise<RegistryWiring> {
  const caBundles: Record<string, string> = {};
  for (const [host, file] of Object.entries(settings.registryCaFiles))
    caBundles[host] = await readFile(file, 'utf8');
  const common = { caBundles, ...(settings.proxy && { proxy: settings.proxy }) };
  const file = settings.registryCredentialsFile;
  if (file === undefined) return { ...common, close: () => undefined };
  const text = await readFile(file, 'utf8');
  parseDockerConfigJson(text, file);
  let lookup = credentialsFromDockerConfig(text);
  const watcher = watchCredentialsFile({
    path: file,
    current: text,
    intervalMs: CREDENTIALS_POLL_MS,
    apply: (next) => {
      lookup = credentialsFromDockerConfig(next);
    },
    onReload: (result) => {
      hooks.metrics.credentialsReload(result.ok ? 'ok' : 'error');
      if (result.ok) hooks.logger.info({ file }, 'registry credentials reloaded');
      else
        hooks.logger.error(
          { err: result.error },
          'new registry credentials refused; keeping the previous ones',
        );
    },
  });
  return {
    ...common,
    credentials: (registry) => lookup(registry),
    close: () => watcher.close(),
  };
}
