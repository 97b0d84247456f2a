// `notary-admission serve` and `notary-admission verify` command lines into resolved settings.
// Precedence: flags > NOTARY_ADMISSION_* environment > config file (serve) > defaults.
import path from 'node:path';
import { NO_MATCH_ACTIONS, parseAdmissionOverrides } from './admission.js';
import { cloudCredentialSettings } from './cloud-settings.js';
import { mirrorSettings } from './mirror-settings.js';
import { ConfigError } from './errors.js';
import { dctVerifySettings } from './dct-settings.js';
import { SERVE_FLAGS, VERIFY_FLAGS } from './flags.js';
import { defaultKubeconfig, isNamespaceName, podNamespace } from './kube-settings.js';
import { notationPaths, type Env } from './notation-dir.js';
import { proxySettings } from './proxy-settings.js';
import {
  selfManagedTlsSettings,
  TLS_SECRET_FLAG_NAMES,
  type SelfManagedTlsSettings,
} from './tls-settings.js';
import { maxExceptionMs, TENANCY_FLAG_NAMES } from './tenancy-settings.js';
import { VISIBILITY_FLAG_NAMES, visibilitySettings } from './visibility-settings.js';
import {
  API_SERVER_IDLE_TIMEOUT_MS,
  defaultTlsDir,
  LOG_LEVELS,
  OUTPUT_FORMATS,
  POLICY_SOURCES,
  REVOCATION_MODES,
  SERVE_DEFAULTS as S,
  VERIFY_DEFAULTS as V,
  type FilePolicySettings,
  type KubernetesPolicySettings,
  type PolicySourceKind,
  type RegistrySettings,
  type ServeSettings,
  type VerifySettings,
} from './settings.js';
import {
  each,
  envName,
  Layers,
  pathOf,
  readConfigFile,
  readEnv,
  readFlags,
  str,
  type FlagSpec,
  type Raw,
} from './sources.js';
import {
  BadValue,
  checkPlainHttpHosts,
  parseChoice,
  parseDnsName,
  parseDuration,
  parseInteger,
  parseKeyValue,
  parseListenHost,
  parseNetworkAllowance,
  parsePort,
  parsePlainHttpHost,
  parsePortOrOff,
  parseRegistryHost,
} from './values.js';

/** Pairs into an object, refusing a key given twice (own members only, `__proto__` is data). */
function uniqueEntries(pairs: [string, string][], what: string): Record<string, string> {
  const seen = new Set<string>();
  for (const [key] of pairs) {
    if (seen.has(key)) throw new BadValue(`${what} "${key}" is given twice`);
    seen.add(key);
  }
  return Object.fromEntries(pairs);
}

const caFile = (text: string, raw: Raw): [string, string] => {
  const [host, file] = parseKeyValue(text, 'HOST=FILE');
  if (file.trim() === '') throw new BadValue(`"${text}" names no file`);
  return [parseRegistryHost(host), path.resolve(raw.base, file)];
};

function registrySettings(layers: Layers, privateDefault: boolean, env: Env): RegistrySettings {
  const credentials = layers.get('registry-credentials', pathOf, undefined);
  const proxy = proxySettings(layers, env);
  return {
    insecureRegistries: layers.get(
      'insecure-registry',
      (raw) => checkPlainHttpHosts(each(parsePlainHttpHost)(raw)),
      [],
    ),
    allowPrivateNetworks: layers.get(
      'allow-private-network',
      (raw) => parseNetworkAllowance(each((t) => t.trim())(raw)),
      privateDefault,
    ),
    registryCaFiles: layers.get(
      'registry-ca',
      (raw) => uniqueEntries(each(caFile)(raw), 'registry'),
      {},
    ),
    ...(credentials !== undefined && { registryCredentialsFile: credentials }),
    ...(proxy && { proxy }),
  };
}

/** The trust policy and store: as given, else notation's (only then is the environment asked). */
function trustPaths(layers: Layers, env: Env): { trustPolicyPath: string; trustStoreDir: string } {
  const policy = layers.get('trust-policy', pathOf, undefined);
  const store = layers.get('trust-store', pathOf, undefined);
  const notation = policy === undefined || store === undefined ? notationPaths(env) : undefined;
  return {
    trustPolicyPath: policy ?? notation!.trustPolicyPath,
    trustStoreDir: store ?? notation!.trustStoreDir,
  };
}

