// The egress proxy settings (issue 15 item 4) of both commands: `--https-proxy`, `--http-proxy`,
// `--no-proxy` (also `NOTARY_ADMISSION_*` and the config file), and when none of those sets one,
// the conventional `HTTPS_PROXY` / `https_proxy`, `HTTP_PROXY` / `http_proxy`, `NO_PROXY` /
// `no_proxy` of the environment, upper case first as Go reads them.
import { parseNoProxy } from '../names/index.js';
import type { Env } from './notation-dir.js';
import { each, Layers, str, type FlagSpec, type Raw } from './sources.js';
import { BadValue } from './values.js';

/** Where egress goes: absent, everything is direct. URLs keep their userinfo (the proxy's login). */
export interface ProxySettings {
  /** `http://[user:pass@]host:port` for https targets (registries, token realms, https CRLs). */
  httpsProxy?: string;
  /** The same for plain-http targets (OCSP, most CRLs, plain-HTTP registries). */
  httpProxy?: string;
  /** Targets reached directly (Go's NO_PROXY syntax, src/names/no-proxy.ts). */
  noProxy: string[];
}

export const PROXY_FLAGS: FlagSpec[] = [
  {
    flag: 'https-proxy',
    kind: 'string',
    key: 'httpsProxy',
    placeholder: 'URL',
    help: 'HTTP proxy (http://[user:pass@]host:port) of registry and token traffic, by CONNECT',
    default: '$HTTPS_PROXY, else direct',
  },
  {
    flag: 'http-proxy',
    kind: 'string',
    key: 'httpProxy',
    placeholder: 'URL',
    help: 'HTTP proxy of plain-http traffic (OCSP, CRLs), by CONNECT',
    default: '$HTTP_PROXY, else direct',
  },
  {
    flag: 'no-proxy',
    kind: 'list',
    key: 'noProxy',
    placeholder: 'HOST|.DOMAIN|IP|CIDR',
    help: 'reached directly, not through the proxy (repeatable or comma-separated; * for all)',
    default: '$NO_PROXY, else none',
  },
];

/** The conventional variables of each flag, in the order they are read. */
const CONVENTIONAL: Record<string, readonly string[]> = {
  'https-proxy': ['HTTPS_PROXY', 'https_proxy'],
  'http-proxy': ['HTTP_PROXY', 'http_proxy'],
  'no-proxy': ['NO_PROXY', 'no_proxy'],
};

/** `HTTPS_PROXY` & co. as a layer below every other source. */
function conventionalLayer(env: Env): Map<string, Raw> {
  const layer = new Map<string, Raw>();
  for (const [flag, names] of Object.entries(CONVENTIONAL)) {
    const name = names.find((n) => (env[n] ?? '').trim() !== '');
    if (name === undefined) continue;
    const text = env[name]!.trim();
    const value = flag === 'no-proxy' ? text.split(',').map((v) => v.trim()) : text;
    layer.set(flag, { value, from: name, code: 'FLAG_INVALID', base: process.cwd() });
  }
  return layer;
}

/**
 * A proxy URL: `http://host:port` (a bare `host:port` is taken as http), userinfo allowed (sent
 * to the proxy only, as Proxy-Authorization), nothing after the authority. An https:// proxy
 * (TLS to the proxy itself) is not supported.
 */
export function parseProxyUrl(raw: string): string {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `http://${text}`);
  } catch {
    throw new BadValue('is not a proxy URL (e.g. http://proxy.internal:3128)');
  }
  if (url.protocol !== 'http:')
    throw new BadValue(`${url.protocol}// proxies are not supported; give http://host:port`);
  if (
    url.hostname === '' ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search ||
    url.hash
  )
    throw new BadValue('a proxy URL is http://[user:pass@]host:port, with no path or query');
  return url.href.replace(/\/$/, '');
}

function checkNoProxy(entries: string[]): string[] {
  const parsed = parseNoProxy(entries);
  if (!parsed.ok) throw new BadValue(parsed.reason);
  return entries
    .flatMap((e) => e.split(','))
    .map((e) => e.trim())
    .filter((e) => e !== '');
}

/** The proxy settings, or undefined when no source names a proxy. */
export function proxySettings(layers: Layers, env: Env): ProxySettings | undefined {
  const conventional = new Layers([conventionalLayer(env)]);
  const get = <T>(flag: string, parse: (raw: Raw) => T): T | undefined =>
    layers.raw(flag) !== undefined
      ? layers.get(flag, parse, undefined)
      : conventional.get(flag, parse, undefined);
  const httpsProxy = get('https-proxy', str(parseProxyUrl));
  const httpProxy = get('http-proxy', str(parseProxyUrl));
  if (httpsProxy === undefined && httpProxy === undefined) return undefined;
  const noProxy = get('no-proxy', (raw) => checkNoProxy(each((t) => t)(raw))) ?? [];
  return {
    ...(httpsProxy !== undefined && { httpsProxy }),
    ...(httpProxy !== undefined && { httpProxy }),
    noProxy,
  };
}
