// A plain-HTTP front for a real kube-apiserver that can hold back chosen requests (a watch that
// never delivers an event: an informer that lags forever) and records the others, with a
// kubeconfig for it. How a test makes "the informer has not seen this yet" certain, not a race.
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { listenLocal } from '../harness/http.js';

export interface KubeProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every forwarded request: method, path with query, status. */
  requests: { method: string; path: string; status: number }[];
  /** Requests held open so far (never answered until `stop()`). */
  held: () => number;
  /** A kubeconfig pointing at the proxy (the proxy authenticates upstream). */
  kubeconfigPath: string;
  stop(): Promise<void>;
}

/**
 * Starts the proxy in front of the API server of `kubeconfigPath` (client-certificate auth).
 * `hold(method, path)` picks the requests that are accepted and never answered.
 */
export async function startKubeProxy(options: {
  kubeconfigPath: string;
  dir: string;
  hold: (method: string, path: string) => boolean;
}): Promise<KubeProxy> {
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfigPath);
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const upstream = new URL(cluster.server);
  const agent = new https.Agent({
    ca: readFileSync(cluster.caFile!),
    cert: readFileSync(user.certFile!),
    key: readFileSync(user.keyFile!),
    keepAlive: true,
  });
  const requests: KubeProxy['requests'] = [];
  let held = 0;
  const server = await listenLocal((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    if (options.hold(method, url)) {
      held++;
      return; // closed by stop()
    }
    const forward = https.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method,
        path: url,
        headers: { ...req.headers, host: upstream.host },
        agent,
      },
      (up) => {
        requests.push({ method, path: url, status: up.statusCode ?? 0 });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  const kubeconfigPath = path.join(options.dir, 'proxy-kubeconfig');
  writeFileSync(
    kubeconfigPath,
    `apiVersion: v1
kind: Config
clusters:
- name: proxy
  # client-node speaks plain HTTP only with this set (there is no TLS to verify).
  cluster: {server: "${server.url}", insecure-skip-tls-verify: true}
users:
- name: proxied
  user: {}
contexts:
- name: proxy
  context: {cluster: proxy, user: proxied, namespace: default}
current-context: proxy
`,
  );
  return {
    url: server.url,
    requests,
    held: () => held,
    kubeconfigPath,
    async stop() {
      await server.close();
      agent.destroy();
    },
  };
}
