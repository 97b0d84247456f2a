import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listenLocal, readBody } from './http.js';
import { openssl } from './openssl.js';
import { makeWorkdir } from './workdir.js';

/** CRLs over HTTP, read from disk on each request so a revocation shows at once. */
export interface CrlServer {
  url: string;
  /**
   * Serves `file` (DER) at `<url>/<name>.crl` and returns that URL; `refresh`, when given, runs
   * before each request is answered (a CRL issued afresh, with a short nextUpdate).
   */
  publish(name: string, file: string, refresh?: () => Promise<void>): string;
  /** Paths requested so far. */
  readonly requests: readonly string[];
  /** When true, every request gets a 503 (a CRL endpoint that is down). */
  failing: boolean;
  stop(): Promise<void>;
}

export async function serveCrl(): Promise<CrlServer> {
  const files = new Map<string, string>();
  const refreshes = new Map<string, () => Promise<void>>();
  const requests: string[] = [];
  const state = { failing: false };
  const http = await listenLocal((req, res) => {
    requests.push(req.url ?? '');
    const file = files.get(req.url ?? '');
    if (state.failing || file === undefined) {
      res.writeHead(state.failing ? 503 : 404).end();
      return;
    }
    (refreshes.get(req.url ?? '')?.() ?? Promise.resolve())
      .then(() => readFile(file))
      .then(
        (der) => res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(der),
        () => res.writeHead(500).end(),
      );
  });
  return {
    url: http.url,
    publish(name, file, refresh) {
      files.set(`/${name}.crl`, file);
      if (refresh) refreshes.set(`/${name}.crl`, refresh);
      return `${http.url}/${name}.crl`;
    },
    requests,
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    stop: http.close,
  };
}

export interface OcspCa {
  certPath: string;
  keyPath: string;
  /** The CA's openssl database (index.txt); revocations recorded there are answered at once. */
  indexPath: string;
}

/** An OCSP responder: each request is answered by `openssl ocsp` from the CA's database. */
export interface OcspResponder {
  url: string;
  /** Answers for `ca` at `<url>/<name>` and returns that URL. */
  register(name: string, ca: OcspCa): string;
  readonly requests: readonly string[];
  failing: boolean;
  stop(): Promise<void>;
}

/** The DER OCSP request of a GET (RFC 6960 appendix A.1) or a POST. */
function ocspRequestBytes(method: string | undefined, rest: string, body: Buffer): Buffer {
  if (method === 'POST') return body;
  return Buffer.from(decodeURIComponent(rest), 'base64');
}

export async function startOcspResponder(): Promise<OcspResponder> {
  const dir = makeWorkdir('ocsp');
  const cas = new Map<string, OcspCa>();
  const requests: string[] = [];
  const state = { failing: false };
  let seq = 0;
  const answer = async (name: string, request: Buffer): Promise<Buffer> => {
    const ca = cas.get(name);
    if (!ca) throw new Error(`no CA registered as ${name}`);
    const n = ++seq;
    const reqFile = path.join(dir, `req-${n}.der`);
    const respFile = path.join(dir, `resp-${n}.der`);
    await writeFile(reqFile, request);
    await openssl([
      'ocsp',
      '-index',
      ca.indexPath,
      '-CA',
      ca.certPath,
      '-rsigner',
      ca.certPath,
      '-rkey',
      ca.keyPath,
      // No embedded certificate: the CA signs directly. With one, Go's OCSP client would
      // treat the CA's own certificate as a delegated responder and reject it.
      '-resp_no_certs',
      '-reqin',
      reqFile,
      '-respout',
      respFile,
      '-ndays',
      '1',
    ]);
    return readFile(respFile);
  };
  const http = await listenLocal((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const [, name = '', ...rest] = (req.url ?? '').split('/');
    if (state.failing) {
      res.writeHead(503).end();
      return;
    }
    readBody(req)
      .then((body) => answer(name, ocspRequestBytes(req.method, rest.join('/'), body)))
      .then(
        (der) => res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(der),
        (err: Error) => res.writeHead(400, { 'content-type': 'text/plain' }).end(err.message),
      );
  });
  return {
    url: http.url,
    register(name, ca) {
      cas.set(name, ca);
      return `${http.url}/${name}`;
    },
    requests,
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    stop: http.close,
  };
}
