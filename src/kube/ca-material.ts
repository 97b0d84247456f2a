// What the self-managed TLS Secret holds, as text, and the merge patch that turns one state into
// the next. Data keys: the CA (`ca.crt`, `ca.key`) that signs new serving certificates, the CAs
// still trusted while an overlap lasts (`previous-ca.crt`), and the serving pair (`tls.crt`,
// `tls.key`). Two annotations carry the times the rotation waits on, so that a new Lease holder
// resumes where the last one stopped.
import { X509Certificate } from 'node:crypto';

export const CA_CERT_KEY = 'ca.crt';
export const CA_KEY_KEY = 'ca.key';
export const PREVIOUS_KEY = 'previous-ca.crt';
export const CERT_KEY = 'tls.crt';
export const KEY_KEY = 'tls.key';
/**
 * The most read from one entry of the Secret, decoded (a P-256 certificate or key is under 1 KiB;
 * previous-ca.crt holds a few): a larger one is treated as absent, so the keeper replaces it and
 * whoever can write the Secret cannot make every replica parse a megabyte on each change.
 */
export const MAX_ENTRY_BYTES = 16_384;
/** The most read from one caBundle of a webhook configuration (a few CAs, and room to spare). */
export const MAX_BUNDLE_BYTES = 65_536;

/** When the webhook configurations last got this Secret's bundle (ca.crt + previous-ca.crt). */
export const BUNDLE_PUBLISHED = 'notary-admission.dev/bundle-published';
/** When the serving pair now in the Secret was issued. */
export const SERVING_ISSUED = 'notary-admission.dev/serving-issued';

/** PEM certificate and key. */
export interface Pair {
  cert: string;
  key: string;
}

/** The Secret's content as the keeper reads and writes it. */
export interface TlsState {
  ca?: Pair;
  /** Replaced CAs still in the bundle (one PEM block each). */
  previous: string[];
  serving?: Pair;
  /** Epoch ms; absent until the bundle of `ca` and `previous` is in every configuration. */
  bundlePublishedAt?: number;
  servingIssuedAt?: number;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM blocks of a bundle, each ending in a newline. */
export const pemBlocks = (text: string): string[] =>
  (text.match(PEM_CERT) ?? []).map((b) => `${b}\n`);

/** Certificates that parse; the rest are ignored (a bundle is only ever read for trust). */
export function parseCertificates(text: string): X509Certificate[] {
  return pemBlocks(text).flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}

const text = (data: Record<string, string> | undefined, key: string): string | undefined => {
  const value = data?.[key];
  // base64: 4 characters for 3 bytes; checked before decoding.
  if (value === undefined || value.length > Math.ceil(MAX_ENTRY_BYTES / 3) * 4) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
};

const time = (value: string | undefined): number | undefined => {
  const ms = value === undefined ? NaN : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
};

/** The state of a Secret's base64 `data` and its annotations (missing parts left out). */
export function readTlsState(
  data: Record<string, string> | undefined,
  annotations: Record<string, string> | undefined,
): TlsState {
  const pair = (certKey: string, keyKey: string): Pair | undefined => {
    const [cert, key] = [text(data, certKey), text(data, keyKey)];
    return cert && key ? { cert, key } : undefined;
  };
  const ca = pair(CA_CERT_KEY, CA_KEY_KEY);
  const serving = pair(CERT_KEY, KEY_KEY);
  const published = time(annotations?.[BUNDLE_PUBLISHED]);
  const issued = time(annotations?.[SERVING_ISSUED]);
  return {
    ...(ca && { ca }),
    previous: pemBlocks(text(data, PREVIOUS_KEY) ?? ''),
    ...(serving && { serving }),
    ...(published !== undefined && { bundlePublishedAt: published }),
    ...(issued !== undefined && { servingIssuedAt: issued }),
  };
}

/** The caBundle for a state: the signing CA first, then the ones still trusted. */
export const bundleOf = (state: TlsState): string =>
  [state.ca?.cert ?? '', ...state.previous].join('');

type Fields = Record<string, string | null>;

/** A state as the Secret's base64 data and annotations (null: absent). */
function fields(state: TlsState): { data: Fields; annotations: Fields } {
  const b64 = (value: string | undefined): string | null =>
    value === undefined || value === '' ? null : Buffer.from(value).toString('base64');
  const iso = (ms: number | undefined): string | null =>
    ms === undefined ? null : new Date(ms).toISOString();
  return {
    data: {
      [CA_CERT_KEY]: b64(state.ca?.cert),
      [CA_KEY_KEY]: b64(state.ca?.key),
      [PREVIOUS_KEY]: b64(state.previous.join('')),
      [CERT_KEY]: b64(state.serving?.cert),
      [KEY_KEY]: b64(state.serving?.key),
    },
    annotations: {
      [BUNDLE_PUBLISHED]: iso(state.bundlePublishedAt),
      [SERVING_ISSUED]: iso(state.servingIssuedAt),
    },
  };
}

/**
 * A JSON merge patch of the Secret from `before` to `after`: only the keys that change (null
 * deletes one), so the patch, and the audit log, name what moved.
 */
export function tlsStatePatch(
  before: TlsState,
  after: TlsState,
): { data: Fields; annotations: Fields } {
  const [was, now] = [fields(before), fields(after)];
  const changed = (next: Fields, old: Fields): Fields =>
    Object.fromEntries(Object.entries(next).filter(([k, v]) => old[k] !== v));
  return {
    data: changed(now.data, was.data),
    annotations: changed(now.annotations, was.annotations),
  };
}
