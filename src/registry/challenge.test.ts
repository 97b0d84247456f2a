import { describe, expect, it } from 'vitest';
import { parseChallenges } from './challenge.js';

describe('parseChallenges', () => {
  describe('when the header is a Bearer challenge', () => {
    it('returns realm, service and scope', () => {
      expect(
        parseChallenges(
          'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
        ),
      ).toEqual([
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/nginx:pull',
          },
        },
      ]);
    });

    it('returns quoted commas, escapes and token values intact', () => {
      const [c] = parseChallenges(
        'bearer realm="https://a/t", scope="repository:a:pull,push" , error=insufficient_scope, x="q\\"q"',
      );
      expect(c?.params).toEqual({
        realm: 'https://a/t',
        scope: 'repository:a:pull,push',
        error: 'insufficient_scope',
        x: 'q"q',
      });
    });
  });

  describe('when several challenges are offered', () => {
    it('returns Bearer before Basic and skips unknown schemes', () => {
      const out = parseChallenges(
        'Basic realm="r", Negotiate, Bearer realm="https://a/t",service="s"',
      );
      expect(out.map((c) => c.scheme)).toEqual(['bearer', 'basic']);
      expect(out[1]?.params).toEqual({ realm: 'r' });
    });
  });

  describe('when the header is absent or junk', () => {
    it.each([[undefined], [''], ['==='], ['x'.repeat(9000)]])(
      'returns no challenge for %j',
      (h) => {
        expect(parseChallenges(h)).toEqual([]);
      },
    );
  });
});
