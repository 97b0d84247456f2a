// Issue 20, first request after start: before the port opens, one request travels the whole
// transport once, so the API server's first review does not pay for first-time work. A fresh
// process spends about 20 ms on its first HTTPS exchange (the server's first TLS handshake and
// Node's header checks, undici's first client and its llhttp WebAssembly, each function's first
// compile) before any review logic runs.
import net, { type AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import { Client } from 'undici';

export interface WarmUpOptions {
  /** The webhook's HTTPS server, routes registered, not listening yet. */
  server: Server;
  /** A path the server answers without side effects (no metrics, no logs): /livez. */
  path: string;
  /** Warm-up is an optimisation: past this, start-up goes on without it. */
  timeoutMs?: number;
}

/** What the warm-up did, for a debug line: never an error the caller has to handle. */
export type WarmUpResult = { ok: true; ms: number } | { ok: false; ms: number; reason: string };

/**
 * Sends GET `path` over TLS through `server` before it listens: a private loopback listener
 * hands each accepted socket to the server, which serves it as any connection (its TLS context,
 * its routes), and undici (the registry client's HTTP stack) is the client. The listener is
 * closed before this returns. Never throws and never takes longer than `timeoutMs`.
 */
export async function warmUp(options: WarmUpOptions): Promise<WarmUpResult> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  const relay = net.createServer((socket) => options.server.emit('connection', socket));
  let client: Client | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen({ host: '127.0.0.1', port: 0 }, resolve);
    });
    const { port } = relay.address() as AddressInfo;
    // Both ends are this process; nothing is sent but a GET of `path`. The serving certificate
    // names the Service, not 127.0.0.1, so it is not checked here.
    client = new Client(`https://127.0.0.1:${port}`, { connect: { rejectUnauthorized: false } });
    const answer = await client.request({
      method: 'GET',
      path: options.path,
      signal: AbortSignal.timeout(options.timeoutMs ?? 2_000),
    });
    await answer.body.dump();
    if (answer.statusCode !== 200)
      return { ok: false, ms: ms(), reason: `${options.path} answered ${answer.statusCode}` };
    return { ok: true, ms: ms() };
  } catch (err) {
    return { ok: false, ms: ms(), reason: err instanceof Error ? err.message : String(err) };
  } finally {
    relay.close();
    await client?.destroy().catch(() => {});
  }
}
