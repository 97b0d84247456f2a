// Registry hosts in their one normal form (architecture.md, standing decision 9).
//
// The WHATWG URL parser (`new URL('https://' + authority)`) does what it does for a browser:
// lower-cases the name, writes IPv4 in dotted decimal (also `127.1`, `0x7f000001`,
// `017700000001`), writes IPv6 in its compressed RFC 5952 form, reads the port as a number
// (`05000` is `5000`) and leaves out https's default `:443`. It is also lenient where we must not
// be: it takes userinfo, paths, percent-escapes, `_`, empty labels and non-ASCII and drops or
// rewrites them. So a strict grammar comes first (ASCII letters, digits and hyphens, labels as in
// distribution/reference, an optional trailing dot, or a bracketed IPv6 literal; a port of digits),
// and after the parser we add what it does not do: drop the trailing dot, refuse port 0 and
// IPv4-mapped IPv6 (`[::ffff:127.0.0.1]` is 127.0.0.1 by another name), and fold Docker Hub's
// aliases into `docker.io`.

/** A normal form, or why there is none (a sentence for an error message). */
export type Normalised<T> = { ok: true; value: T } | { ok: false; reason: string };

export const DOCKER_HUB = 'docker.io';
/** Names of Docker Hub's registry that reach the same repositories as `docker.io`. */
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io']);

const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const AUTHORITY = new RegExp(
  `^(${LABEL}(?:\\.${LABEL})*\\.?|\\[[0-9a-fA-F:.]+\\])(?::([0-9]{1,10}))?$`,
);
/** What the parser may hand back for input that passed AUTHORITY (checked, not assumed). */
const PARSED_HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:]+\])$/;
const IPV4_MAPPED = /^\[::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}\]$/;
const MAX_LENGTH = 255;
const HTTPS_PORT = 443;
const HTTP_PORT = 80;

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

const show = (input: string): string =>
  JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input);

interface Authority {
  /** The normal form. */
  host: string;
  /** The port the input wrote, if any (before `:443` was left out). */
  port: number | undefined;
}

const ok = (host: string, port: number | undefined): Normalised<Authority> => ({
  ok: true,
  value: { host, port },
});

/** The input by the strict grammar, with its port checked: what the URL parser may see. */
function checkGrammar(input: string): Normalised<number | undefined> {
  const match = input.length <= MAX_LENGTH ? AUTHORITY.exec(input) : null;
  if (!match) return fail(`${show(input)} is not a registry host[:port]`);
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535))
    return fail(`${show(input)} has a port outside 1-65535`);
  return { ok: true, value: port };
}

// Every image of every review names its host, twice (its reference, then its policy's scope):
// the URL parser was one of a warm review's largest items of our own (issue 20). An answer is a
// pure function of the input's exact spelling, so it is remembered, for at most MEMO_MAX inputs
// (all forgotten at once beyond that: a Pod spec naming thousands of hosts costs what it did),
// and frozen, since every caller shares it.
const MEMO_MAX = 512;
const memo = new Map<string, Normalised<Authority>>();

function parseAuthority(input: string): Normalised<Authority> {
  const known = memo.get(input);
  if (known !== undefined) return known;
  const parsed = parseUncached(input);
  if (parsed.ok) Object.freeze(parsed.value);
  Object.freeze(parsed);
  if (input.length <= MAX_LENGTH) {
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(input, parsed);
  }
  return parsed;
}

function parseUncached(input: string): Normalised<Authority> {
  const port = checkGrammar(input);
  if (!port.ok) return port;
  let url: URL;
  try {
    url = new URL(`https://${input}`);
  } catch {
    return fail(`${show(input)} is not a valid host name or IP address`);
  }
  if (!PARSED_HOST.test(url.hostname)) return fail(`${show(input)} is not a registry host`);
  if (IPV4_MAPPED.test(url.hostname))
    return fail(`${show(input)} is an IPv4-mapped IPv6 address: write the IPv4 address`);
  const hostname = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
  if (url.port === '' && DOCKER_HUB_ALIASES.has(hostname)) return ok(DOCKER_HUB, port.value);
  return ok(url.port === '' ? hostname : `${hostname}:${url.port}`, port.value);
}

/**
 * The normal form of a registry `host[:port]`: lower case, no trailing dot, IPv4 in dotted
 * decimal, IPv6 compressed in brackets, the port a plain number with `:443` left out (images are
 * pulled over https), Docker Hub as `docker.io`. `Registry.Example.com:443` and
 * `registry.example.com.` are `registry.example.com`; `localhost:05000` is `localhost:5000`.
 */
export function normaliseHost(input: string): Normalised<string> {
  const parsed = parseAuthority(input);
  return parsed.ok ? { ok: true, value: parsed.value.host } : parsed;
}

/**
 * A registry reached over plain HTTP (`--insecure-registry`), in the same normal form, so that
 * it meets references as they are: `localhost:80` stays `localhost:80` (port 80 named), and
 * `localhost` is port 80 too, because http's default is 80. Port 443 is refused: the normal form
 * leaves `:443` out, so no reference could name plain HTTP on 443 apart from the host itself.
 */
export function normalisePlainHttpHost(input: string): Normalised<string> {
  const parsed = parseAuthority(input);
  if (!parsed.ok) return parsed;
  if (parsed.value.port === HTTPS_PORT)
    return fail(
      `${show(input)}: plain HTTP on port 443 cannot be named (the normal form leaves :443 out, so "${parsed.value.host}" means https or port 80)`,
    );
  return { ok: true, value: parsed.value.host };
}

/**
 * Plain-HTTP registries, normalised and de-duplicated. `host` and `host:80` are refused together:
 * over plain HTTP both reach one server, and one server must have one name (else two scopes).
 */
export function normalisePlainHttpHosts(inputs: readonly string[]): Normalised<string[]> {
  const hosts = new Set<string>();
  for (const input of inputs) {
    const host = normalisePlainHttpHost(input);
    if (!host.ok) return host;
    hosts.add(host.value);
  }
  for (const host of hosts) {
    const bare = host.endsWith(`:${HTTP_PORT}`) ? host.slice(0, -3) : undefined;
    if (bare !== undefined && hosts.has(bare))
      return fail(
        `"${bare}" and "${host}" name the same plain-HTTP registry: list it once, as Pods name it`,
      );
  }
  return { ok: true, value: [...hosts] };
}
