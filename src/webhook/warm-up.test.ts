import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { buildApp } from './app.js';
import { httpsServerOptions, placeholderTls } from './tls/index.js';
import { warmUp } from './warm-up.js';

async function webhook(ready = true) {
  const reviews: unknown[] = [];
  const built = buildApp({
    handleReview: (input) => {
      reviews.push(input);
      return Promise.reject(new Error('a warm-up must not reach the review handler'));
    },
    logger: createLogger({ level: 'silent' }),
    ready: () => ready,
    https: httpsServerOptions(await placeholderTls(['127.0.0.1'])),
  });
  await built.app.ready();
  const seen: string[] = [];
  built.app.server.on('request', (r: IncomingMessage) => seen.push(`${r.method} ${r.url}`));
  return { app: built.app, server: built.app.server as unknown as https.Server, reviews, seen };
}

/**
 * TCP sockets this process holds in LISTEN state, from the kernel's tables: the warm-up's
 * loopback listener must not outlive it (Node's own resource list keeps a closed handle a while).
 */
function listeners(): number {
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode) mine.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  let n = 0;
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6'])
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && f[9] !== undefined && mine.has(f[9])) n++;
    }
  return n;
}

const connections = (server: https.Server): Promise<number> =>
  new Promise((resolve, reject) =>
    server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );

describe('warmUp', () => {
  describe('with the webhook not listening yet', () => {
    it('serves one GET through the server over TLS, reaches no review, and leaves nothing open', async () => {
      const { app, server, reviews, seen } = await webhook();
      const before = listeners();
      const result = await warmUp({ server, path: '/livez' });
      expect(listeners()).toBe(before);
      expect(result).toMatchObject({ ok: true });
      expect(seen).toEqual(['GET /livez']);
      expect(reviews).toEqual([]);
      expect(server.listening).toBe(false);
      for (let i = 0; i < 50 && (await connections(server)) > 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(await connections(server)).toBe(0);
      await app.close();
    });
  });

  describe('when the path is not answered 200', () => {
    it('reports the status and does not throw', async () => {
      const { app, server } = await webhook(false);
      const result = await warmUp({ server, path: '/readyz' });
      expect(result).toMatchObject({ ok: false, reason: '/readyz answered 503' });
      await app.close();
    });
  });

  describe('when the server never answers', () => {
    it('gives up after its timeout: start-up goes on without it', async () => {
      const tls = httpsServerOptions(await placeholderTls(['127.0.0.1']));
      const silent = https.createServer(tls, () => {
        // never answers
      });
      const started = Date.now();
      const before = listeners();
      const result = await warmUp({ server: silent, path: '/livez', timeoutMs: 200 });
      expect(result.ok).toBe(false);
      expect(listeners()).toBe(before); // a local process cannot reach the server through it
      expect(Date.now() - started).toBeLessThan(2_000);
      silent.closeAllConnections();
    });
  });
});
