// One request passed on to a plain-HTTP upstream with the challenge's token realm rewritten: what
// the fronts that put a registry's token server on the registry's own origin share
// (same-origin-realm.ts, clouds/registry-front.ts).
import http from 'node:http';

export interface Upstream {
  /** The upstream's origin (plain HTTP). */
  target: URL;
  /** The path and query to ask it for. */
  path: string;
  /** The `WWW-Authenticate` challenge as the client should see it. */
  rewrite: (challenge: string) => string;
}

/** Forwards `req` to the upstream and its answer to `res` (502 when the upstream is unreachable). */
export function forward(
  { target, path, rewrite }: Upstream,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const up = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path,
      headers: { ...req.headers, host: target.host },
    },
    (answer) => {
      const challenge = answer.headers['www-authenticate'];
      if (challenge) answer.headers['www-authenticate'] = rewrite(challenge);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  up.on('error', () => res.writeHead(502).end());
  req.pipe(up);
}
