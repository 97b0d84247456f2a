// The flags of `serve` and `verify`: one table each, from which parsing, the environment
// variable names, the config file keys and the help text all come.
import { DEFAULT_MAX_SIGNATURES } from '../verify/candidates.js';
import { CLOUD_FLAGS } from './cloud-settings.js';
import { CRL_BUNDLE_FLAG } from './crl-bundle.js';
import { DCT_VERIFY_FLAGS } from './dct-settings.js';
import { MIRROR_FLAGS } from './mirror-settings.js';
import { PROXY_FLAGS } from './proxy-settings.js';
import { TLS_SECRET_FLAGS } from './tls-settings.js';
import { TENANCY_FLAGS } from './tenancy-settings.js';
import { VISIBILITY_FLAGS } from './visibility-settings.js';
import { jsonByKind, type FlagSpec, type RawValue } from './sources.js';
import { BadValue } from './values.js';

/** `registryCaFiles: { host: file }` in a config file is `--registry-ca host=file` flags. */
function caFilesFromJson(value: unknown): RawValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadValue('must be an object of registry host to CA file');
  return Object.entries(value).map(([host, file]) => {
    if (typeof file !== 'string') throw new BadValue(`${host} must name a file`);
    return `${host}=${file}`;
  });
}

/** `allowPrivateNetworks: true | false | ["10.0.0.0/8"]`. */
function networksFromJson(value: unknown): RawValue {
  if (typeof value === 'boolean') return [value ? 'all' : 'none'];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new BadValue('must be true, false or an array of IP addresses and CIDR ranges');
}

const TRUST_FLAGS: FlagSpec[] = [
  {
    flag: 'trust-policy',
    kind: 'string',
    key: 'trustPolicyPath',
    placeholder: 'FILE',
    help: 'notation trust policy (trustpolicy.oci.json or trustpolicy.json)',
    default: "notation's, ~/.config/notation/",
  },
  {
    flag: 'trust-store',
    kind: 'string',
    key: 'trustStoreDir',
    placeholder: 'DIR',
    help: 'notation trust store directory (holding x509/<type>/<name>/)',
    default: "notation's, ~/.config/notation/truststore",
  },
];

function registryFlags(privateDefault: string): FlagSpec[] {
  return [
    {
      flag: 'insecure-registry',
      kind: 'list',
      key: 'insecureRegistries',
      placeholder: 'HOST[:PORT]',
      help: 'registry spoken to over plain HTTP (repeatable)',
      default: 'none',
    },
    {
      flag: 'allow-private-network',
      kind: 'list',
      key: 'allowPrivateNetworks',
      placeholder: 'all|none|CIDR',
      help: 'private addresses registries may resolve to (repeatable)',
      default: privateDefault,
      fromJson: networksFromJson,
    },
    {
      flag: 'registry-ca',
      kind: 'list',
      key: 'registryCaFiles',
      placeholder: 'HOST=FILE',
      help: 'PEM CA bundle for a registry instead of the system roots (repeatable)',
      default: 'system roots',
      fromJson: caFilesFromJson,
    },
    {
      flag: 'registry-credentials',
      kind: 'string',
      key: 'registryCredentialsFile',
      placeholder: 'FILE',
      help: 'docker config.json with registry credentials',
      default: 'anonymous',
    },
    ...PROXY_FLAGS,
    {
      flag: 'revocation',
      kind: 'string',
      key: 'revocation',
      placeholder: 'online|offline',
      help: 'check OCSP/CRL over the network, or never fetch',
      default: 'online',
    },
  ];
}

const duration = (flag: string, key: string, help: string, def: string): FlagSpec => ({
  flag,
  kind: 'string',
  key,
  placeholder: 'DURATION',
  help,
  default: def,
});

/** One cap for both commands (src/verify/candidates.ts says why it is not notation's 100). */
const MAX_SIGNATURES: FlagSpec = {
  flag: 'max-signatures',
  kind: 'string',
  placeholder: 'N',
  help: 'most signatures tried per image, trusted thumbprints first',
  default: String(DEFAULT_MAX_SIGNATURES),
};

