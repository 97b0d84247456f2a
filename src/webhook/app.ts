// The Fastify edge: /validate and /mutate over HTTPS, health, load shedding and draining. It
// never listens by itself (src/main.ts does), so tests can inject requests or bind port 0.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerOptions } from 'node:https';
import type { Socket } from 'node:net';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Metrics } from '../telemetry/metrics.types.js';
import { admissionReviewResponse } from './admission-review.js';
import type { WebhookCode } from './codes/index.js';
import { fastJsonParser, type JsonBodyParser } from './json-body.js';
import type { ReviewHandler, WebhookKind } from './review.js';

/** 7 MiB is what an UPDATE of two 3 MiB objects needs (controller-runtime); 8 MiB leaves room. */
export const BODY_LIMIT = 8 * 1024 * 1024;

/** No route declares a schema: without this, Fastify would load Ajv and fast-json-stringify. */
function noSchemaCompiler(): never {
  throw new Error('the webhook routes declare no schemas');
}
const NO_SCHEMAS = {
  compilersFactory: {
    buildValidator: () => noSchemaCompiler,
    buildSerializer: () => noSchemaCompiler,
  },
};

export interface AppOptions {
  handleReview: ReviewHandler;
  logger: FastifyBaseLogger;
  /** True once the policies are loaded and TLS is up; never tied to registry health. */
  ready: () => boolean;
  /** Serving TLS; absent only for `inject()` tests. */
  https?: ServerOptions;
  /** Above the API server's 90 s client idle timeout, so it never reuses a socket we just closed. */
  keepAliveTimeoutMs?: number;
  /** Reviews beyond this many at once are answered at once instead of queueing (T-50). */
  maxInFlight?: number;
  metrics?: Metrics;
}

export interface WebhookApp {
  app: FastifyInstance;
  /** Stops readiness and asks clients to close their connections; reviews keep being answered. */
  drain(): void;
  /** Reviews being answered now. */
  inFlight(): number;
}

function overloaded(body: unknown, webhook: WebhookKind) {
  const request = (body as { request?: { uid?: unknown } } | undefined)?.request;
  const uid = typeof request?.uid === 'string' ? request.uid : '';
  // A mutating answer without a patch is harmless; the validating webhook still decides.
  return admissionReviewResponse({
    uid,
    allowed: webhook === 'mutate',
    message: 'the webhook is overloaded; try again [OVERLOADED]',
  });
}

/**
 * Node's closeIdleConnections (forceCloseConnections 'idle') skips a connection that never carried
 * a request, and Go clients such as the API server dial ahead and pool such connections: close()
 * would wait for the client's idle timeout (90 s). Once closing, a connection still unused after
 * a grace second is closed (one that carries a request meanwhile is answered as any other).
 */
const UNUSED_GRACE_MS = 1_000;

function closeUnusedOnClose(app: FastifyInstance, https: boolean): void {
  const unused = new Set<Socket>();
  let closing = false;
  const closeLater = (socket: Socket): void => {
    setTimeout(() => unused.has(socket) && socket.destroy(), UNUSED_GRACE_MS).unref();
  };
  app.server.on(https ? 'secureConnection' : 'connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
    if (closing) closeLater(socket); // its handshake ended after close() began
  });
  app.server.on('request', (request: IncomingMessage) => unused.delete(request.socket));
  app.addHook('preClose', (done) => {
    closing = true;
    unused.forEach(closeLater);
    done();
  });
}

/**
 * Calls `gone` when the connection under `response` closes before the answer is written (the API
 * server gave up on the review), at once if it already has; returns what stops listening.
 */
function whenClosed(response: ServerResponse, gone: () => void): () => void {
  if (response.destroyed) {
    if (!response.writableFinished) gone();
    return () => undefined;
  }
  const onClose = (): void => {
    if (!response.writableFinished) gone();
  };
  response.once('close', onClose);
  return () => response.off('close', onClose);
}

/** Builds the webhook's Fastify instance with every route and hook. */
export function buildApp(options: AppOptions): WebhookApp {
  const maxInFlight = options.maxInFlight ?? 512;
  let draining = false;
  let inFlight = 0;
  const app = Fastify({
    loggerInstance: options.logger,
    // Each review is logged once by the handler, with its verdicts; no per-request lines.
    logController: new LogController({ disableRequestLogging: true }),
    // One logger for every request, not a child per request (issue 20: CPU per warm review);
    // the review line names the review by its uid.
    childLoggerFactory: (logger) => logger,
    // Issue 20: start-up and memory at rest.
    schemaController: NO_SCHEMAS,
    bodyLimit: BODY_LIMIT,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 120_000,
    requestTimeout: 30_000,
    // While draining, reviews on open connections are still answered: never a 503.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ...(options.https && { https: options.https }),
  });
  // Slow-loris guard on headers (Kubernetes uses 32 s for ReadHeaderTimeout).
  app.server.headersTimeout = 32_000;
  closeUnusedOnClose(app, options.https !== undefined);
  const strictJson = app.getDefaultJsonParser('error', 'error') as JsonBodyParser;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, fastJsonParser(strictJson));

  // A callback hook, not an async one: no promise per response (issue 20).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('connection', 'close');
    done(null, payload);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error, reqId: request.id }, 'request failed');
      return reply
        .code(500)
        .send({ code: 'INTERNAL_ERROR' satisfies WebhookCode, message: 'internal error' });
    }
    options.metrics?.review({
      webhook: request.url.startsWith('/mutate') ? 'mutate' : 'validate',
      operation: 'other',
      verdict: 'error',
      code: error.code ?? 'BAD_REQUEST',
    });
    return reply.code(status).send({ code: error.code ?? 'BAD_REQUEST', message: error.message });
  });

  const route = (webhook: WebhookKind) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (inFlight >= maxInFlight) {
      options.metrics?.review({
        webhook,
        operation: 'other',
        verdict: 'shed',
        code: 'OVERLOADED' satisfies WebhookCode,
      });
      return reply.send(overloaded(request.body, webhook));
    }
    inFlight++;
    options.metrics?.inflight(1);
    try {
      const query = request.query as Record<string, string | undefined>;
      const result = await options.handleReview({
        body: request.body,
        timeout: query['timeout'],
        webhook,
        log: request.log,
        whenGone: (gone) => whenClosed(reply.raw, gone),
      });
      return await reply.code(result.status).send(result.body);
    } finally {
      inFlight--;
      options.metrics?.inflight(-1);
    }
  };
  app.post('/validate', route('validate'));
  app.post('/mutate', route('mutate'));

  app.get('/livez', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (draining) return reply.code(503).send({ status: 'draining' });
    if (!options.ready()) return reply.code(503).send({ status: 'not ready' });
    return { status: 'ok' };
  });

  return {
    app,
    drain: () => {
      draining = true;
    },
    inFlight: () => inFlight,
  };
}
