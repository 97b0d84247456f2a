// What the service keeps between Docker Content Trust verifications (issue 18): one Notary client
// per configured server, the TUF rollback state per server and GUN, and the roots it verified, so
// a warm verification reads timestamp, snapshot and targets but not root.json.
import { createHash } from 'node:crypto';
import { normaliseHost } from '../names/index.js';
import {
  NotaryClient,
  RegistryError,
  type NotaryClientOptions,
  type CredentialLookup,
  type HostResolver,
  type NetworkAllowance,
  type ProxyOptions,
} from '../registry/index.js';
import { TufStateMemory, type TrustedRoot, type TufMetadataSource } from '../verify/index.js';

/** How long a verified root is reused (then root.json is read again, and any rotation seen). */
export const ROOT_REUSE_MS = 60 * 60 * 1000;
/** Servers are configuration, but a policy edit could name many: the least recently used go. */
const MAX_SERVERS = 64;
/** Verified roots kept (server × GUN × pins); rollback state per server × GUN (TufStateMemory). */
const MAX_ROOTS = 10_000;

export interface DctContextOptions {
  /** `host[:port]` of Notary servers spoken to over plain HTTP (the registries' list). */
  insecureRegistries?: readonly string[];
  /** PEM CA bundle per host, as the registry client's. */
  caBundles?: Readonly<Record<string, string>>;
  /** The configured registry credentials (Notary servers take registry tokens). */
  credentials?: CredentialLookup;
  proxy?: ProxyOptions;
  allowPrivateNetworks?: NetworkAllowance;
  resolver?: HostResolver;
  onResponse?: (host: string, status: number | 'error') => void;
  now?: () => number;
}

/** A call's deadline, as every registry call takes it. */
export interface DctCall {
  signal: AbortSignal;
  deadline: number;
}

export interface DctContext {
  /** Runs `fn` with the server's metadata under the call's deadline. */
  session<T>(
    server: string,
    call: DctCall,
    fn: (source: TufMetadataSource) => Promise<T>,
  ): Promise<T>;
  /** Highest versions trusted per `server gun` (never lowered; bounded, least recently used out). */
  readonly state: TufStateMemory;
  /** A root verified for `key` (server, GUN, pins) within ROOT_REUSE_MS, if any. */
  root(key: string, now: number): TrustedRoot | undefined;
  keepRoot(key: string, root: TrustedRoot, now: number): void;
  close(): Promise<void>;
}

/** The key of a verified root: the server, the GUN and the exact pins it was established from. */
export function rootKey(server: string, gun: string, roots: readonly string[]): string {
  const pins = createHash('sha256').update(JSON.stringify(roots)).digest('base64url');
  return `${server} ${gun} ${pins}`;
}

function hostOf(url: URL): string {
  const host = normaliseHost(url.host);
  return host.ok ? host.value : url.host;
}

/** A Notary client as the registries' settings describe its server. */
function clientOptions(
  server: string,
  url: URL,
  host: string,
  o: DctContextOptions,
): NotaryClientOptions {
  const ca = o.caBundles?.[host];
  const { credentials, proxy, allowPrivateNetworks, resolver, onResponse, now } = o;
  return {
    server,
    insecure: url.protocol === 'http:',
    ...(ca !== undefined && { caBundle: ca }),
    ...(credentials && { credentials }),
    ...(proxy && { proxy }),
    ...(allowPrivateNetworks !== undefined && { allowPrivateNetworks }),
    ...(resolver && { resolver }),
    ...(onResponse && { onResponse }),
    ...(now && { now }),
  };
}

/** The service's DCT state and clients; `close()` ends every client. */
export function createDctContext(options: DctContextOptions = {}): DctContext {
  const clients = new Map<string, NotaryClient>();
  const roots = new Map<string, { root: TrustedRoot; at: number }>();
  const insecure = new Set(options.insecureRegistries ?? []);

  const clientFor = (server: string): NotaryClient => {
    let client = clients.get(server);
    if (client) {
      clients.delete(server);
      clients.set(server, client);
      return client;
    }
    const url = new URL(server);
    const host = hostOf(url);
    // The server is configuration, but plain HTTP only where the registries' list allows it.
    if (url.protocol === 'http:' && !insecure.has(host))
      throw new RegistryError(
        'NOT_ALLOWED',
        `Notary server ${server} is plain HTTP: list ${host} as an insecure registry to allow it`,
      );
    client = new NotaryClient(clientOptions(server, url, host, options));
    clients.set(server, client);
    if (clients.size > MAX_SERVERS) {
      const [oldest, dropped] = clients.entries().next().value!;
      clients.delete(oldest);
      void dropped.close();
    }
    return client;
  };

  return {
    session: (server, call, fn) => clientFor(server).session(call, fn),
    state: new TufStateMemory(),
    root(key, now) {
      const kept = roots.get(key);
      if (!kept || now - kept.at >= ROOT_REUSE_MS) return undefined;
      return kept.root;
    },
    keepRoot(key, root, now) {
      const kept = roots.get(key);
      // A reused root keeps its first time, so it is read again at least hourly.
      const at = kept?.root === root ? kept.at : now;
      roots.delete(key);
      roots.set(key, { root, at });
      while (roots.size > MAX_ROOTS) roots.delete(roots.keys().next().value!);
    },
    async close() {
      await Promise.allSettled([...clients.values()].map((c) => c.close()));
      clients.clear();
    },
  };
}
