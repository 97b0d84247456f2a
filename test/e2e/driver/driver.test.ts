// The driver's own pieces, without a cluster: placeholders, the check of kubectl's answers, and
// every scenario folder (loads, and names only variables that exist).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { problems, renderExpectation } from './expect.js';
import type { ImageSpec } from './images.js';
import { loadScenarios } from './scenario.js';
import { render, type Vars } from './template.js';

const DENIED = 'admission webhook "validate.notary-admission.dev" denied the request: ';

describe('render', () => {
  const vars: Vars = { image: { a: { ref: 'r:1' } }, pem: 'L1\nL2\n' };

  describe('when a placeholder names a value', () => {
    it('returns the text with the value in place', () => {
      expect(render('image: {{ image.a.ref }}, {{image.a.ref|base64}}', vars)).toBe(
        'image: r:1, cjox',
      );
    });

    it('returns a multi-line value indented like its line (a YAML block scalar)', () => {
      expect(render('  - |\n    {{ pem }}\n---', vars)).toBe('  - |\n    L1\n    L2\n---');
    });
  });

  describe('when a placeholder names nothing', () => {
    it('throws naming it', () => {
      expect(() => render('{{ image.b.ref }}', vars)).toThrow(
        'unknown placeholder {{ image.b.ref }}',
      );
      expect(() => render('{{ image.a }}', vars)).toThrow(
        'placeholder {{ image.a }} is not a value',
      );
    });
  });
});

describe('problems', () => {
  const denied = { outcome: 'denied' as const, message: 'x [CODE]' };

  describe('when kubectl shows our denial', () => {
    it('returns none for the expected message, with or without "error when creating"', () => {
      const stderr = `Error from server (Forbidden): error when creating "STDIN": ${DENIED}x [CODE]\n`;
      expect(problems({ code: 1, stdout: '', stderr }, denied)).toEqual([]);
      const patch = `Error from server (Forbidden): ${DENIED}x [CODE]\n`;
      expect(problems({ code: 1, stdout: '', stderr: patch }, denied)).toEqual([]);
    });

    it('returns the difference for another message', () => {
      const stderr = `Error from server (Forbidden): ${DENIED}y [CODE]\n`;
      expect(problems({ code: 1, stdout: '', stderr }, denied)).toEqual([
        'denial message differs:\n  expected: x [CODE]\n  actual:   y [CODE]',
      ]);
    });
  });

  describe('when kubectl succeeds', () => {
    it('returns a problem for a denial that was expected, and for unexpected warnings', () => {
      const result = { code: 0, stdout: 'pod/a created\n', stderr: 'Warning: w\n' };
      expect(problems(result, denied)).toEqual([
        'expected a denial, but kubectl succeeded',
        'warnings differ:\n  expected: []\n  actual:   ["w"]',
      ]);
      expect(problems(result, { outcome: 'admitted', warnings: ['w'] })).toEqual([]);
    });
  });
});

describe('scenarios', () => {
  /** Every variable a run provides, with a dummy value. */
  function dummyVars(images: Record<string, ImageSpec>): Vars {
    const image = (spec: ImageSpec): Vars => ({
      ref: 'r',
      repo: 'p',
      digest: 'd',
      short: 's',
      pinned: 'q',
      dctRoot: 'pem',
      // Only the referrers the spec attaches.
      referrer: Object.fromEntries(
        (spec.referrers ?? []).map((_, i) => [String(i), { digest: 'd', id: 'i' }]),
      ),
    });
    const signer = { name: 'n', root: 'pem' };
    return {
      release: { name: 'n', namespace: 'n', fullname: 'n' },
      registry: { olareg: 'o', distribution: 'd', auth: 'a' },
      signer,
      stranger: signer,
      auth: { username: 'u', password: 'p', dockerconfigjson: '{}' },
      webhook: { caBundle: 'c', validate: 'v', mutate: 'm' },
      notary: { url: 'u' },
      namespace: 'ns',
      image: Object.fromEntries(Object.entries(images).map(([name, spec]) => [name, image(spec)])),
    };
  }

  it('loads every folder in order, each with steps', () => {
    const names = loadScenarios().map((s) => s.name);
    expect(names[0]).toBe('install');
    expect(names.at(-1)).toBe('uninstall');
    expect(names.length).toBeGreaterThanOrEqual(12);
  });

  it('gives every folder its own number, in sequence from 01', () => {
    const numbers = loadScenarios().map((s) => path.basename(s.dir).split('-')[0]);
    expect(numbers).toEqual(numbers.map((_, i) => String(i + 1).padStart(2, '0')));
  });

  it.each(loadScenarios().map((s) => [s.name, s] as const))(
    '%s names only variables that exist (its own images)',
    (_, scenario) => {
      const vars = dummyVars(scenario.images);
      for (const step of scenario.steps) {
        const files = step.stdin ? [readFileSync(path.join(scenario.dir, step.stdin), 'utf8')] : [];
        expect(() => {
          renderExpectation(step.expect, vars);
          for (const text of [...(step.kubectl ?? []), ...files]) render(text, vars);
        }, step.name).not.toThrow();
      }
    },
  );
});
