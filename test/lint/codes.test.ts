// The catalogue of codes (src/webhook/codes) against the tree: every code src/ writes as a
// literal is in it, and docs/troubleshooting.md's tables are a fresh render of it
// (`npx tsx test/lint/codes-table.ts` rewrites them).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIGURATION_CODES, isDenialCode } from '../../src/webhook/codes/index.js';
import { DOC, documentedTable, renderedTables, staleTables } from './codes-table.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
function sources(dir = 'src'): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

/** `code: 'X'` (an object or a type), and ` [X]` ending a string: codes as src/ writes them. */
function literalCodes(text: string): string[] {
  const fields = [...text.matchAll(/\bcode: '([A-Z][A-Z0-9_]+)'/g)];
  const bracketed = [...text.matchAll(/ \[([A-Z][A-Z0-9_]+)\]['`"]/g)];
  return [...fields, ...bracketed].map((m) => m[1]!);
}

/** Notary v1 trust data: its codes reach denials as `DCT_<code>` (src/pipeline/dct.ts). */
const TUF = 'src/verify/tuf/';

const known = (code: string): boolean =>
  isDenialCode(code) || Object.hasOwn(CONFIGURATION_CODES, code);

/** A code as the file's denials show it. */
const shown = (file: string, code: string): string => (file.startsWith(TUF) ? `DCT_${code}` : code);

describe('the catalogue of codes', () => {
  it('has every code src/ writes as a literal', () => {
    const found = sources().flatMap((file) =>
      literalCodes(readFileSync(path.join(ROOT, file), 'utf8')).map(
        (code) => `${file}: ${shown(file, code)}`,
      ),
    );
    expect(found.length).toBeGreaterThan(10);
    expect(found.filter((f) => !known(f.slice(f.lastIndexOf(' ') + 1)))).toEqual([]);
  });

  describe('when a literal code is not in it', () => {
    it('returns it from the scan (the scan sees both forms)', () => {
      const text = "return { code: 'NOT_A_CODE' }; const m = `bad [ALSO_NOT_ONE]`;";
      expect(literalCodes(text).filter((c) => !known(c))).toEqual(['NOT_A_CODE', 'ALSO_NOT_ONE']);
    });
  });
});

describe('docs/troubleshooting.md', () => {
  const doc = readFileSync(DOC, 'utf8');

  it('has the denial codes table as the catalogue renders it', () => {
    expect(documentedTable(doc, 'denials')).toEqual(renderedTables().denials);
  });

  it('has the configuration codes table as the catalogue renders it', () => {
    expect(documentedTable(doc, 'configuration')).toEqual(renderedTables().configuration);
  });

  describe('when a row differs from the catalogue', () => {
    it('returns the table as stale', () => {
      const edited = doc.replace(/\| `SIGNATURE_NOT_FOUND` +\|/, '| `SIGNATURE_MISSING` |');
      expect(edited).not.toBe(doc);
      expect(staleTables(edited)).toEqual(['denials']);
    });
  });
});
