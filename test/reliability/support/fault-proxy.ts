// A plain-HTTP proxy in front of a real registry that injects the faults of reliability.md §5 C
// on command (latency, refusal, error statuses at a rate, 429 with Retry-After) and measures
// what the service did to the registry: every request with its answer, and the most TCP
// connections and requests it held open at once (the per-host socket cap of T-22).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type Fault =
  | { kind: 'pass' }
  /** Nothing listens: connections are refused (ECONNREFUSED). */
  | { kind: 'down' }
  /** GET and HEAD under /v2/ answered `status` with probability `rate` (default 1). */
  | { kind: 'status'; status: number; rate?: number; headers?: Record<string, string> };

export interface ProxiedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** The status the client got; 0 when the exchange broke. */
  status: number;
  /** Whether this proxy made the answer up (a fault), rather than the registry. */
  injected: boolean;
  at: number;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`: the registry host of image references through the proxy. */
  host: string;
  readonly requests: ProxiedRequest[];
  fault(f: Fault): Promise<void>;
  /** Delay before each request is forwarded (the registry's "latency"). */
  latency(ms: number): void;
  /** TCP connections open now, and the most open at once since the last `resetPeaks`. */
  sockets(): { open: number; peak: number; accepted: number };
  /** Requests being answered now, and the most at once since the last `resetPeaks`. */
  inFlight(): { now: number; peak: number };
  resetPeaks(): void;
  stop(): Promise<void>;
}

/** mulberry32: a seeded PRNG, so a run's fault pattern is reproducible from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(
  upstream: string,
  options: { seed?: number } = {},
): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const random = seeded(options.seed ?? 1);
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  let fault: Fault = { kind: 'pass' };
  let delay = 0;
  let peakSockets = 0;
  let accepted = 0;
  let inFlight = 0;
  let peakInFlight = 0;

  const record = (req: http.IncomingMessage, status: number, injected: boolean): void =>
    void requests.push({
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0]!,
      status,
      injected,
      at: Date.now(),
    });

  const injectedAnswer = (
    req: http.IncomingMessage,
  ): Extract<Fault, { kind: 'status' }> | undefined => {
    if (fault.kind !== 'status') return undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    if (!(req.url ?? '').startsWith('/v2/')) return undefined;
    return random() < (fault.rate ?? 1) ? fault : undefined;
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, done: () => void) => {
    const headers = { ...req.headers, host: target.host };
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      },
      (answer) => {
        record(req, answer.statusCode ?? 0, false);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', done);
      },
    );
    up.on('error', () => {
      record(req, 0, false);
      res.destroy();
      done();
    });
    req.pipe(up);
  };

  const server = http.createServer((req, res) => {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    let finished = false;
    const done = (): void => {
      if (!finished) inFlight--;
      finished = true;
    };
    res.on('close', done);
    void (async () => {
      if (delay > 0) await sleep(delay);
      const injected = injectedAnswer(req);
      if (!injected) return forward(req, res, done);
      req.resume();
      record(req, injected.status, true);
      const body = JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected fault' }] });
      res.writeHead(injected.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...injected.headers,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    })();
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    peakSockets = Math.max(peakSockets, sockets.size);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;

  return {
    host: `127.0.0.1:${port}`,
    requests,
    fault: async (f) => {
      const wasDown = fault.kind === 'down';
      fault = f;
      if (f.kind === 'down' && !wasDown) await close();
      if (f.kind !== 'down' && wasDown) await listen(port);
    },
    latency: (ms) => void (delay = ms),
    sockets: () => ({ open: sockets.size, peak: peakSockets, accepted }),
    inFlight: () => ({ now: inFlight, peak: peakInFlight }),
    resetPeaks: () => {
      peakSockets = sockets.size;
      peakInFlight = inFlight;
    },
    stop: async () => {
      await close();
      agent.destroy();
    },
  };
}
