// A local GCE/GKE metadata server: the service account's access token at the documented path,
// only to requests that carry `Metadata-Flavor: Google`, answered with that header too.
import { listenLocal } from '../../harness/http.js';

export interface FakeMetadata {
  /** `127.0.0.1:PORT`, as GCE_METADATA_HOST names it. */
  host: string;
  calls: number;
  /**
   * `ok`; `unbound`: no service account for the pod (GKE answers 404); `endless`: a hostile one
   * that answers 200 and streams its body until the client hangs up.
   */
  mode: 'ok' | 'unbound' | 'endless';
  /** Endless answers whose connection the client closed. */
  hungUp: number;
  /** The `expires_in` (seconds) of the token it hands out; 0 or less: one already expired. */
  expiresIn: number;
  stop(): Promise<void>;
}

const TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';

export async function startFakeMetadata(o: {
  accessToken: string;
  expiresIn?: number;
}): Promise<FakeMetadata> {
  const state = {
    calls: 0,
    hungUp: 0,
    mode: 'ok' as FakeMetadata['mode'],
    expiresIn: o.expiresIn ?? 3599,
  };
  const server = await listenLocal((req, res) => {
    state.calls++;
    if (req.headers['metadata-flavor'] !== 'Google') {
      res.writeHead(403).end('Missing Metadata-Flavor:Google header.');
      return;
    }
    if (req.url !== TOKEN_PATH || state.mode === 'unbound') {
      res.writeHead(404, { 'metadata-flavor': 'Google' }).end('Not Found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'metadata-flavor': 'Google' });
    if (state.mode === 'endless') {
      const chunk = Buffer.alloc(16 * 1024, ' ');
      const more = (): void => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', more);
      res.once('close', () => state.hungUp++);
      res.write('{"access_token":"');
      more();
      return;
    }
    res.end(
      JSON.stringify({
        access_token: o.accessToken,
        expires_in: state.expiresIn,
        token_type: 'Bearer',
      }),
    );
  });
  return Object.assign(state, { host: new URL(server.url).host, stop: server.close });
}
