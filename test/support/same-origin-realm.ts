import { readFile } from 'node:fs/promises';
import { listenLocal } from '../harness/http.js';
import { makeServingCert } from '../harness/pki.js';
import { forward } from './forward.js';

export interface SameOriginFront {
  /** `https://127.0.0.1:PORT` (`http://` in plain HTTP): the registry's origin, and its realm's. */
  url: string;
  /** `127.0.0.1:PORT`, the host part of image references. */
  host: string;
  port: number;
  /** Every request the front answered, `METHOD /path?query` (token requests start `GET /token`). */
  readonly requests: readonly string[];
  /** TCP connections clients opened to the front. */
  connections: () => number;
  stop: () => Promise<void>;
}

export interface SameOriginRealm extends SameOriginFront {
  /** PEM file of the CA of the front's TLS certificate (what `--registry-ca` takes). */
  caPath: string;
}

/**
 * A bearer registry with its token realm on its own origin (as ghcr.io, quay.io or Harbor serve
 * it), over https: `/token` goes to the harness's token server, everything else to the registry,
 * and the challenge's realm is rewritten to `<front>/token`. `serve` sends credentials to no
 * other realm (it has no flag to configure one) and asks an unconfigured realm only on a public
 * address, so a harness bearer registry (its realm a plain-HTTP server of its own) is reached
 * through this front. The front records each request and counts the connections it accepts.
 */
export async function startSameOriginRealm(
  registryUrl: string,
  tokenRealm: string,
): Promise<SameOriginRealm> {
  const tls = await makeServingCert();
  const front = await startFront(registryUrl, tokenRealm, {
    cert: await readFile(tls.certPath),
    key: await readFile(tls.keyPath),
  });
  return { ...front, caPath: tls.caPath };
}

/** The same front over plain HTTP, as the harness registries serve (for `--insecure-registry`). */
export function startPlainSameOriginRealm(
  registryUrl: string,
  tokenRealm: string,
): Promise<SameOriginFront> {
  return startFront(registryUrl, tokenRealm);
}

async function startFront(
  registryUrl: string,
  tokenRealm: string,
  tls?: { cert: Buffer; key: Buffer },
): Promise<SameOriginFront> {
  const realm = new URL(tokenRealm);
  const registry = new URL(registryUrl);
  if (realm.protocol !== 'http:' || registry.protocol !== 'http:')
    throw new Error('the front forwards to plain-HTTP upstreams only');
  const requests: string[] = [];
  let origin = '';
  const rewrite = (challenge: string): string => challenge.replace(tokenRealm, `${origin}/token`);
  const front = await listenLocal((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const url = req.url ?? '/';
    const toToken = url.startsWith('/token');
    const path = toToken ? `${realm.pathname}${url.slice('/token'.length)}` : url;
    forward({ target: toToken ? realm : registry, path, rewrite }, req, res);
  }, tls);
  origin = front.url;
  let connections = 0;
  front.server.on('connection', () => connections++);
  return {
    url: front.url,
    host: new URL(front.url).host,
    port: front.port,
    requests,
    connections: () => connections,
    stop: front.close,
  };
}
