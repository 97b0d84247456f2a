// Request bodies are JSON. Fastify's own parser (secure-json-parse) scans every body with two
// regular expressions for `__proto__` and `constructor.prototype` keys: about a tenth of a warm
// review's CPU for a 3 KB Pod (issue 20). A body that cannot spell either key, even through a
// `\u` escape, is parsed with plain JSON.parse; every other body, and any body JSON.parse
// refuses, goes to Fastify's parser, which keeps its refusals and error codes.
import type { FastifyRequest } from 'fastify';

type Done = (err: Error | null, body?: unknown) => void;

/** A string body parser in Fastify's callback form (what `getDefaultJsonParser` returns). */
export type JsonBodyParser = (request: FastifyRequest, body: string, done: Done) => void;

/** Substrings without which no key of the body can be `__proto__` or `constructor`. */
const SUSPECT = ['__proto__', 'constructor', '\\u'] as const;

/** Whether `body` could hold a key that secure-json-parse refuses. */
export const mayPoison = (body: string): boolean => SUSPECT.some((s) => body.includes(s));

/** Plain JSON.parse for bodies that cannot poison a prototype; `strict` (Fastify's) otherwise. */
export function fastJsonParser(strict: JsonBodyParser): JsonBodyParser {
  return (request, body, done) => {
    if (body.length === 0 || mayPoison(body)) return strict(request, body, done);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return strict(request, body, done); // its error, its code
    }
    done(null, parsed);
  };
}
