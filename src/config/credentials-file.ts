// The registry credentials file (`--registry-credentials`, a docker config.json mounted from a
// Secret), re-read when it changes. Polling by content, as the serving certificate's reloader
// (src/webhook/tls/reloader.ts) does and for the same reason: kubelet updates a Secret volume by
// swapping its `..data` symlink, which inotify on the file path does not report; each poll opens
// the path afresh, so the link is followed again. A file that cannot be read or is no Docker
// config JSON keeps the credentials in force: a half-written or mistyped Secret must not turn
// every private image into an outage.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError } from './errors.js';

/** What a Docker config JSON must look like here: `{ "auths": { "<registry>": { … } } }`. */
export interface DockerConfigDocument {
  auths?: Record<string, Record<string, unknown>>;
}

/** Largest credentials file read (a Secret is at most 1 MiB). */
const MAX_BYTES = 1024 * 1024;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The Docker config JSON of `text`, checked for its shape only (the registry client reads the
 * entries). Throws FILE_UNREADABLE naming the file and the problem, never the content.
 */
export function parseDockerConfigJson(text: string, file: string): DockerConfigDocument {
  const bad = (why: string) =>
    new ConfigError('FILE_UNREADABLE', `${file}: not a Docker config JSON (${why})`, {
      path: file,
    });
  if (text.length > MAX_BYTES) throw bad(`larger than ${MAX_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('invalid JSON');
  }
  if (!isRecord(parsed)) throw bad('not a JSON object');
  const auths = parsed['auths'];
  if (auths === undefined) return {};
  if (!isRecord(auths)) throw bad('"auths" is not an object');
  for (const [key, entry] of Object.entries(auths))
    if (!isRecord(entry))
      throw bad(`the entry of ${JSON.stringify(key.slice(0, 80))} is not an object`);
  return { auths: auths as Record<string, Record<string, unknown>> };
}

/** One detected change: the new file in force, or refused while the old one stays. */
export type CredentialsReloadResult =
  { ok: true; text: string } | { ok: false; error: ConfigError };

export interface WatchCredentialsOptions {
  path: string;
  /** The content in force now; a change is any content that differs from it. */
  current: string;
  /** Poll period; default 1000 ms. */
  intervalMs?: number;
  /**
   * Puts a checked file in force (the composition root builds the registry's lookup from it);
   * a throw refuses it like a malformed file.
   */
  apply: (text: string, config: DockerConfigDocument) => void;
  /** Once per detected change (not per poll), to log and count it. */
  onReload?: (result: CredentialsReloadResult) => void;
}

export interface CredentialsWatcher {
  /** Polls now (as the timer does); resolves with the change it found, if any. */
  check(): Promise<CredentialsReloadResult | undefined>;
  /** Stops polling; a poll in flight applies nothing after this. */
  close(): void;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

async function read(path: string): Promise<{ text: string } | { error: ConfigError }> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = typeof code === 'string' ? code : 'unreadable';
    return {
      error: new ConfigError('FILE_UNREADABLE', `${path}: cannot be read (${why})`, {
        path,
        cause: err,
      }),
    };
  }
}

/**
 * Watches the credentials file and applies each new valid content. An invalid one is reported
 * once and the old credentials stay; the same content is not retried, the next change is. The
 * timer is unref'd: it never keeps the process alive.
 */
export function watchCredentialsFile(options: WatchCredentialsOptions): CredentialsWatcher {
  let inForce = digest(options.current);
  let seen = inForce;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<CredentialsReloadResult | undefined> | undefined;

  const accept = (text: string): CredentialsReloadResult => {
    try {
      options.apply(text, parseDockerConfigJson(text, options.path));
      inForce = digest(text);
      return { ok: true, text };
    } catch (err) {
      const error =
        err instanceof ConfigError
          ? err
          : new ConfigError('FILE_UNREADABLE', `${options.path}: refused (${String(err)})`, {
              path: options.path,
            });
      return { ok: false, error };
    }
  };

  const poll = async (): Promise<CredentialsReloadResult | undefined> => {
    const got = await read(options.path);
    const state = 'error' in got ? `unreadable ${got.error.message}` : digest(got.text);
    if (closed || state === seen) return undefined;
    seen = state;
    if (state === inForce) return undefined; // back to what is in force
    const result = 'error' in got ? { ok: false as const, error: got.error } : accept(got.text);
    try {
      options.onReload?.(result);
    } catch {
      // A throwing listener must not stop the watcher.
    }
    return result;
  };

  const check = (): Promise<CredentialsReloadResult | undefined> => {
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
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
