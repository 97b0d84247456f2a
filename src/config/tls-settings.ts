// Self-managed serving certificates (`--tls-secret`, `--policy-source kubernetes` only): the
// service keeps a CA and its serving certificate in a Secret of the trust namespace and writes
// the CA bundle into its own webhook configurations, one replica at a time (a Lease).
import { ConfigError } from './errors.js';
import { str, type FlagSpec, type Layers } from './sources.js';
import { BadValue, parseDuration } from './values.js';

export interface SelfManagedTlsSettings {
  /** The Secret (in the trust namespace) that holds the CA, the previous CAs and the pair. */
  secretName: string;
  /** The Lease (in the trust namespace) that picks the one replica writing them. */
  leaseName: string;
  /** The webhook configurations whose caBundle the Lease holder writes. */
  validatingWebhook?: string;
  mutatingWebhook?: string;
  caValidityMs: number;
  certValidityMs: number;
  /** How long a new CA is in the bundle before the pair moves to it, and the old one after. */
  overlapMs: number;
}

export const SELF_MANAGED_TLS_DEFAULTS = {
  leaseName: 'notary-admission-tls',
  caValidityMs: 365 * 86_400_000,
  certValidityMs: 90 * 86_400_000,
  overlapMs: 600_000,
} as const;

const name = (flag: string, key: string, help: string, def?: string): FlagSpec => ({
  flag,
  kind: 'string',
  key,
  placeholder: 'NAME',
  help,
  ...(def !== undefined && { default: def }),
});

const duration = (flag: string, key: string, help: string, def: string): FlagSpec => ({
  flag,
  kind: 'string',
  key,
  placeholder: 'DURATION',
  help,
  default: def,
});

export const TLS_SECRET_FLAGS: FlagSpec[] = [
  name(
    'tls-secret',
    'tlsSecret.name',
    'self-managed TLS: keep a CA and the serving certificate in this Secret of the trust ' +
      'namespace (it must exist; kubernetes source)',
  ),
  name(
    'tls-lease-name',
    'tlsSecret.leaseName',
    'the Lease that lets one replica write them',
    'notary-admission-tls',
  ),
  name(
    'tls-validating-webhook',
    'tlsSecret.validatingWebhook',
    'ValidatingWebhookConfiguration whose caBundle is written',
  ),
  name(
    'tls-mutating-webhook',
    'tlsSecret.mutatingWebhook',
    'MutatingWebhookConfiguration whose caBundle is written',
  ),
  duration(
    'tls-ca-validity',
    'tlsSecret.caValidity',
    'life of a self-managed CA (renewed at 2/3)',
    '8760h',
  ),
  duration(
    'tls-cert-validity',
    'tlsSecret.certValidity',
    'life of a serving certificate (renewed at 2/3)',
    '2160h',
  ),
  duration(
    'tls-overlap',
    'tlsSecret.overlap',
    'a new CA is trusted this long before it signs, an old one this long after',
    '10m',
  ),
];

/** The flags above need the cluster (`--policy-source kubernetes`). */
export const TLS_SECRET_FLAG_NAMES = TLS_SECRET_FLAGS.map((f) => f.flag);

// An object name (RFC 1123 subdomain): what Secrets, Leases and webhook configurations take.
const objectName = str((text) => {
  if (
    text.length > 253 ||
    !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(text)
  )
    throw new BadValue(`"${text}" is not an object name (lower-case letters, digits, '-' and '.')`);
  return text;
});

const ms = str((t) => parseDuration(t, 1_000));

/** The settings, or undefined without `--tls-secret` (whose companions are then refused). */
export function selfManagedTlsSettings(layers: Layers): SelfManagedTlsSettings | undefined {
  const secretName = layers.get('tls-secret', objectName, undefined);
  if (secretName === undefined) {
    const stray = TLS_SECRET_FLAG_NAMES.map((f) => layers.raw(f)).find((r) => r !== undefined);
    if (stray)
      throw new ConfigError(stray.code, `${stray.from} needs --tls-secret`, { path: stray.from });
    return undefined;
  }
  const D = SELF_MANAGED_TLS_DEFAULTS;
  const validating = layers.get('tls-validating-webhook', objectName, undefined);
  const mutating = layers.get('tls-mutating-webhook', objectName, undefined);
  const settings: SelfManagedTlsSettings = {
    secretName,
    leaseName: layers.get('tls-lease-name', objectName, D.leaseName),
    ...(validating !== undefined && { validatingWebhook: validating }),
    ...(mutating !== undefined && { mutatingWebhook: mutating }),
    caValidityMs: layers.get('tls-ca-validity', ms, D.caValidityMs),
    certValidityMs: layers.get('tls-cert-validity', ms, D.certValidityMs),
    overlapMs: layers.get(
      'tls-overlap',
      str((t) => parseDuration(t)),
      D.overlapMs,
    ),
  };
  checkTimes(settings, layers);
  return settings;
}

/**
 * A CA rotation must end before the serving certificate it started with runs out: renewed at 2/3
 * of its life, the leaf has 1/3 left, and the move to a new CA waits two overlaps. The CA is
 * renewed at 2/3 too, and its last third must hold a whole leaf.
 */
function checkTimes(s: SelfManagedTlsSettings, layers: Layers): void {
  const fail = (flag: string, message: string): never => {
    const raw = layers.raw(flag);
    const from = raw?.from ?? `--${flag}`;
    throw new ConfigError(raw?.code ?? 'FLAG_INVALID', `${from} ${message}`, { path: from });
  };
  if (s.certValidityMs * 3 > s.caValidityMs)
    fail(
      'tls-cert-validity',
      `must be at most a third of --tls-ca-validity (a CA is renewed ` +
        'when a third of its life is left, which must still hold a whole serving certificate)',
    );
  if (s.overlapMs * 6 > s.certValidityMs)
    fail(
      'tls-overlap',
      `must be at most a sixth of --tls-cert-validity (a CA rotation waits ` +
        'two overlaps while the serving certificate has a third of its life left)',
    );
}
