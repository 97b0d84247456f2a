import { once } from 'node:events';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { buildApp } from './app.js';
import { httpsServerOptions, placeholderTls } from './tls/index.js';

describe('buildApp', () => {
  describe('when closed while a client holds a connection it never sent a request on', () => {
    it('returns from close() and closes that connection (a Go client pools such connections)', async () => {
      const { app } = buildApp({
        handleReview: () => Promise.reject(new Error('not called')),
        logger: createLogger({ level: 'silent' }),
        ready: () => true,
        https: httpsServerOptions(await placeholderTls(['127.0.0.1'])),
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;
      const established = once(app.server, 'secureConnection');
      const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () =>
          resolve(s),
        );
        s.once('error', reject);
      });
      await established; // on the server's side too: a pooled connection, not a handshake
      const ended = new Promise<string>((resolve) => socket.once('close', () => resolve('ended')));
      socket.on('error', () => undefined);
      // Without the fix close() waits for the client (here: forever); 3 s is only a bound.
      const bound = new Promise<string>((r) => setTimeout(() => r('still open'), 3_000).unref());
      const closed = app.close().then(() => 'closed');
      expect(await Promise.race([closed, bound])).toBe('closed');
      expect(await Promise.race([ended, bound])).toBe('ended');
    });
  });
});
