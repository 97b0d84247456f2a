// Docs and manifests that must not say more (or less) than the tree: every runtime dependency is
// imported somewhere in src/, README's layout table names every room, test folder and doc, and
// each room's README lists its files. Cheap checks that keep inventories from drifting.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const dirs = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir)).filter((n) => statSync(path.join(ROOT, dir, n)).isDirectory());

/** Every .ts file under src/ (tests included: a test-only import does not make a dependency). */
function sources(dir = 'src'): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

/** The `path` cells of README's layout table (first column, in backticks). */
function layoutRows(): Set<string> {
  const table = read('README.md').split('## Layout')[1]?.split('\n## ')[0] ?? '';
  return new Set([...table.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]!));
}

describe('package.json', () => {
  it('declares no runtime dependency that src/ never imports', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const code = sources()
      .map((f) => read(f))
      .join('\n');
    const unused = Object.keys(pkg.dependencies).filter(
      (name) => !new RegExp(`from '${name}(/[^']*)?'|import '${name}'`).test(code),
    );
    expect(unused).toEqual([]);
  });
});

describe('README.md layout table', () => {
  const rows = layoutRows();

  it('names every room of src/', () => {
    expect(dirs('src').filter((d) => !rows.has(`src/${d}`))).toEqual([]);
  });

  it('names every folder of test/', () => {
    expect(dirs('test').filter((d) => !rows.has(`test/${d}`))).toEqual([]);
  });

  it('names every document of docs/ and docs/adr/', () => {
    const docs = [
      ...readdirSync(path.join(ROOT, 'docs')).filter((n) => n.endsWith('.md')),
      ...readdirSync(path.join(ROOT, 'docs/adr')).map((n) => `adr/${n}`),
    ];
    expect(docs.filter((d) => !rows.has(`docs/${d}`))).toEqual([]);
  });
});

describe('src/registry/README.md', () => {
  it('lists every source file of the room', () => {
    const readme = read('src/registry/README.md');
    const files = readdirSync(path.join(ROOT, 'src/registry')).filter(
      (n) => n.endsWith('.ts') && !n.endsWith('.test.ts'),
    );
    expect(files.filter((f) => !readme.includes(`\`${f}\``))).toEqual([]);
  });
});
