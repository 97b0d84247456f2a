// T-56 (reliability.md §5 H) whole-suite secret hygiene for `--registry-credentials`: the service
// at debug log level verifies through a basic-auth olareg (directly and through a fault proxy that
// fails, rate limits, stalls and goes down), a bearer-auth distribution (its token realm on the
// registry's origin, so credentials go there), and a registry for which it holds a wrong password;
// for validate, mutate and malformed requests. Every log line, every answer the API server would
// show (messages, warnings, audit annotations, patches, errors) and /metrics are then searched for
// the credentials, their encodings, issued tokens, and Authorization/Bearer/password/token strings.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/telemetry/index.js';
import { listenLocal } from '../harness/http.js';
import {
  makePki,
  notationSign,
  pushImage,
  startRegistry,
  type Pki,
  type PushedImage,
  type Registry,
} from '../harness/index.js';
import type { Outcome } from '../support/api-server.js';
import { podReview } from '../support/reviews.js';
import { startTestService, type TestService } from '../support/service.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { metric } from './support/metrics.js';

const WRONG_PASSWORD = 'wrong-Pa55word-that-must-not-leak';

/** The registry with its token realm on its own origin (`/token`), the challenge rewritten. */
async function sameOriginRealm(registryUrl: string, tokenRealm: string) {
  const realm = new URL(tokenRealm);
  const front = await listenLocal((req, res) => {
    const toToken = (req.url ?? '').startsWith('/token');
    const target = toToken ? realm : new URL(registryUrl);
    const at = toToken ? `${realm.pathname}${(req.url ?? '').slice('/token'.length)}` : req.url;
    const forward = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: at,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        const challenge = up.headers['www-authenticate'];
        if (challenge)
          up.headers['www-authenticate'] = challenge.replace(tokenRealm, `${front.url}/token`);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  return { host: new URL(front.url).host, close: front.close };
}

const auth = (user: string, password: string) => ({
  username: user,
  password,
  auth: Buffer.from(`${user}:${password}`).toString('base64'),
});

let pki: Pki;
let basic: Registry;
let bearer: Registry;
let locked: Registry;
let front: Awaited<ReturnType<typeof sameOriginRealm>>;
let proxy: FaultProxy;
let ts: TestService;
let dir: string;
const images: Record<
  'basic' | 'bearer' | 'locked',
  { signed: PushedImage; unsigned: PushedImage }
> = {} as never;
const lines: string[] = [];
const answers: string[] = [];

async function signedPair(registry: Registry, referrersApi: boolean) {
  const credentials = registry.credentials;
  const [signed, unsigned] = [
    await pushImage(registry, 'secret/signed', { credentials }),
    await pushImage(registry, 'secret/unsigned', { credentials }),
  ];
  await notationSign(signed.reference, registry, {
    key: pki.leaf.keyPath,
    certChain: pki.chainPath,
    referrersApi,
  });
  return { signed, unsigned };
}

beforeAll(async () => {
  [pki, basic, bearer, locked] = await Promise.all([
    makePki({ key: 'ec-p256', levels: 2 }),
    startRegistry({ kind: 'olareg', auth: 'basic' }),
    startRegistry({ kind: 'distribution', auth: 'bearer' }),
    startRegistry({ kind: 'olareg', auth: 'basic' }),
  ]);
  images.basic = await signedPair(basic, true);
  images.bearer = await signedPair(bearer, false);
  images.locked = await signedPair(locked, true);
  front = await sameOriginRealm(bearer.url, bearer.tokenServer!.realm);
  proxy = await startFaultProxy(basic.url);
  dir = await mkdtemp(path.join(tmpdir(), 'secrets-'));
  const b = basic.credentials!;
  const t = bearer.credentials!;
  const config = {
    auths: {
      [basic.host]: auth(b.username, b.password),
      [proxy.host]: auth(b.username, b.password),
      [front.host]: auth(t.username, t.password),
      [locked.host]: auth(locked.credentials!.username, WRONG_PASSWORD),
    },
  };
  const credentialsFile = path.join(dir, 'docker-config.json');
  await writeFile(credentialsFile, JSON.stringify(config));
  const destination = { write: (line: string) => void lines.push(line) };
  ts = await startTestService({
    trustPolicy: {
      version: '1.0',
      trustPolicies: [
        {
          name: 'prod',
          registryScopes: ['*'],
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:acme'],
          trustedIdentities: ['*'],
        },
      ],
    },
    trustStores: { ca: { acme: [pki.root.pem] } },
    flags: [
      ...['--log-level', 'debug', '--registry-credentials', credentialsFile],
      ...[basic.host, proxy.host, front.host, locked.host].flatMap((h) => [
        '--insecure-registry',
        h,
      ]),
    ],
    overrides: { logger: createLogger({ level: 'debug', destination }) },
  });
});
afterAll(async () => {
  await ts?.close();
  await Promise.allSettled([
    proxy?.stop(),
    front?.close(),
    basic?.stop(),
    bearer?.stop(),
    locked?.stop(),
  ]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What in `text` looks like a credential: the secrets, tokens, auth headers and fields. */
function leaks(text: string, secrets: string[]): string[] {
  const found = secrets.filter((s) => text.includes(s)).map((s) => `secret ${s.slice(0, 3)}…`);
  // Issued bearer tokens are JWTs: nothing shaped like one may appear.
  if (/eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/.test(text)) found.push('a JWT');
  const lower = text.toLowerCase();
  const words = [
    'authorization',
    '"password"',
    '"token"',
    '"access_token"',
    '"auth"',
    'identitytoken',
  ];
  found.push(...words.filter((w) => lower.includes(w)));
  // A scheme followed by a credential. (The scheme names alone appear in one message, "sent no
  // Basic or Bearer challenge", which names schemes, not credentials.)
  if (/\b(?:bearer|basic)\s+(?=[\w.~+/=-]*[\d=._])[\w.~+/=-]{8,}/i.test(text))
    found.push('a scheme and a credential');
  return found;
}

/** Everything of an outcome a user or an auditor could read. */
function keep(o: Outcome): Outcome {
  answers.push(
    JSON.stringify([
      o.message,
      o.error,
      o.response?.status,
      o.warnings,
      o.response?.auditAnnotations,
      o.patch,
    ]),
  );
  return o;
}

const at = (host: string, image: PushedImage, tag = false) =>
  `${host}/${image.repository}${tag ? `:${image.tag}` : `@${image.digest}`}`;

describe('T-56 secret hygiene with --registry-credentials at debug level (service)', () => {
  it('T-56 runs the suite: verified, unsigned, tags, mutate, wrong password, faults, bad input', async () => {
    const api = ts.client();
    const mutate = ts.client({ webhook: 'mutating' });
    const review = async (image: string, timeoutSeconds = 5) =>
      keep(await api.review(podReview({ images: [image] }), { timeoutSeconds }));
    for (const [host, set] of [
      [basic.host, images.basic],
      [front.host, images.bearer],
    ] as const) {
      expect((await review(at(host, set.signed))).kind).toBe('admitted');
      // Resolved and verified with the credentials, then refused: /mutate did not pin it.
      expect((await review(at(host, set.signed, true))).message).toMatch(/ \[DIGEST_REQUIRED\]$/);
      expect((await review(at(host, set.unsigned))).kind).toBe('denied');
      const m = keep(await mutate.review(podReview({ images: [at(host, set.signed, true)] })));
      expect(m.kind).toBe('admitted');
    }
    const wrong = await review(at(locked.host, images.locked.signed));
    expect(wrong.response?.status?.message).toMatch(/ \[UNAUTHORIZED\]$/);

    const faults = [
      [{ kind: 'status', status: 503 }, 'NETWORK'],
      [{ kind: 'status', status: 401 }, 'UNAUTHORIZED'],
      [{ kind: 'down' }, 'NETWORK'],
      // Last: the host is then held for the Retry-After.
      [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }, 'RATE_LIMITED'],
    ] as const;
    for (const [i, [fault, code]] of faults.entries()) {
      await proxy.fault(fault);
      // A fresh tag each time (resolved again, never cached): pushed once, reached via the proxy.
      const image = await pushImage(basic, `secret/fault-${i}`, { credentials: basic.credentials });
      const o = await review(at(proxy.host, image, true), 3);
      expect(o.response?.status?.message, JSON.stringify(fault)).toMatch(
        new RegExp(` \\[${code}\\]$`),
      );
    }
    await proxy.fault({ kind: 'pass' });
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the Retry-After is over
    proxy.latency(5_000);
    const stalled = await review(at(proxy.host, images.basic.unsigned, true), 2);
    expect(stalled.response?.status?.message).toMatch(/ \[TIMEOUT\]$/);
    proxy.latency(0);
    for (const body of ['{', '{"kind":"AdmissionReview"}', JSON.stringify({ apiVersion: 1 })])
      keep(await api.review(body));
    answers.push(await (await fetch(`${ts.service.metricsUrl}/metrics`)).text());
    expect(await metric(ts.service.metricsUrl, 'notary_admission_reviews_total')).toBeGreaterThan(
      15,
    );
  });

  it('T-56 finds no credential, encoding, token or Authorization/Bearer/password/token string', () => {
    const b = basic.credentials!;
    const t = bearer.credentials!;
    const secrets = [
      b.password,
      t.password,
      WRONG_PASSWORD,
      ...[b, t].map((c) => Buffer.from(`${c.username}:${c.password}`).toString('base64')),
      Buffer.from(`${locked.credentials!.username}:${WRONG_PASSWORD}`).toString('base64'),
      `${b.username}:${b.password}`,
    ];
    const text = [...lines, ...answers].join('\n');
    // One line per review (and start-up); the logger ran at debug, the most it ever says.
    expect(ts.service.logger.level).toBe('debug');
    expect(lines.length).toBeGreaterThanOrEqual(15);
    expect(leaks(text, secrets)).toEqual([]);
    // The search itself finds a planted leak of each kind.
    const planted = [
      `{"headers":{"authorization":"Basic ${secrets[3]}"}}`,
      'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLWJ5dGVz',
      `{"password":"${b.password}"}`,
    ];
    for (const leak of planted) expect(leaks(leak, secrets)).not.toEqual([]);
    process.stdout.write(
      `[reliability] T-56 ${JSON.stringify({ logLines: lines.length, answers: answers.length, secretsSearched: secrets.length })}\n`,
    );
  });
});