export const SERVE_FLAGS: readonly FlagSpec[] = [
  {
    flag: 'config',
    kind: 'string',
    placeholder: 'FILE',
    help: 'JSON config file (camelCase keys)',
  },
  {
    flag: 'host',
    kind: 'string',
    key: 'host',
    placeholder: 'ADDR',
    help: 'HTTPS listen address',
    default: '127.0.0.1',
  },
  {
    flag: 'port',
    kind: 'string',
    key: 'port',
    placeholder: 'PORT',
    help: 'HTTPS port',
    default: '8443',
  },
  {
    flag: 'metrics-host',
    kind: 'string',
    key: 'metricsHost',
    placeholder: 'ADDR',
    help: 'metrics listen address',
    default: 'same as --host',
  },
  {
    flag: 'metrics-port',
    kind: 'string',
    key: 'metricsPort',
    placeholder: 'PORT|off',
    help: 'metrics port (0: any free port, off: no metrics listener)',
    default: '9090',
    fromJson: (v) => (v === null ? 'off' : jsonByKind('string', v)),
  },
  {
    flag: 'tls-cert',
    kind: 'string',
    key: 'tlsCert',
    placeholder: 'FILE',
    help: 'TLS certificate chain (PEM), with --tls-key',
    default: 'generated',
  },
  {
    flag: 'tls-key',
    kind: 'string',
    key: 'tlsKey',
    placeholder: 'FILE',
    help: 'TLS private key (PEM), with --tls-cert',
    default: 'generated',
  },
  {
    flag: 'tls-dir',
    kind: 'string',
    key: 'tlsDir',
    placeholder: 'DIR',
    help: 'where a generated self-signed pair is written',
    default: '$TMPDIR/notary-admission-tls',
  },
  {
    flag: 'tls-dns-name',
    kind: 'list',
    key: 'tlsDnsNames',
    placeholder: 'NAME',
    help: 'extra name of a generated certificate (repeatable)',
    default: 'localhost, 127.0.0.1',
  },
  ...TLS_SECRET_FLAGS,
  {
    flag: 'policy-source',
    kind: 'string',
    key: 'policySource',
    placeholder: 'file|kubernetes',
    help: 'trust policy files, or TrustPolicy/TrustStore objects watched in the cluster',
    default: 'file',
  },
  ...TRUST_FLAGS,
  CRL_BUNDLE_FLAG,
  {
    flag: 'kubeconfig',
    kind: 'string',
    key: 'kubeconfig',
    placeholder: 'FILE',
    help: 'kubeconfig of the cluster (--policy-source kubernetes, --pull-secrets)',
    default: 'in a pod its service account, else $KUBECONFIG or ~/.kube/config',
  },
  {
    flag: 'trust-namespace',
    kind: 'string',
    key: 'trustNamespace',
    placeholder: 'NS',
    help: 'the only namespace TrustStores read Secrets and ConfigMaps from (kubernetes)',
    default: "the pod's namespace, else notary-admission",
  },
  {
    flag: 'pull-secrets',
    kind: 'boolean',
    key: 'pullSecrets',
    help:
      "verify with each pod's imagePullSecrets, then its ServiceAccount's (needs get on " +
      'secrets and serviceaccounts in every workload namespace: the webhook can then read ' +
      'any Secret there, not only pull secrets)',
    default: 'off: only --registry-credentials',
  },
  ...VISIBILITY_FLAGS,
  ...TENANCY_FLAGS,
  ...registryFlags('none'),
  ...MIRROR_FLAGS,
  ...CLOUD_FLAGS,
  {
    flag: 'log-level',
    kind: 'string',
    key: 'logLevel',
    placeholder: 'LEVEL',
    help: 'fatal|error|warn|info|debug|trace|silent',
    default: 'info',
  },
  duration('default-timeout', 'defaultTimeoutMs', 'budget of a review without ?timeout=', '10s'),
  duration('timeout-margin', 'timeoutMarginMs', "kept back from the API server's timeout", '300ms'),
  {
    flag: 'max-inflight',
    kind: 'string',
    key: 'maxInFlight',
    placeholder: 'N',
    help: 'reviews in flight before new ones are shed (denied)',
    default: '512',
  },
  duration('drain-delay', 'drainDelayMs', 'on SIGTERM, time /readyz fails before closing', '5s'),
  duration(
    'keep-alive-timeout',
    'keepAliveTimeoutMs',
    "idle connection timeout (> 90s, the API server's)",
    '120s',
  ),
  {
    flag: 'cache-max-entries',
    kind: 'string',
    key: 'cache.maxEntries',
    placeholder: 'N',
    help: 'verdict cache size',
    default: '100000',
  },
  duration('cache-ttl', 'cache.positiveTtlMs', 'longest life of a cached verified verdict', '5m'),
  duration('cache-failure-ttl', 'cache.failureTtlMs', 'life of a cached definitive failure', '30s'),
  {
    flag: 'no-cache',
    kind: 'boolean',
    key: 'cache.enabled',
    help: 'verify every review afresh (config file: cache.enabled false)',
    default: 'cache on',
    fromJson: (v) => {
      if (typeof v !== 'boolean') throw new BadValue('must be true or false');
      return !v;
    },
  },
  {
    flag: 'no-mutating-webhook',
    kind: 'boolean',
    key: 'mutatingWebhook',
    help:
      'no mutating webhook pins tags to digests before /validate, so /validate resolves tags ' +
      'itself instead of refusing those a mutateDigest policy governs (config file: ' +
      'mutatingWebhook false; the chart sets it from webhook.mutating.enabled)',
    default: '/mutate runs first: unpinned tags are refused',
    fromJson: (v) => {
      if (typeof v !== 'boolean') throw new BadValue('must be true or false');
      return !v;
    },
  },
  {
    flag: 'no-match',
    kind: 'string',
    key: 'noMatch',
    placeholder: 'Deny|Warn|Allow',
    help: 'images no trust policy statement covers',
    default: 'Deny',
  },
  { ...MAX_SIGNATURES, key: 'maxSignatures' },
];

export const VERIFY_FLAGS: readonly FlagSpec[] = [
  ...TRUST_FLAGS,
  ...registryFlags('all'),
  {
    flag: 'output',
    short: 'o',
    kind: 'string',
    placeholder: 'text|json',
    help: 'output format',
    default: 'text',
  },
  {
    flag: 'timeout',
    kind: 'string',
    placeholder: 'DURATION',
    help: 'deadline of the whole verification',
    default: '30s',
  },
  {
    flag: 'user-metadata',
    short: 'm',
    kind: 'list',
    placeholder: 'KEY=VALUE',
    help: 'annotation the signature must carry (repeatable)',
    default: 'none',
  },
  MAX_SIGNATURES,
  ...DCT_VERIFY_FLAGS,
];
