// The platform floor of the warm part (issue 20): what a Node HTTPS server does on this machine
// when it does nothing but the transport. It parses each AdmissionReview body with JSON.parse and
// allows it (no policy, no cache, no metrics, no logging); `node` answers from node:https alone,
// `fastify` through Fastify with the webhook's Fastify options. Never a product path: the bench
// starts it (`node --import tsx bench/peers/floor-server.ts node|fastify CERT KEY PORT`) to read
// how much of a warm review is Node's own cost.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import Fastify from 'fastify';

type Review = { request?: { uid?: unknown } };

const answer = (body: Review): string =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: typeof body.request?.uid === 'string' ? body.request.uid : '', allowed: true },
  });

function nodeServer(tls: https.ServerOptions, port: number): void {
  const server = https.createServer({ ...tls, keepAliveTimeout: 120_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = answer(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review);
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    });
  });
  server.listen(port, '127.0.0.1');
}

async function fastifyServer(tls: https.ServerOptions, port: number): Promise<void> {
  const none = (): never => {
    throw new Error('no schemas');
  };
  const app = Fastify({
    https: tls,
    keepAliveTimeout: 120_000,
    logger: false,
    schemaController: {
      compilersFactory: { buildValidator: () => none, buildSerializer: () => none },
    },
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) =>
    done(null, JSON.parse(body as string)),
  );
  app.post('/validate', async (request, reply) =>
    reply
      .header('content-type', 'application/json; charset=utf-8')
      .send(answer(request.body as Review)),
  );
  await app.listen({ host: '127.0.0.1', port });
}

const [kind, certPath, keyPath, port] = process.argv.slice(2);
const tls = { cert: readFileSync(certPath!), key: readFileSync(keyPath!) };
if (kind === 'node') nodeServer(tls, Number(port));
else if (kind === 'fastify') await fastifyServer(tls, Number(port));
else throw new Error(`floor-server: node|fastify, not ${kind}`);
