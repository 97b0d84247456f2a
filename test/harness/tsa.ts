import { writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listenLocal, readBody } from './http.js';
import { openssl } from './openssl.js';
import { makePki, type KeySpec, type Pki } from './pki.js';
import { makeWorkdir } from './workdir.js';

export interface Tsa {
  /** POST RFC 3161 TimeStampReq here (application/timestamp-query). */
  url: string;
  /** The TSA's PKI: `pki.root.certPath` goes into a `tsa` trust store. */
  pki: Pki;
  readonly requests: number;
  stop(): Promise<void>;
}

function tsaConfig(dir: string, pki: Pki): string {
  return `[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = ${dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = ${pki.leaf.certPath}
signer_key = ${pki.leaf.keyPath}
certs = ${pki.chainPath}
signer_digest = sha256
default_policy = 1.3.6.1.4.1.4146.2.3
other_policies = 1.3.6.1.4.1.4146.2.2
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;
}

/**
 * A local RFC 3161 time-stamping authority: a small HTTP front end on `openssl ts -reply`,
 * with its own root → intermediate → TSA leaf (EKU timeStamping, critical).
 */
export async function startTsa(options: { key?: KeySpec } = {}): Promise<Tsa> {
  const dir = makeWorkdir('tsa');
  const pki = await makePki({
    key: options.key ?? 'rsa-3072',
    name: 'Test TSA',
    leaf: { profile: 'timeStamping' },
  });
  writeFileSync(path.join(dir, 'tsaserial'), '01\n');
  const config = path.join(dir, 'tsa.cnf');
  writeFileSync(config, tsaConfig(dir, pki));
  let seq = 0;
  const reply = async (query: Buffer): Promise<Buffer> => {
    const n = ++seq;
    const queryFile = path.join(dir, `q-${n}.tsq`);
    const replyFile = path.join(dir, `r-${n}.tsr`);
    await writeFile(queryFile, query);
    await openssl(['ts', '-reply', '-config', config, '-queryfile', queryFile, '-out', replyFile]);
    return readFile(replyFile);
  };
  const http = await listenLocal((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    readBody(req)
      .then(reply)
      .then(
        (der) => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(der),
        (err: Error) => res.writeHead(400, { 'content-type': 'text/plain' }).end(err.message),
      );
  });
  return {
    url: http.url,
    pki,
    get requests() {
      return seq;
    },
    stop: http.close,
  };
}
