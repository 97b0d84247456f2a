import { describe, expect, it } from 'vitest';
import { parseServeArgs } from './args.js';
import { ConfigError } from './errors.js';

const K8S = ['--policy-source', 'kubernetes', '--kubeconfig', '/k', '--trust-namespace', 'trust'];

describe('parseServeArgs visibility (issue 16)', () => {
  describe('when nothing is given with --policy-source kubernetes', () => {
    it('returns Events on, an hourly scan at 5 requests per second and a 15 s Lease', () => {
      expect(parseServeArgs(K8S, {})).toMatchObject({
        visibility: {
          events: true,
          scanIntervalMs: 3_600_000,
          scanRegistryRps: 5,
          scanLeaseName: 'notary-admission-scan',
          scanLeaseDurationMs: 15_000,
        },
      });
    });
  });

  describe('when the flags are given', () => {
    it('returns their values', () => {
      const settings = parseServeArgs(
        [
          ...K8S,
          '--no-events',
          '--scan-interval=10m',
          '--scan-registry-rps=0.5',
          '--scan-lease-name=na-scan',
          '--scan-lease-duration=3s',
          '--scan-skip-namespace=kube-system',
          '--scan-skip-namespace=trust',
        ],
        {},
      );
      expect(settings).toMatchObject({
        visibility: {
          events: false,
          scanIntervalMs: 600_000,
          scanRegistryRps: 0.5,
          scanLeaseName: 'na-scan',
          scanLeaseDurationMs: 3_000,
          scanSkipNamespaces: ['kube-system', 'trust'],
        },
      });
    });

    it('returns no scan for --scan-interval off', () => {
      expect(parseServeArgs([...K8S, '--scan-interval', 'off'], {})).toMatchObject({
        visibility: { scanIntervalMs: null },
      });
    });
  });

  describe('when a value is out of range', () => {
    it.each([
      ['--scan-registry-rps=0', '--scan-registry-rps: "0" is not a number of requests per second'],
      ['--scan-registry-rps=fast', '--scan-registry-rps: "fast"'],
      ['--scan-interval=10ms', '--scan-interval: "10ms" must be at least 1000 ms'],
      ['--scan-lease-duration=500ms', '--scan-lease-duration: "500ms" must be at least 1000 ms'],
      ['--scan-skip-namespace=Bad_NS', '--scan-skip-namespace: "Bad_NS" is not a namespace name'],
    ])('throws FLAG_INVALID for %s', (flag, message) => {
      expect(() => parseServeArgs([...K8S, flag], {})).toThrow(message);
    });
  });

  describe('when given with the file source', () => {
    it('throws FLAG_INVALID: Events and the scan need the cluster', () => {
      const run = () =>
        parseServeArgs(['--trust-policy', '/p', '--trust-store', '/s', '--no-events'], {});
      expect(run).toThrow(ConfigError);
      expect(run).toThrow('--no-events applies to --policy-source kubernetes, not file');
    });
  });
});
