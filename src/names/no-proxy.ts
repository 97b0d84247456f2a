// `NO_PROXY` (`--no-proxy`): which hosts are reached directly rather than through the egress
// proxy, with the syntax of Go's golang.org/x/net/http/httpproxy (what notation, containerd and
// the kubelet read from the same variable): comma-separated entries, each `*` (no proxy at all),
// an IP address or CIDR range (compared with IP-literal hosts only; names are not resolved for
// it), or a domain, optionally with `:port`. `example.com` is that host and its subdomains;
// `.example.com` and `*.example.com` its subdomains only. Unlike Go, loopback and `localhost` are
// not exempt unless listed: where traffic goes is what the configuration says.
import { BlockList, isIP } from 'node:net';
import type { Normalised } from './host.js';

export type NoProxyEntry =
  | { kind: 'all' }
  | { kind: 'cidr'; text: string; list: BlockList }
  | { kind: 'ip'; address: string; port: number | undefined }
  | { kind: 'domain'; suffix: string; subdomainsOnly: boolean; port: number | undefined };

const CIDR = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/;
// A DNS name (no Docker Hub folding here: `index.docker.io` must not widen to all of docker.io).
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
const PORTED = /^(.*?)(?::(\d{1,5}))?$/;

function cidr(text: string): Normalised<NoProxyEntry> {
  const [, net = '', bits = ''] = CIDR.exec(text) ?? [];
  const family = isIP(net);
  const prefix = Number(bits);
  if (family === 0 || prefix > (family === 4 ? 32 : 128))
    return { ok: false, reason: `"${text}" is not a CIDR range` };
  const list = new BlockList();
  list.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return { ok: true, value: { kind: 'cidr', text, list } };
}

/** `[::1]:80`, `10.0.0.1`, `10.0.0.1:80`, `::1` → address and port. */
function ipEntry(text: string): NoProxyEntry | undefined {
  if (isIP(text) !== 0) return { kind: 'ip', address: bare(text), port: undefined };
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed && isIP(bracketed[1]!) === 6)
    return { kind: 'ip', address: bare(bracketed[1]!), port: port(bracketed[2]) };
  const [, host = '', p] = PORTED.exec(text) ?? [];
  return isIP(host) === 4 ? { kind: 'ip', address: host, port: port(p) } : undefined;
}

const port = (p: string | undefined): number | undefined =>
  p === undefined ? undefined : Number(p);

/** An IP address as the WHATWG URL parser writes it (IPv6 compressed, no brackets). */
function bare(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** `r.io`, `.r.io`, `*.r.io`, each with an optional `:port`. */
function domainEntry(text: string): Normalised<NoProxyEntry> {
  const [, spelled = '', p] = PORTED.exec(text) ?? [];
  const wildcard = spelled.startsWith('*.') ? 2 : spelled.startsWith('.') ? 1 : 0;
  const suffix = spelled.slice(wildcard).toLowerCase().replace(/\.$/, '');
  const portOk = p === undefined || (Number(p) >= 1 && Number(p) <= 65535);
  if (!DOMAIN.test(suffix) || suffix.length > 253 || !portOk)
    return { ok: false, reason: `"${text}" is not a host, .domain, IP address or CIDR range` };
  return {
    ok: true,
    value: { kind: 'domain', suffix, subdomainsOnly: wildcard > 0, port: port(p) },
  };
}

function entry(raw: string): Normalised<NoProxyEntry> {
  const text = raw.trim();
  if (text === '*') return { ok: true, value: { kind: 'all' } };
  if (text.includes('/')) return cidr(text);
  const ip = ipEntry(text);
  return ip ? { ok: true, value: ip } : domainEntry(text);
}

/** Parses the entries (each may itself be comma-separated, as in the variable); empty ones are skipped. */
export function parseNoProxy(inputs: readonly string[]): Normalised<NoProxyEntry[]> {
  const out: NoProxyEntry[] = [];
  for (const input of inputs)
    for (const raw of input.split(',')) {
      if (raw.trim() === '') continue;
      const parsed = entry(raw);
      if (!parsed.ok) return parsed;
      out.push(parsed.value);
    }
  return { ok: true, value: out };
}

/**
 * Whether a target is reached directly: `hostname` as `URL.hostname` has it (lower case, IPv6 in
 * brackets, no trailing dot expected) and the port it connects to (the scheme's default included).
 */
export function bypassesProxy(
  entries: readonly NoProxyEntry[],
  hostname: string,
  targetPort: number,
): boolean {
  const name = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return entries.some((e) => matches(e, name, isIP(name), targetPort));
}

const sameDomain = (name: string, e: { suffix: string; subdomainsOnly: boolean }): boolean =>
  name.endsWith(`.${e.suffix}`) || (!e.subdomainsOnly && name === e.suffix);

function matches(e: NoProxyEntry, name: string, family: number, targetPort: number): boolean {
  if (e.kind === 'all') return true;
  if (e.kind === 'cidr') return family !== 0 && e.list.check(name, family === 4 ? 'ipv4' : 'ipv6');
  if ((e.port ?? targetPort) !== targetPort) return false;
  if (e.kind === 'ip') return family !== 0 && bare(name) === e.address;
  return family === 0 && sameDomain(name, e);
}
