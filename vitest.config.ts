import { configDefaults, defineConfig } from 'vitest/config';

/** After each file: the servers it started stopped, its temporary directories removed. */
const CLEANUP = './test/support/file-cleanup.ts';

/** What every harness project shares: the tools installed first, long timeouts, cleanup. */
const HARNESS = {
  globalSetup: ['./test/support/ensure-tools.ts'],
  setupFiles: [CLEANUP],
  testTimeout: 120_000,
  hookTimeout: 180_000,
};

const KUBE_SUITES = [
  'test/integration/crd/**/*.test.ts',
  'test/integration/chart/**/*.test.ts',
  'test/integration/kube/**/*.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        // Issue 20 item 6: Vitest gives each pool one worker per spare core (one here) and runs
        // different pools side by side. On 2 cores: the units, then the suites that run a
        // kube-apiserver, in worker threads; the rest of the harness in forks, at the same time.
        // So at most two files run at once, never two of the heavier harness ones in one pool.
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/lint/**/*.test.ts', 'bench/**/*.test.ts'],
          setupFiles: [CLEANUP],
          pool: 'threads',
        },
      },
      {
        // Real components (registries, notation, openssl, etcd, kube-apiserver) on 127.0.0.1:
        // the harness's self-tests, the product's integration tests that use them, the e2e
        // scenarios (test/e2e) and the short reliability runs (test/reliability).
        test: {
          name: 'harness',
          include: [
            'test/harness/**/*.test.ts',
            'test/integration/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/reliability/**/*.test.ts',
          ],
          exclude: [...configDefaults.exclude, ...KUBE_SUITES],
          ...HARNESS,
          pool: 'forks',
        },
      },
      {
        // The suites on a real kube-apiserver (CRDs, the chart, src/kube), beside the others.
        test: { name: 'harness-kube', include: KUBE_SUITES, ...HARNESS, pool: 'threads' },
      },
    ],
  },
});
