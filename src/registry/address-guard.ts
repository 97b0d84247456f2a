import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { RegistryError } from './errors.js';

/**
 * Which non-public addresses the client may connect to. `false` (default): public addresses
 * only. `true`: also loopback and private ranges (RFC 1918, CGNAT, ULA). A list: exactly these
 * CIDRs or addresses besides public ones; the only way to reach link-local or metadata addresses.
 */
export type NetworkAllowance = boolean | readonly string[];

export type AddressClass =
  'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'reserved';

/** Resolves a host name to its addresses; injectable so tests can play DNS. */
export type HostResolver = (hostname: string) => Promise<string[]>;

function list(ranges: [string, number][]): BlockList {
  const bl = new BlockList();
  for (const [net, prefix] of ranges)
    bl.addSubnet(net, prefix, net.includes(':') ? 'ipv6' : 'ipv4');
  return bl;
}

// Checked in this order: the first class that contains the address wins.
const CLASSES: [AddressClass, BlockList][] = [
  [
    'metadata',
    list([
      ['169.254.169.254', 32],
      ['100.100.100.200', 32],
      ['fd00:ec2::254', 128],
    ]),
  ],
  [
    'unspecified',
    list([
      ['0.0.0.0', 8],
      ['::', 128],
    ]),
  ],
  [
    'loopback',
    list([
      ['127.0.0.0', 8],
      ['::1', 128],
    ]),
  ],
  [
    'link-local',
    list([
      ['169.254.0.0', 16],
      ['fe80::', 10],
    ]),
  ],
  [
    'private',
    list([
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      ['100.64.0.0', 10],
      ['fc00::', 7],
    ]),
  ],
  [
    'reserved',
    list([
      ['192.0.0.0', 24],
      ['198.18.0.0', 15],
      ['224.0.0.0', 4],
      ['240.0.0.0', 4],
      ['ff00::', 8],
      ['64:ff9b::', 96],
      ['2001:db8::', 32],
      ['100::', 64],
    ]),
  ],
];

/** `::ffff:1.2.3.4` and `::ffff:102:304` are IPv4 addresses in disguise. */
function unmap(ip: string): string {
  const m = /^::ffff:(?:0:)?(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(ip);
  if (!m) return ip;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

export function classifyAddress(address: string): AddressClass {
  const ip = unmap(address.replace(/^\[|\]$/g, ''));
  const family = isIP(ip);
  if (family === 0) return 'reserved';
  const type = family === 6 ? 'ipv6' : 'ipv4';
  for (const [cls, bl] of CLASSES) if (bl.check(ip, type)) return cls;
  return 'public';
}

function inAllowList(ip: string, allowance: readonly string[]): boolean {
  const bl = new BlockList();
  for (const entry of allowance) {
    const [net = '', prefix] = entry.split('/');
    const type = net.includes(':') ? 'ipv6' : 'ipv4';
    if (isIP(net) === 0) continue;
    if (prefix === undefined) bl.addAddress(net, type);
    else bl.addSubnet(net, Number(prefix), type);
  }
  return bl.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * What the guard knows of the host a connection is for: whether configuration names it, and how
 * a refusal should name the settings that would allow it.
 */
export interface GuardTarget {
  /** `host[:port]`, in the form the configuration lists name registries. */
  host: string;
  /**
   * Named by configuration (an insecure registry, a CA bundle, credentials): trusted wherever it
   * resolves among loopback and private addresses. Link-local, metadata, unspecified and
   * reserved addresses still need a CIDR of the allowance that names them.
   */
  configured?: boolean;
  /** An unconfigured token realm: public addresses only, whatever is configured. */
  publicOnly?: boolean;
  settings?: GuardSettings;
}

/** The settings a refusal names, as the composition root spells them (flags, chart values). */
export interface GuardSettings {
  /** Where a registry is named: "--insecure-registry, --registry-ca or --registry-credentials". */
  registries: string;
  /** Where ranges are allowed: "--allow-private-network". */
  networks: string;
}

/** The flags of both commands (`serve` adds its chart value); the options of the same names. */
export const DEFAULT_GUARD_SETTINGS: GuardSettings = {
  registries: '--insecure-registry, --registry-ca or --registry-credentials',
  networks: '--allow-private-network',
};

/** Whether the client may connect to this IP address under the allowance. */
export function isAddressAllowed(
  address: string,
  allowance: NetworkAllowance,
  configured = false,
): boolean {
  const ip = unmap(address.replace(/^\[|\]$/g, ''));
  const cls = classifyAddress(ip);
  if (cls === 'public') return true;
  if (configured && (cls === 'loopback' || cls === 'private')) return true;
  if (Array.isArray(allowance)) return inAllowList(ip, allowance);
  return allowance === true && (cls === 'loopback' || cls === 'private');
}

/** What would allow the address, for the refusal: naming the registry, or a CIDR. */
function remedy(cls: AddressClass, target: GuardTarget): string {
  if (target.publicOnly === true)
    return '; a token realm not configured for the registry must be on a public address';
  const s = target.settings ?? DEFAULT_GUARD_SETTINGS;
  if (cls === 'loopback' || cls === 'private')
    return `; name ${target.host} in ${s.registries}, or allow the range with ${s.networks}`;
  return `; only a CIDR that names it in ${s.networks} allows it`;
}

export function notAllowed(host: string, address: string, target?: GuardTarget): RegistryError {
  const cls = classifyAddress(address);
  const literal = host.replace(/^\[|\]$/g, '') === address;
  const shown = literal ? host : `${host} (${address})`;
  return new RegistryError(
    'NOT_ALLOWED',
    `registry not allowed: ${shown} is a ${cls} address and is not in the allowed networks` +
      (target ? remedy(cls, target) : ''),
  );
}

/** Throws NOT_ALLOWED for an IP-literal host the allowance refuses (names are checked at lookup). */
export function checkLiteralHost(
  hostname: string,
  allowance: NetworkAllowance,
  target?: GuardTarget,
): void {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0 && !isAddressAllowed(bare, allowance, target?.configured))
    throw notAllowed(hostname, bare, target);
}

export const systemResolver: HostResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * A `net.connect` lookup that resolves once and connects only to checked addresses, so a name
 * cannot pass the check and then rebind to another address. Any refused address refuses the name.
 */
export function guardedLookup(
  allowance: NetworkAllowance,
  resolver: HostResolver = systemResolver,
  target?: GuardTarget,
): LookupFunction {
  return (hostname, options, callback): void => {
    resolver(hostname).then(
      (addresses) => {
        const refused = addresses.find((a) => !isAddressAllowed(a, allowance, target?.configured));
        if (refused !== undefined) return callback(notAllowed(hostname, refused, target), []);
        if (addresses.length === 0) return callback(new Error(`no address for ${hostname}`), []);
        const all = addresses.map((address) => ({ address, family: isIP(address) }));
        if (options.all === true) return callback(null, all);
        return callback(null, all[0]!.address, all[0]!.family);
      },
      (err: Error) => callback(err, []),
    );
  };
}
