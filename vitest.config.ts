import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        // Issue 20 item 6: Vitest runs each pool with one worker per spare core (one here), and
        // different pools side by side. Units in worker threads, the harness in forks: the two
        // run at once on 2 cores, the harness's real components never compete with a second
        // harness file.
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/lint/**/*.test.ts', 'bench/**/*.test.ts'],
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
          globalSetup: ['./test/support/ensure-tools.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
    ],
  },
});
