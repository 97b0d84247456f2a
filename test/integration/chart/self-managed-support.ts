// What the self-managed TLS test does to the harness control plane besides kubectl: the chart's
// ServiceAccount as a kubeconfig (so the service runs with the chart's RBAC), dry-run Pod
// creations through the API server (which calls the webhook), the caBundle the API server holds,
// the leaf a replica presents to a fresh handshake that trusts that bundle, a watch that runs
// late, and a readiness gate in front of a replica (a Service leaves unready pods out).
import { readFileSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { load } from 'js-yaml';
import type { ControlPlane } from '../../harness/controlplane.js';
import { httpRequest, listenLocal } from '../../harness/http.js';

export interface AccountKubeconfig {
  /** The ServiceAccount's namespace and name. */
  ns: string;
  account: string;
  /** Where the file is written. */
  dir: string;
  /** A URL to talk to (a lagging front, below) instead of the API server. */
  server?: string;
}

/** A kubeconfig with a token of the ServiceAccount: the service gets its RBAC only. */
export async function serviceAccountKubeconfig(
  cp: ControlPlane,
  { ns, account, dir, server }: AccountKubeconfig,
): Promise<string> {
  const created = await cp.kubectl(['create', 'token', account, '-n', ns, '--duration=1h']);
  if (created.code !== 0) throw new Error(`kubectl create token: ${created.stderr}`);
  const file = path.join(
    dir,
    `${account}-${server === undefined ? 'direct' : 'lagging'}.kubeconfig`,
  );
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'h',
          cluster:
            server === undefined
              ? { server: cp.url, 'certificate-authority': cp.caPath }
              : { server, 'insecure-skip-tls-verify': true }, // plain HTTP on loopback
        },
      ],
      users: [{ name: account, user: { token: created.stdout.trim() } }],
      contexts: [{ name: 'h', context: { cluster: 'h', user: account } }],
      'current-context': 'h',
    }),
  );
  return file;
}

export type Outcome = 'admitted' | 'denied' | 'failed';

export interface ApiServer {
  /** A dry-run Pod creation in `default` (the API server calls both webhooks). */
  createPod(image: string): Promise<{ outcome: Outcome; message: string }>;
  /** The caBundle (PEM) of a webhook configuration as the API server stores it. */
  caBundle(kind: 'validating' | 'mutating', name: string): Promise<string>;
}

/** Direct HTTPS calls to the control plane with its admin client certificate. */
export function apiServer(cp: ControlPlane): ApiServer {
  const config = load(readFileSync(cp.kubeconfigPath, 'utf8')) as {
    users: { user: { 'client-certificate': string; 'client-key': string } }[];
  };
  const user = config.users[0]!.user;
  const auth = {
    ca: readFileSync(cp.caPath),
    cert: readFileSync(user['client-certificate']),
    key: readFileSync(user['client-key']),
    timeoutMs: 20_000,
  };
  let n = 0;
  return {
    async createPod(image) {
      const body = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `load-${++n}` },
        spec: { containers: [{ name: 'app', image }] },
      });
      const res = await httpRequest(`${cp.url}/api/v1/namespaces/default/pods?dryRun=All`, {
        ...auth,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).catch((err: unknown) => ({ status: 0, body: Buffer.from(String(err)) }));
      const text = res.body.toString('utf8');
      const message = (JSON.parse(text.startsWith('{') ? text : '{}') as { message?: string })
        .message;
      if (res.status === 201) return { outcome: 'admitted', message: '' };
      const denied = res.status === 403 && /denied the request/.test(message ?? '');
      return { outcome: denied ? 'denied' : 'failed', message: message ?? text };
    },
    async caBundle(kind, name) {
      const plural = `${kind}webhookconfigurations`;
      const res = await httpRequest(
        `${cp.url}/apis/admissionregistration.k8s.io/v1/${plural}/${name}`,
        auth,
      );
      const object = JSON.parse(res.body.toString('utf8')) as {
        webhooks?: { clientConfig: { caBundle?: string } }[];
      };
      const b64 = object.webhooks?.[0]?.clientConfig.caBundle ?? '';
      return Buffer.from(b64, 'base64').toString('utf8');
    },
  };
}

/**
 * The SHA-256 fingerprint of the leaf `port` presents to a new handshake that trusts only `ca`
 * and checks 127.0.0.1 (as the API server does for a URL clientConfig); rejects when it fails.
 */
export function servedLeaf(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['http/1.1'] }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error('handshake timeout')));
    socket.once('error', reject);
  });
}

/** Waits until `check` is true (polling every 50 ms), or throws after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A plain-HTTP front of the API server that passes requests on as they are (the client's token
 * included) and holds every chunk of the watch streams `lags` picks for `lagMs` before passing
 * it on: a replica whose view of the Secret runs late, as one behind a slow watch would.
 */
export async function startLaggingApi(
  cp: ControlPlane,
  lagMs: number,
  lags: (path: string) => boolean,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const upstream = new URL(cp.url);
  const agent = new https.Agent({ ca: readFileSync(cp.caPath), keepAlive: true });
  const later = (f: () => void, lagging: boolean) => (lagging ? setTimeout(f, lagMs) : f());
  const front = await listenLocal((req: http.IncomingMessage, res: http.ServerResponse) => {
    const lagging = lags(req.url ?? '/');
    const out = https.request({
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
      agent,
    });
    out.on('response', (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (chunk: Buffer) => later(() => res.write(chunk), lagging));
      up.on('end', () => later(() => res.end(), lagging));
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  return {
    url: front.url,
    stop: async () => {
      front.server.closeAllConnections();
      agent.destroy();
      await front.close();
    },
  };
}

/**
 * A Service endpoint that appears only once its pod is ready: nothing listens on `port` until
 * `open()`, so a balancer moves connections on (refused), as kube-proxy leaves an unready pod out;
 * then every connection is passed to `target`.
 */
export function readinessGate(port: number, target: number) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect({ host: '127.0.0.1', port: target });
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => void [client, up].forEach((x) => x.destroy()));
    }
    client.pipe(up);
    up.pipe(client);
  });
  return {
    open: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
