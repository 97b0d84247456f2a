// Requests to a peer server as its real client sends them: HTTP/1.1 keep-alive over TLS 1.3,
// trusting the bench's serving CA. An answer counts only if it verified: an AdmissionReview
// `allowed` for this uid, or an external-data response whose every item `isSuccess`.
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { readFileSync } from 'node:fs';
import type { Body, Check, PeerServer } from './servers.js';
import type { PeerBench } from './setup.js';

export interface Target {
  url: string;
  path: string;
  /** PEM of the CA the serving certificate chains to. */
  ca: string;
  check: Check;
}

interface ProviderResponse {
  response?: {
    systemError?: string;
    items?: { key?: string; error?: string; value?: { isSuccess?: boolean } }[];
  };
}

/** Whether `text` (HTTP `status`) is a verified answer to the request with `uid`. */
export function verified(check: Check, status: number, text: string, uid: string): boolean {
  if (status !== 200) return false;
  if (check === 'admission') {
    const r = (JSON.parse(text) as { response?: { uid?: string; allowed?: boolean } }).response;
    return r?.allowed === true && r.uid === uid;
  }
  const r = (JSON.parse(text) as ProviderResponse).response;
  const items = r?.items ?? [];
  return !r?.systemError && items.length > 0 && items.every((i) => !i.error && i.value?.isSuccess);
}

export interface Answer {
  ok: boolean;
  ms: number;
  text: string;
}

export interface Client {
  send(body: Body): Promise<Answer>;
  close(): Promise<void>;
}

/** A pool of `connections` keep-alive connections to the target. */
export function client(t: Target, connections = 1): Client {
  const pool = new Pool(t.url, {
    connections,
    pipelining: 1,
    connect: { ca: t.ca, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' },
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
  });
  const headers = { 'content-type': 'application/json' };
  return {
    async send(body) {
      const uid = randomUUID();
      const payload = body.suffix === '' ? body.prefix : `${body.prefix}${uid}${body.suffix}`;
      const t0 = performance.now();
      try {
        const res = await pool.request({ path: t.path, method: 'POST', headers, body: payload });
        const text = await res.body.text();
        const ms = performance.now() - t0;
        return { ok: verified(t.check, res.statusCode, text, uid), ms, text };
      } catch (err) {
        const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        return { ok: false, ms: performance.now() - t0, text };
      }
    },
    close: () => pool.close(),
  };
}

/** The TLS version and cipher a fresh connection to the target negotiates. */
export async function negotiated(t: Target): Promise<string> {
  const { connect } = await import('node:tls');
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ca: t.ca }, () => {
      const cipher = socket.getCipher();
      resolve(`${socket.getProtocol() ?? '?'} ${cipher.standardName}`);
      socket.end();
    });
    socket.once('error', reject);
  });
}

export const target = (b: PeerBench, s: PeerServer): Target => ({
  url: s.url,
  path: s.path,
  ca: readFileSync(b.tls.caPath, 'utf8'),
  check: s.check,
});

/** Sends one request verifying `refs` on a keep-alive connection; throws unless verified. */
export type Verify = (refs: string[]) => Promise<number>;

/** Runs `fn` with a one-connection client of `s`; each call resolves to its latency in ms. */
export async function withClient<T>(
  b: PeerBench,
  s: PeerServer,
  fn: (verify: Verify) => Promise<T>,
): Promise<T> {
  const c = client(target(b, s));
  try {
    return await fn(async (refs) => {
      const a = await c.send(s.body(refs));
      if (!a.ok) throw new Error(`${s.name}: ${refs.join(' ')}: ${a.text.slice(0, 300)}`);
      return a.ms;
    });
  } finally {
    await c.close();
  }
}

/** Sends `n` requests one after another; throws unless every one verified. */
export const sendOk = (b: PeerBench, s: PeerServer, refs: string[], n = 1): Promise<void> =>
  withClient(b, s, async (verify) => {
    for (let i = 0; i < n; i++) await verify(refs);
  });
