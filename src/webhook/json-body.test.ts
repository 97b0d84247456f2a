import { describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { buildApp } from './app.js';
import { mayPoison } from './json-body.js';
import type { ReviewInput } from './review.js';

/** An app whose review handler hands back the `request` of the body it was given. */
function echoApp() {
  const seen: unknown[] = [];
  const { app } = buildApp({
    handleReview: (input: ReviewInput) => {
      seen.push(input.body);
      return Promise.resolve({ status: 200, body: input.body as never });
    },
    logger: createLogger({ level: 'silent' }),
    ready: () => true,
  });
  const post = (payload: string, contentType = 'application/json') =>
    app.inject({
      method: 'POST',
      url: '/validate',
      payload,
      headers: { 'content-type': contentType },
    });
  return { app, post, seen };
}

const review = (request: string): string =>
  `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":${request}}`;

describe('the JSON body parser', () => {
  describe('when a body cannot spell a poisoning key', () => {
    it('parses it as JSON.parse does, whatever the charset parameter', async () => {
      const { post, seen } = echoApp();
      const body = review('{"uid":"u-1","object":{"spec":{"containers":[{"image":"r.io/a"}]}}}');
      for (const type of ['application/json', 'application/json; charset=utf-8']) {
        const res = await post(body, type);
        expect(res.statusCode).toBe(200);
      }
      expect(seen).toEqual([JSON.parse(body), JSON.parse(body)]);
    });
  });

  describe('when a key could poison a prototype', () => {
    it.each([
      ['a __proto__ key', review('{"uid":"u","__proto__":{"allowed":true}}')],
      ['a __proto__ key spelt with escapes', review('{"uid":"u","\\u005f\\u005fproto__":{"a":1}}')],
      ['a partly escaped __proto__ key', review('{"uid":"u","_\\u005fproto\\u005f_":{"a":1}}')],
      ['constructor.prototype', review('{"uid":"u","constructor":{"prototype":{"a":1}}}')],
      [
        'constructor.prototype spelt with escapes',
        review('{"uid":"u","\\u0063onstructor":{"prototyp\\u0065":{"a":1}}}'),
      ],
    ])('refuses %s with Fastify’s own code, as before (400)', async (_name, body) => {
      const { post, seen } = echoApp();
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
      expect(seen).toEqual([]);
    });

    it('still accepts values that merely contain those words (label values, annotations)', async () => {
      const { post, seen } = echoApp();
      const body = review(
        '{"uid":"u","labels":{"constructor":"web","x":"__proto__","y":"\\u00e9"}}',
      );
      const res = await post(body);
      expect(res.statusCode).toBe(200);
      expect(
        Object.hasOwn((seen[0] as { request: { labels: object } }).request.labels, 'constructor'),
      ).toBe(true);
    });
  });

  describe('when a body is not JSON', () => {
    it.each([
      ['empty', '', 'FST_ERR_CTP_EMPTY_JSON_BODY'],
      ['truncated', review('{"uid":"u"'), 'FST_ERR_CTP_INVALID_JSON_BODY'],
      ['not JSON at all', 'uid=u', 'FST_ERR_CTP_INVALID_JSON_BODY'],
    ])('answers %s with the code Fastify gives it (400)', async (_name, body, code) => {
      const { post } = echoApp();
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code });
    });
  });

  describe('mayPoison', () => {
    it('sends every body with a \\u escape, __proto__ or constructor to the strict parser', () => {
      for (const s of ['"\\u0041"', '"__proto__"', '"constructor"', '{"a":"x constructor y"}'])
        expect(mayPoison(s)).toBe(true);
      for (const s of ['{"a":"b"}', '{"proto":"_ _proto_"}', '{"constructo":"r"}'])
        expect(mayPoison(s)).toBe(false);
    });
  });
});
