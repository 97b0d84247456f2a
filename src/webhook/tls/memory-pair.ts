// Serving from a pair held in memory rather than files: the self-managed mode reads it from a
// Secret through the API (src/kube/tls-secret-api.ts), which a test without a kubelet can drive
// and which does not wait for the kubelet's volume sync (about a minute). The pair is judged by
// the same rules as a pair from files (parseServingTls) and swapped in with setSecureContext, so
// new handshakes get it and open connections keep theirs; an invalid pair leaves the old one.
import { X509Certificate } from 'node:crypto';
import { issueCa, issueServing } from './authority.js';
import type { TlsReloadResult } from './reloader.js';
import { parseServingTls, TlsError, type ServingTls } from './serving-tls.js';

export interface ServingSwitchOptions {
  /** The pair served now (e.g. a placeholder until the real one arrives). */
  current: ServingTls;
  /** Names the source in messages, e.g. `Secret ns/name`; never key material. */
  origin: string;
  /** Installs a validated pair: `server.setSecureContext(secureContextOptions(next))`. */
  apply: (next: ServingTls) => void;
  /** Called once per pair offered that differs from the one served. */
  onReload?: (result: TlsReloadResult) => void;
  now?: () => Date;
}

export interface ServingSwitch {
  /** The pair served now. */
  readonly current: ServingTls;
  /** Serves `cert`/`key` when valid; undefined when it is the pair served already. */
  offer(cert: string, key: string): TlsReloadResult | undefined;
}

/** A switch over what the server presents; nothing is applied until `offer`. */
export function createServingSwitch(options: ServingSwitchOptions): ServingSwitch {
  const now = options.now ?? (() => new Date());
  const names = { certPath: `${options.origin} (tls.crt)`, keyPath: `${options.origin} (tls.key)` };
  let current = options.current;
  return {
    get current() {
      return current;
    },
    offer(cert, key) {
      if (cert === current.cert && key === current.key) return undefined;
      let result: TlsReloadResult;
      try {
        const next = parseServingTls({ cert, key, ...names, now: now() });
        options.apply(next);
        current = next;
        result = { ok: true, tls: next };
      } catch (err) {
        result = { ok: false, error: asTlsError(err, options.origin) };
      }
      try {
        options.onReload?.(result);
      } catch {
        // a throwing listener must not undo a swap that happened
      }
      return result;
    },
  };
}

/**
 * A pair to listen with before the real one is known: its CA is thrown away at once, so nothing
 * trusts it and readiness (which asks whether the caBundle trusts what is served) stays false.
 */
export async function placeholderTls(
  names: readonly string[],
  now = new Date(),
): Promise<ServingTls> {
  const validityMs = 86_400_000;
  const ca = await issueCa({ now, validityMs });
  const leaf = await issueServing({
    ca,
    names,
    now,
    notAfter: new Date(now.getTime() + validityMs),
  });
  return parseServingTls({ ...leaf, certPath: 'placeholder', keyPath: 'placeholder', now });
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle that parse (others are skipped). */
export function parseBundle(pem: string): X509Certificate[] {
  return (pem.match(PEM_CERT) ?? []).flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}

/** True when the first certificate of `certPem` is signed by a valid CA of `bundlePem` at `now`. */
export function trustedBy(certPem: string, bundlePem: string, now = new Date()): boolean {
  const [leaf] = parseBundle(certPem);
  if (!leaf) return false;
  const t = now.getTime();
  return parseBundle(bundlePem).some(
    (ca) =>
      ca.ca &&
      Date.parse(ca.validFrom) <= t &&
      t < Date.parse(ca.validTo) &&
      leaf.checkIssued(ca) &&
      leaf.verify(ca.publicKey),
  );
}

function asTlsError(err: unknown, origin: string): TlsError {
  if (err instanceof TlsError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new TlsError('TLS_INVALID', `TLS pair from ${origin} was refused: ${reason}`, {
    cause: err,
  });
}
