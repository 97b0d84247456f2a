import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './run.js';
import { MissingToolError, REPO_ROOT, requireTool, TOOLS_DIR, VERSIONS } from './tools.js';
import { makeWorkdir } from './workdir.js';

const INSTALLER = path.join(REPO_ROOT, 'test/tools/install.sh');

describe('test/tools/install.sh', () => {
  it('--check finds every tool installed (the global setup ran the installer)', async () => {
    const result = await run('bash', [INSTALLER, '--check']);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });

  describe('when the tool cache is empty and there is no Go toolchain', () => {
    const env = {
      NOTARY_ADMISSION_TOOLS: makeWorkdir('empty'),
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin', // the Go toolchain lives in /usr/local/go/bin
    };

    it('--check names each missing tool with its pinned version', async () => {
      const result = await run('bash', [INSTALLER, '--check'], { env });
      expect(result.code).toBe(1);
      for (const tool of ['notation', 'olareg', 'oras', 'helm', 'kube-apiserver', 'actionlint']) {
        expect(result.stdout).toContain(`${tool}@${VERSIONS[tool]}`);
      }
      // The Notary v1 server and client share one pin (NOTARY_VERSION).
      for (const tool of ['notary-server', 'notary'])
        expect(result.stdout).toContain(`${tool}@${VERSIONS['notary']}`);
    });

    it('says what is missing and how to get it, and fails', async () => {
      const result = await run('bash', [INSTALLER], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /cannot be installed on this machine \(no go toolchain: need notation@/,
      );
      expect(result.stderr).toMatch(/Go >= 1\.25 and the Go module proxy/);
    });
  });
});

describe('requireTool', () => {
  it('returns the cached build of a Go tool', () => {
    expect(requireTool('notation')).toBe(path.join(TOOLS_DIR, 'bin', 'notation'));
  });

  it('throws MissingToolError naming the installer when a tool is absent', () => {
    const saved = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      expect(() => requireTool('skopeo')).toThrow(MissingToolError);
      expect(() => requireTool('skopeo')).toThrow(
        /skopeo is not installed\. Run `bash test\/tools\/install\.sh`/,
      );
    } finally {
      process.env['PATH'] = saved;
    }
  });
});