/** Flags that only one policy source reads: given with the other, they are a mistake. */
const ONLY_FOR: Record<PolicySourceKind, readonly string[]> = {
  file: ['trust-policy', 'trust-store', 'crl-bundle'],
  kubernetes: [
    'kubeconfig',
    'trust-namespace',
    ...VISIBILITY_FLAG_NAMES,
    ...TLS_SECRET_FLAG_NAMES,
    ...TENANCY_FLAG_NAMES,
  ],
};

function refuseFlagsOf(
  layers: Layers,
  other: PolicySourceKind,
  chosen: PolicySourceKind,
  allowed: readonly string[] = [],
): void {
  for (const flag of ONLY_FOR[other]) {
    const raw = layers.raw(flag);
    if (raw && !allowed.includes(flag))
      throw new ConfigError(
        raw.code,
        `${raw.from} applies to --policy-source ${other}, not ${chosen}`,
        { path: raw.from },
      );
  }
}

const namespaceName = str((text) => {
  if (!isNamespaceName(text))
    throw new BadValue(
      `"${text}" is not a namespace name (lower-case letters, digits and '-', at most 63)`,
    );
  return text;
});

const pullSecretsOn = (layers: Layers): boolean =>
  layers.get('pull-secrets', (raw) => raw.value === true, S.pullSecrets);

/** The cluster `--pull-secrets` reads with the file source (the Kubernetes one names its own). */
function pullSecretsCluster(layers: Layers, env: Env): { kubeconfig?: string } {
  const kubeconfig = layers.get('kubeconfig', pathOf, undefined) ?? defaultKubeconfig(env);
  if (kubeconfig === null)
    throw new ConfigError(
      'FLAG_INVALID',
      '--pull-secrets needs a cluster: give --kubeconfig (not in a pod, and neither ' +
        'KUBECONFIG nor HOME is set)',
      { path: '--kubeconfig' },
    );
  return kubeconfig === undefined ? {} : { kubeconfig };
}

/** Trust policy files, or the cluster (kubeconfig, trust namespace) to watch. */
function policySettings(layers: Layers, env: Env): FilePolicySettings | KubernetesPolicySettings {
  const source = layers.get(
    'policy-source',
    str((t) => parseChoice(t, POLICY_SOURCES)),
    S.policySource,
  );
  if (source === 'file') {
    // --pull-secrets reads the cluster too: --kubeconfig then names it.
    const pulls = pullSecretsOn(layers);
    refuseFlagsOf(layers, 'kubernetes', source, pulls ? ['kubeconfig'] : []);
    const crlBundle = layers.get('crl-bundle', pathOf, undefined);
    return {
      policySource: 'file',
      ...trustPaths(layers, env),
      ...(crlBundle !== undefined && { crlBundle }),
      ...(pulls && pullSecretsCluster(layers, env)),
    };
  }
  refuseFlagsOf(layers, 'file', source);
  const kubeconfig = layers.get('kubeconfig', pathOf, undefined) ?? defaultKubeconfig(env);
  if (kubeconfig === null)
    throw new ConfigError(
      'FLAG_INVALID',
      '--policy-source kubernetes needs a cluster: give --kubeconfig (not in a pod, and ' +
        'neither KUBECONFIG nor HOME is set)',
      { path: '--kubeconfig' },
    );
  const selfManagedTls = selfManagedTlsOf(layers);
  return {
    policySource: 'kubernetes',
    ...(kubeconfig !== undefined && { kubeconfig }),
    trustNamespace: layers.get('trust-namespace', namespaceName, undefined) ?? podNamespace(),
    visibility: visibilitySettings(layers),
    // Issue 17: the longest a break-glass TrustPolicyException may run.
    maxExceptionMs: maxExceptionMs(layers),
    ...(selfManagedTls && { selfManagedTls }),
  };
}

/** Self-managed TLS (issue 19): the serving pair from a Secret, so not from files as well. */
function selfManagedTlsOf(layers: Layers): SelfManagedTlsSettings | undefined {
  const settings = selfManagedTlsSettings(layers);
  const files = layers.raw('tls-cert') ?? layers.raw('tls-key');
  if (settings && files)
    throw new ConfigError(files.code, `${files.from} and --tls-secret exclude each other`, {
      path: files.from,
    });
  return settings;
}

const keepAlive = str((text) => {
  const ms = parseDuration(text, 1);
  if (ms <= API_SERVER_IDLE_TIMEOUT_MS)
    throw new BadValue(
      `${ms} ms must be longer than 90s: the kube-apiserver keeps idle connections to webhooks ` +
        'for up to 90 s, and a server that closes them sooner makes it fail requests with ' +
        'connection resets',
    );
  return ms;
});

