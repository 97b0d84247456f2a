import { hostname } from 'node:os';
import { pino, type DestinationStream, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Where the JSON lines go; stdout when absent. */
  destination?: DestinationStream;
  /** Fields on every line, besides pino's `pid` and `hostname`. */
  base?: object;
}

/** What replaces a redacted value. */
export const REDACTED = '[REDACTED]';

/**
 * Property names (compared lower-case) whose values are never logged: HTTP credentials, registry
 * credentials (docker config `auth`, pull secrets), tokens and private keys. `key` is listed
 * because TLS options are `{ cert, key }`: log a cache key under another name.
 */
export const SECRET_KEYS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'password',
  'passwd',
  'passphrase',
  'token',
  'accesstoken',
  'access_token',
  'refreshtoken',
  'refresh_token',
  'identitytoken',
  'registrytoken',
  'auth',
  'credentials',
  'secret',
  'clientsecret',
  'dockerconfigjson',
  '.dockerconfigjson',
  'privatekey',
  'private_key',
  'key',
];

const SECRET = new Set(SECRET_KEYS);
/** Deeper than this a logged object is cut off (also ends cycles). */
const MAX_DEPTH = 10;
const MAX_CAUSE_DEPTH = 3;
const KEPT_FIELDS = [
  ['code', 'string'],
  ['stage', 'string'],
  ['validation', 'string'],
  ['status', 'number'],
] as const;

/**
 * An error as a log line shows it: `name`, `message` and the coded fields an admin acts on,
 * with its `cause` chain. Whatever else it carries (a request with headers, options, key
 * material) stays out; so does the stack, unless `withStack` (debug level).
 */
export function serializeError(err: Error, withStack: boolean, depth = 0): object {
  const e = err as Error & Record<string, unknown>;
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  for (const [name, type] of KEPT_FIELDS) {
    if (typeof e[name] === type) out[name] = e[name];
  }
  if (e.cause instanceof Error && depth < MAX_CAUSE_DEPTH)
    out['cause'] = serializeError(e.cause, withStack, depth + 1);
  else if (typeof e.cause === 'string') out['cause'] = e.cause;
  if (withStack && e.stack !== undefined) out['stack'] = e.stack;
  return out;
}

/** Objects JSON shows by their own toJSON or as opaque: not walked. */
function opaque(value: object): boolean {
  return ArrayBuffer.isView(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function scrubArray(value: readonly unknown[], withStack: boolean, depth: number): unknown {
  let copy: unknown[] | undefined;
  value.forEach((item, i) => {
    const next = scrub(item, withStack, depth + 1);
    if (next !== item) (copy ??= [...value])[i] = next;
  });
  return copy ?? value;
}

function scrubObject(value: object, withStack: boolean, depth: number): unknown {
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  // Own enumerable string keys, as Object.entries gives them, without its array per key (issue 20:
  // every review line passes here).
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    const next = SECRET.has(key.toLowerCase()) ? REDACTED : scrub(item, withStack, depth + 1);
    if (next !== item) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}

/**
 * A copy of `value` with every secret-named property censored and every Error serialized, at
 * any depth; parts without either are shared, not copied, and the caller's objects never change.
 */
export function scrub(value: unknown, withStack: boolean, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return serializeError(value, withStack);
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (opaque(value)) return value;
  if (Array.isArray(value)) return scrubArray(value as unknown[], withStack, depth);
  return scrubObject(value, withStack, depth);
}

let sharedStdout: ReturnType<typeof pino.destination> | undefined;

/**
 * Standard output, written in batches of at least 8 KiB or every 100 ms, whichever comes first:
 * one write(2) per review line cost more CPU than the rest of the line (issue 20). One stream per
 * process; what is left is written when the process exits (a SIGKILL loses at most 100 ms).
 */
function stdout(): DestinationStream {
  if (sharedStdout !== undefined) return sharedStdout;
  const stream = pino.destination({ dest: 1, sync: true, minLength: 8192, periodicFlush: 100 });
  process.once('exit', () => stream.flushSync());
  return (sharedStdout = stream);
}

let isoTimeMs = Number.NaN;
let isoTimeField = '';

/**
 * pino's `stdTimeFunctions.isoTime`, the same field, formatted once per millisecond: a review
 * line's timestamp cost as much as the rest of its serialisation at thousands of reviews a
 * second (issue 20).
 */
export function isoTime(): string {
  const now = Date.now();
  if (now !== isoTimeMs) {
    isoTimeMs = now;
    isoTimeField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return isoTimeField;
}

/**
 * A pino logger writing JSON lines: ISO time, level names, secrets censored as `[REDACTED]`
 * (see SECRET_KEYS) and errors reduced to their coded fields, with stacks only at debug/trace.
 */
export function createLogger(options: LoggerOptions): pino.Logger {
  // Looked up per line, so raising the level at run time (logger.level = 'debug') adds stacks.
  const withStack = (): boolean => root.level === 'debug' || root.level === 'trace';
  const err = (e: unknown): unknown => scrub(e, withStack());
  const config: pino.LoggerOptions = {
    level: options.level,
    base: scrub({ pid: process.pid, hostname: hostname(), ...options.base }, false) as object,
    timestamp: isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => scrub(obj, withStack()) as Record<string, unknown>,
    },
    serializers: { err, error: err },
  };
  const root = pino(config, options.destination ?? stdout());
  // Child bindings are scrubbed once, when the child is made (children inherit this method), not
  // on every line as pino's wildcard `redact` would: that cost ~40% of a warm review.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each child's own `this`
  const child = root.child;
  root.child = function (this: pino.Logger, bindings, childOptions) {
    return child.call(this, scrub(bindings, false) as pino.Bindings, childOptions);
  } as typeof root.child;
  return root;
}
