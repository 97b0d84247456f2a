// Hot reload of the serving pair from files. Polling by content rather than fs.watch: kubelet
// updates a mounted Secret by swapping the `..data` symlink, which inotify on the file paths
// does not report, and polling works the same on every filesystem. Each poll opens the paths
// afresh, so the symlinks are resolved again every time.
import { createHash } from 'node:crypto';
import { parseServingTls, readTlsFile, TlsError, type ServingTls } from './serving-tls.js';

/** What one detected change came to: applied, or rejected while the old pair keeps serving. */
export type TlsReloadResult = { ok: true; tls: ServingTls } | { ok: false; error: TlsError };

export interface WatchServingTlsOptions {
  certPath: string;
  keyPath: string;
  /** The pair being served now; a change is any content that differs from it. */
  current: ServingTls;
  /** Poll period; default 1000 ms. A change is served within about one period. */
  intervalMs?: number;
  /** Installs a validated pair, e.g. `server.setSecureContext(secureContextOptions(next))`. */
  apply: (next: ServingTls) => void;
  /** Called once per detected change (not once per poll), e.g. to log and count it. */
  onReload?: (result: TlsReloadResult) => void;
  /** Clock for the expiry check; defaults to the system clock. */
  now?: () => Date;
}

export interface TlsReloader {
  /** Polls now (as the timer does); resolves with the change it found, if any. */
  check(): Promise<TlsReloadResult | undefined>;
  /** The pair most recently applied (or the initial one). */
  readonly current: ServingTls;
  /** Stops polling; a poll in flight applies nothing after this. */
  close(): void;
}

/**
 * Watches `certPath`/`keyPath` and applies each new valid pair. An invalid pair (key of another
 * certificate, garbage, half-written, expired) is reported and the old pair keeps serving; the
 * same content is not retried, the next change is. New handshakes use the new pair; connections
 * already open keep theirs. The timer is unref'd: it never keeps the process alive.
 */
export function watchServingTls(options: WatchServingTlsOptions): TlsReloader {
  const { certPath, keyPath } = options;
  const now = options.now ?? (() => new Date());
  let current = options.current;
  let seen = digest(current.cert, current.key);
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<TlsReloadResult | undefined> | undefined;

  const accept = (cert: string, key: string): TlsReloadResult => {
    try {
      const next = parseServingTls({ cert, key, certPath, keyPath, now: now() });
      options.apply(next);
      current = next;
      return { ok: true, tls: next };
    } catch (err) {
      return { ok: false, error: asTlsError(err, certPath) };
    }
  };

  const poll = async (): Promise<TlsReloadResult | undefined> => {
    const read = await readPair(certPath, keyPath);
    const state =
      'error' in read ? `unreadable ${read.error.message}` : digest(read.cert, read.key);
    if (closed || state === seen) return undefined;
    seen = state;
    if (state === digest(current.cert, current.key)) return undefined; // back to what we serve
    const result =
      'error' in read ? { ok: false as const, error: read.error } : accept(read.cert, read.key);
    try {
      options.onReload?.(result);
    } catch {
      // A throwing listener must not stop the reloader or surface as an unhandled rejection.
    }
    return result;
  };

  const check = (): Promise<TlsReloadResult | undefined> => {
    running ??= poll().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(() => void check().finally(schedule), options.intervalMs ?? 1000);
    timer.unref();
  };
  schedule();

  return {
    check,
    get current() {
      return current;
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}

type Pair = { cert: string; key: string } | { error: TlsError };

async function readPair(certPath: string, keyPath: string): Promise<Pair> {
  try {
    const cert = await readTlsFile(certPath, 'certificate');
    const key = await readTlsFile(keyPath, 'key');
    return { cert, key };
  } catch (err) {
    return { error: asTlsError(err, certPath) };
  }
}

function digest(cert: string, key: string): string {
  return createHash('sha256').update(cert).update('\0').update(key).digest('hex');
}

function asTlsError(err: unknown, certPath: string): TlsError {
  if (err instanceof TlsError) return err;
  // setSecureContext's own refusals (e.g. a key type OpenSSL will not use); no key material.
  const reason = err instanceof Error ? err.message : String(err);
  return new TlsError('TLS_INVALID', `TLS pair from ${certPath} was refused: ${reason}`, {
    cause: err,
  });
}