function listenSettings(layers: Layers) {
  const host = layers.get('host', str(parseListenHost), S.host);
  const tlsCert = layers.get('tls-cert', pathOf, undefined);
  const tlsKey = layers.get('tls-key', pathOf, undefined);
  if ((tlsCert === undefined) !== (tlsKey === undefined))
    throw new ConfigError('FLAG_INVALID', '--tls-cert and --tls-key must be given together', {
      path: tlsCert === undefined ? '--tls-key' : '--tls-cert',
    });
  const extraNames = layers.get('tls-dns-name', each(parseDnsName), []);
  return {
    host,
    port: layers.get('port', str(parsePort), S.port),
    metricsHost: layers.get('metrics-host', str(parseListenHost), host),
    metricsPort: layers.get('metrics-port', str(parsePortOrOff), S.metricsPort),
    ...(tlsCert !== undefined && tlsKey !== undefined && { tlsCert, tlsKey }),
    tlsDir: layers.get('tls-dir', pathOf, defaultTlsDir()),
    tlsDnsNames: [...new Set([...S.tlsDnsNames, ...extraNames])],
  };
}

function timingSettings(layers: Layers) {
  const defaultTimeoutMs = layers.get(
    'default-timeout',
    str((t) => parseDuration(t, 1)),
    S.defaultTimeoutMs,
  );
  const timeoutMarginMs = layers.get(
    'timeout-margin',
    str((t) => parseDuration(t)),
    S.timeoutMarginMs,
  );
  if (timeoutMarginMs >= defaultTimeoutMs) {
    const from = layers.raw('timeout-margin')?.from ?? '--timeout-margin';
    throw new ConfigError(
      'FLAG_INVALID',
      `${from}: ${timeoutMarginMs} ms leaves nothing of the ${defaultTimeoutMs} ms default timeout`,
      { path: from },
    );
  }
  return {
    defaultTimeoutMs,
    timeoutMarginMs,
    maxInFlight: layers.get(
      'max-inflight',
      str((t) => parseInteger(t, 1)),
      S.maxInFlight,
    ),
    drainDelayMs: layers.get(
      'drain-delay',
      str((t) => parseDuration(t)),
      S.drainDelayMs,
    ),
    keepAliveTimeoutMs: layers.get('keep-alive-timeout', keepAlive, S.keepAliveTimeoutMs),
  };
}

function cacheSettings(layers: Layers): ServeSettings['cache'] {
  const ttl = str((t) => parseDuration(t));
  return {
    enabled: !layers.get('no-cache', (raw) => raw.value === true, false),
    maxEntries: layers.get(
      'cache-max-entries',
      str((t) => parseInteger(t, 1)),
      S.cache.maxEntries,
    ),
    positiveTtlMs: layers.get('cache-ttl', ttl, S.cache.positiveTtlMs),
    failureTtlMs: layers.get('cache-failure-ttl', ttl, S.cache.failureTtlMs),
  };
}

/** True when the command line asks for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * `notary-admission serve [flags]` into ServeSettings.
 * @throws ConfigError FLAG_INVALID | CONFIG_INVALID | FILE_UNREADABLE
 */
export function parseServeArgs(argv: readonly string[], env: Env): ServeSettings {
  const flags = readFlags(argv, SERVE_FLAGS, { command: 'serve', positionals: false });
  const fromEnv = readEnv(env, SERVE_FLAGS);
  const configFile = new Layers([flags.layer, fromEnv]).get('config', pathOf, undefined);
  const file = configFile
    ? readConfigFile(configFile, SERVE_FLAGS, ['policies'])
    : { layer: new Map<string, Raw>(), extra: {} as Record<string, unknown> };
  const layers = new Layers([flags.layer, fromEnv, file.layer]);
  const policies = file.extra['policies'];
  const cloudCredentials = cloudCredentialSettings(layers, env);
  const registryMirrors = mirrorSettings(layers);
  return {
    ...listenSettings(layers),
    ...policySettings(layers, env),
    ...registrySettings(layers, S.allowPrivateNetworks, env),
    pullSecrets: pullSecretsOn(layers),
    ...(cloudCredentials && { cloudCredentials }),
    ...(registryMirrors.length > 0 && { registryMirrors }),
    logLevel: layers.get(
      'log-level',
      str((t) => parseChoice(t, LOG_LEVELS)),
      S.logLevel,
    ),
    ...timingSettings(layers),
    cache: cacheSettings(layers),
    revocation: layers.get(
      'revocation',
      str((t) => parseChoice(t, REVOCATION_MODES)),
      S.revocation,
    ),
    mutatingWebhook: !layers.get(
      'no-mutating-webhook',
      (raw) => raw.value === true,
      !S.mutatingWebhook,
    ),
    admission:
      policies === undefined ? {} : parseAdmissionOverrides(policies, `${configFile}: policies`),
    noMatch: layers.get(
      'no-match',
      str((t) => parseChoice(t, NO_MATCH_ACTIONS)),
      S.noMatch,
    ),
    maxSignatures: layers.get(
      'max-signatures',
      str((t) => parseInteger(t, 1)),
      S.maxSignatures,
    ),
    ...(configFile !== undefined && { configFile }),
  };
}

