// Renders the code tables of docs/troubleshooting.md from the catalogue (src/webhook/codes):
//   npx tsx test/lint/codes-table.ts          rewrites both tables in docs/troubleshooting.md
//   npx tsx test/lint/codes-table.ts --check  exits 1 when a table differs from a render
// Each table sits between `<!-- codes:NAME -->` and `<!-- /codes:NAME -->`; Prettier aligns it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { CONFIGURATION_CODES, denialCodes, type DecidedBy } from '../../src/webhook/codes/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const DOC = path.join(ROOT, 'docs/troubleshooting.md');

export type TableName = 'denials' | 'configuration';

const DECIDED_BY: Readonly<Record<DecidedBy, string>> = {
  action: '`action`',
  onError: '`onError`',
  noMatch: '`--no-match`',
  always: 'always denied',
  failurePolicy: '`failurePolicy`',
};

/** Cells as they are written in Markdown: a `|` would end the cell. */
const cell = (text: string): string => text.replaceAll('|', '\\|');

/** Each table as rows of cells, header first. */
export function renderedTables(): Record<TableName, string[][]> {
  const denials = denialCodes().map((c) => [
    `\`${c.code}\``,
    c.origin,
    DECIDED_BY[c.decidedBy],
    c.meaning,
    c.remedy,
  ]);
  const configuration = Object.entries(CONFIGURATION_CODES)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, c]) => [`\`${code}\``, c.meaning, c.remedy]);
  return {
    denials: [['code', 'from', 'decided by', 'what it means', 'what to do'], ...denials].map((r) =>
      r.map(cell),
    ),
    configuration: [['code', 'what it means', 'what to do'], ...configuration].map((r) =>
      r.map(cell),
    ),
  };
}

function markers(name: TableName): [string, string] {
  return [`<!-- codes:${name} -->`, `<!-- /codes:${name} -->`];
}

/** The text between a table's markers; throws when the markers are missing. */
function section(doc: string, name: TableName): { start: number; end: number } {
  const [open, close] = markers(name);
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${DOC} has no ${open} … ${close} section`);
  return { start: start + open.length, end };
}

/** The rows of a table as the document has them (cells trimmed, alignment row left out). */
export function documentedTable(doc: string, name: TableName): string[][] {
  const { start, end } = section(doc, name);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

function markdown(rows: string[][]): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  const [head = [], ...body] = rows;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

/** The document with both tables rendered afresh, formatted as `npm run format` would. */
export async function renderDocument(doc: string): Promise<string> {
  let out = doc;
  for (const [name, rows] of Object.entries(renderedTables()) as [TableName, string[][]][]) {
    const { start, end } = section(out, name);
    out = `${out.slice(0, start)}\n\n${markdown(rows)}\n\n${out.slice(end)}`;
  }
  const options = (await resolveConfig(DOC)) ?? {};
  return format(out, { ...options, filepath: DOC });
}

/** The tables whose documented rows differ from a render. */
export function staleTables(doc: string): TableName[] {
  const rendered = renderedTables();
  return (Object.keys(rendered) as TableName[]).filter(
    (name) => JSON.stringify(documentedTable(doc, name)) !== JSON.stringify(rendered[name]),
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const doc = readFileSync(DOC, 'utf8');
  if (argv.includes('--check')) {
    const stale = staleTables(doc);
    for (const name of stale) process.stderr.write(`${DOC}: the ${name} table differs\n`);
    return stale.length === 0 ? 0 : 1;
  }
  writeFileSync(DOC, await renderDocument(doc));
  process.stdout.write(`wrote the code tables of ${DOC}\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
