// A registry's own origin as the clouds serve it: ACR and Artifact Registry answer token requests
// on the registry's host (`/oauth2/token`, `/v2/token`) and ACR its `/oauth2/exchange` too. The
// harness's token server has its own port, so this front puts it (and any extra route) on the
// registry's origin and rewrites the challenge's realm to match; everything else is forwarded.
import type http from 'node:http';
import { listenLocal } from '../../harness/http.js';
import type { Registry } from '../../harness/index.js';
import { forward } from '../forward.js';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface RegistryFront {
  /** `127.0.0.1:PORT`: the registry as the service reaches it. */
  host: string;
  stop(): Promise<void>;
}

/** The bearer registry behind one origin: `realmPath` → its token server, `routes` served here. */
export async function startRegistryFront(
  registry: Registry,
  realmPath: string,
  routes: Record<string, Route> = {},
): Promise<RegistryFront> {
  const realm = new URL(registry.tokenServer!.realm);
  const front = await listenLocal((req, res) => {
    const path = req.url ?? '/';
    const route = routes[path.split('?')[0]!];
    if (route) return route(req, res);
    const rewrite = (c: string): string => c.replace(realm.href, `${front.url}${realmPath}`);
    if (path.startsWith(realmPath)) {
      const tokenPath = `${realm.pathname}${path.slice(realmPath.length)}`;
      return forward({ target: realm, path: tokenPath, rewrite }, req, res);
    }
    forward({ target: new URL(registry.url), path, rewrite }, req, res);
  });
  return { host: new URL(front.url).host, stop: front.close };
}