/**
 * `notary-admission verify <reference> [flags]` into VerifySettings.
 * @throws ConfigError FLAG_INVALID | CONFIG_INVALID
 */
export function parseVerifyArgs(argv: readonly string[], env: Env): VerifySettings {
  // notation's `--insecure-registry` takes no value: it applies to the reference's registry.
  // Only the `=HOST` form names a registry here, so notation command lines work unchanged.
  const insecureReference = argv.includes('--insecure-registry');
  const rest = argv.filter((a) => a !== '--insecure-registry');
  const flags = readFlags(rest, VERIFY_FLAGS, { command: 'verify', positionals: true });
  const [reference, ...extra] = flags.positionals;
  if (reference === undefined || reference.trim() === '' || extra.length > 0)
    throw new ConfigError(
      'FLAG_INVALID',
      `verify takes exactly one image reference (got ${flags.positionals.length}); see \`notary-admission verify --help\``,
    );
  const layers = new Layers([flags.layer, readEnv(env, VERIFY_FLAGS)]);
  const metadata = layers.get(
    'user-metadata',
    (raw) => uniqueEntries(each((t) => parseKeyValue(t))(raw), 'user metadata key'),
    {},
  );
  // Docker Content Trust instead of Notation (issue 18): notation's files are then not read.
  const dct = dctVerifySettings(layers);
  return {
    reference,
    ...(dct.dct ? { trustPolicyPath: '', trustStoreDir: '' } : trustPaths(layers, env)),
    ...registrySettings(layers, V.allowPrivateNetworks, env),
    output: layers.get(
      'output',
      str((t) => parseChoice(t, OUTPUT_FORMATS)),
      V.output,
    ),
    timeoutMs: layers.get(
      'timeout',
      str((t) => parseDuration(t, 1)),
      V.timeoutMs,
    ),
    revocation: layers.get(
      'revocation',
      str((t) => parseChoice(t, REVOCATION_MODES)),
      V.revocation,
    ),
    userMetadata: metadata,
    maxSignatures: layers.get(
      'max-signatures',
      str((t) => parseInteger(t, 1)),
      V.maxSignatures,
    ),
    insecureReference,
    ...dct,
  };
}

function helpLines(specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const name = `--${s.flag}${s.short ? `, -${s.short}` : ''}${s.placeholder ? ` ${s.placeholder}` : ''}`;
    const def = s.default === undefined ? '' : ` (default: ${s.default})`;
    return [name, `${s.help}${def}`] as const;
  });
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.map(([name, text]) => `  ${name.padEnd(width)}${text}`).join('\n');
}

const DURATIONS = 'Durations: 500ms, 10s, 2m, 1h or plain milliseconds.';

/** The usage text of `notary-admission serve`. */
export function serveHelp(): string {
  return `Usage: notary-admission serve [flags]

Runs the admission webhook (HTTPS: /validate, /mutate, /livez, /readyz).

Flags (each also as ${envName('flag-name')}, lists comma-separated; and as the
camelCase key of a --config JSON file, plus "policies": {"<statement>": {"action":
"Deny|Warn|Audit", "onError": "Deny|Allow", "mutateDigest": true, "userMetadata": {...},
"signers": [...], "signersRequired": N, ...}} (docs/policy-reference.md); flags win over the
environment, which wins over the file):
${helpLines(SERVE_FLAGS)}

${DURATIONS}
`;
}

/** The usage text of `notary-admission verify`. */
export function verifyHelp(): string {
  return `Usage: notary-admission verify <reference> [flags]

Verifies one image like \`notation verify\`: exit 0 verified, 1 not verified, 2 usage or
configuration error.

Flags (each also as ${envName('flag-name')}, lists comma-separated):
${helpLines(VERIFY_FLAGS)}

As in notation, a bare \`--insecure-registry\` (no value) means the reference's own registry;
\`--insecure-registry=HOST\` names another.

${DURATIONS}
`;
}
