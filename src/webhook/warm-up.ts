// Issue 20, first request after start: before the port opens, one request travels the server's
// whole transport once, so the API server's first review does not pay for first-time work: the
// first TLS handshake, the first request parsed and answered through Fastify, Node's header
// checks, each function's first compile. The client is Node's own HTTPS client, not undici:
// undici's first connection compiles its WebAssembly parser, about 3 MiB that would then sit in
// every idle replica (measured: bench/README.md); the first registry request pays for it instead.
import net, { type AddressInfo, type Socket } from 'node:net';
import https, { type Server } from 'node:https';

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
 * its routes). The listener and its connections are closed before this returns. Never throws
 * and never takes much longer than `timeoutMs`.
 */
export async function warmUp(options: WarmUpOptions): Promise<WarmUpResult> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  const relayed = new Set<Socket>();
  const relay = net.createServer((socket) => {
    relayed.add(socket);
    socket.once('close', () => relayed.delete(socket));
    options.server.emit('connection', socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen({ host: '127.0.0.1', port: 0 }, resolve);
    });
    const { port } = relay.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const request = https.get(
        {
          host: '127.0.0.1',
          port,
          path: options.path,
          agent: false,
          // Both ends are this process. The serving certificate names the Service, not
          // 127.0.0.1, so it is not checked; no CA list either (the system roots stay unloaded).
          rejectUnauthorized: false,
          ca: [],
          signal: AbortSignal.timeout(options.timeoutMs ?? 2_000),
        },
        (answer) => {
          answer.resume();
          answer.once('end', () => resolve(answer.statusCode ?? 0));
          answer.once('error', reject);
        },
      );
      request.once('error', reject);
    });
    if (status !== 200)
      return { ok: false, ms: ms(), reason: `${options.path} answered ${status}` };
    return { ok: true, ms: ms() };
  } catch (err) {
    return { ok: false, ms: ms(), reason: err instanceof Error ? err.message : String(err) };
  } finally {
    // Gone before the port opens: no listener, and no connection a client could keep using.
    const closed = new Promise((resolve) => relay.close(resolve));
    for (const socket of relayed) socket.destroy();
    await closed;
  }
}
