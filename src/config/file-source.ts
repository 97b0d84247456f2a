// The file PolicySource: notation's trust policy and trust store, re-read when they change.
// A failed reload never replaces a good snapshot: the service keeps verifying with the last
// configuration that loaded, and says why the new one was refused.
import path from 'node:path';
import { ConfigError, isConfigError, toConfigError } from './errors.js';
import { loadFileSnapshot, type FileSnapshotOptions } from './file-snapshot.js';
import { fingerprint } from './fingerprint.js';
import type { PolicySource, Snapshot } from './snapshot.types.js';

export interface FileSourceOptions extends FileSnapshotOptions {
  /** How often the files are stat'ed for changes; default 2000. */
  pollIntervalMs?: number;
  /** A reload failed; the previous snapshot stays in force. */
  onError?: (err: ConfigError) => void;
  /** A reload succeeded (called even when the revision did not change). */
  onReload?: (snapshot: Snapshot) => void;
}

export interface FileSource extends PolicySource {
  /** Active from the start: the first load must succeed for the source to exist. */
  current(): Snapshot;
  /** Re-reads the files now, whether or not they look changed; resolves to the active snapshot. */
  reload(): Promise<Snapshot>;
}

/** Any failure of a reload as a ConfigError, so nothing escapes the poller. */
function asConfigError(err: unknown, file: string): ConfigError {
  try {
    return toConfigError(err, file);
  } catch {
    const message = err instanceof Error ? err.message : String(err);
    return new ConfigError('CONFIG_INVALID', `reloading ${file} failed: ${message}`, {
      path: file,
      cause: err,
    });
  }
}

/** Calls a caller's callback; its bug must not stop the others or the poller. */
function safely<T>(callback: ((value: T) => void) | undefined, value: T): void {
  try {
    callback?.(value);
  } catch {
    // ignored: the source keeps serving the active snapshot
  }
}

/**
 * Loads the files once (throwing ConfigError if that fails: the service cannot start without a
 * policy), then polls them with an unref'd timer and reloads on change. `onChange` listeners
 * hear of each new snapshot whose revision differs from the active one.
 */
export async function createFileSource(options: FileSourceOptions): Promise<FileSource> {
  const interval = options.pollIntervalMs ?? 2000;
  if (!Number.isFinite(interval) || interval <= 0)
    throw new ConfigError('CONFIG_INVALID', `pollIntervalMs must be positive (got ${interval})`);
  const paths = {
    trustPolicyPath: path.resolve(options.trustPolicyPath),
    trustStoreDir: path.resolve(options.trustStoreDir),
    crlBundlePath: options.crlBundlePath && path.resolve(options.crlBundlePath),
  };
  // Taken before the load: a change while it runs shows as a difference on the next poll.
  let seen = await fingerprint(paths);
  let active = await loadFileSnapshot(options).catch((err: unknown) => {
    throw isConfigError(err) ? err : asConfigError(err, paths.trustPolicyPath);
  });
  const listeners = new Set<(snapshot: Snapshot) => void>();
  let closed = false;

  function adopt(next: Snapshot): void {
    const changed = next.revision !== active.revision;
    if (changed) active = next;
    safely(options.onReload, next);
    if (changed) for (const listener of [...listeners]) safely(listener, next);
  }

  async function check(force: boolean): Promise<Snapshot> {
    try {
      const now = await fingerprint(paths);
      if ((!force && now === seen) || closed) return active;
      seen = now;
      const next = await loadFileSnapshot(options);
      if (!closed) adopt(next);
    } catch (err) {
      if (!closed) safely(options.onError, asConfigError(err, paths.trustPolicyPath));
    }
    return active;
  }

  // Checks run one at a time, in order; a poll tick that finds one running is skipped.
  let queue: Promise<unknown> = Promise.resolve();
  let running = 0;
  const enqueue = (force: boolean): Promise<Snapshot> => {
    running += 1;
    const run = queue.then(() => check(force)).finally(() => (running -= 1));
    queue = run.catch(() => undefined);
    return run;
  };
  const timer = setInterval(() => {
    if (running === 0) void enqueue(false);
  }, interval);
  timer.unref();

  return {
    current: () => active,
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    reload: () => enqueue(true),
    async close() {
      closed = true;
      clearInterval(timer);
      listeners.clear();
      await queue;
    },
  };
}
