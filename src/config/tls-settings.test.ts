import { describe, expect, it } from 'vitest';
import { parseServeArgs } from './args.js';

const K8S = ['--policy-source', 'kubernetes', '--kubeconfig', '/k', '--trust-namespace', 'trust'];
const HOUR = 3_600_000;

describe('parseServeArgs self-managed TLS (issue 19)', () => {
  describe('when only --tls-secret is given', () => {
    it('returns the defaults: CA one year, serving certificate 90 days, 10 min overlap', () => {
      const settings = parseServeArgs([...K8S, '--tls-secret=na-serving-tls'], {});
      expect(settings).toMatchObject({
        selfManagedTls: {
          secretName: 'na-serving-tls',
          leaseName: 'notary-admission-tls',
          caValidityMs: 8760 * HOUR,
          certValidityMs: 2160 * HOUR,
          overlapMs: 600_000,
        },
      });
      expect(settings).not.toHaveProperty('tlsCert');
    });
  });

  describe('when every flag is given', () => {
    it('returns their values, the webhook configurations included', () => {
      const settings = parseServeArgs(
        [
          ...K8S,
          '--tls-secret=s',
          '--tls-lease-name=l',
          '--tls-validating-webhook=na',
          '--tls-mutating-webhook=na.mutate',
          '--tls-ca-validity=30s',
          '--tls-cert-validity=10s',
          '--tls-overlap=1500ms',
        ],
        {},
      );
      expect(settings).toMatchObject({
        selfManagedTls: {
          secretName: 's',
          leaseName: 'l',
          validatingWebhook: 'na',
          mutatingWebhook: 'na.mutate',
          caValidityMs: 30_000,
          certValidityMs: 10_000,
          overlapMs: 1_500,
        },
      });
    });
  });

  describe('when the settings cannot rotate in time', () => {
    it.each([
      [
        ['--tls-ca-validity=20s', '--tls-cert-validity=10s'],
        '--tls-cert-validity must be at most a third',
      ],
      [['--tls-cert-validity=720h', '--tls-overlap=121h'], '--tls-overlap must be at most a sixth'],
    ])('throws for %j', (flags, message) => {
      expect(() => parseServeArgs([...K8S, '--tls-secret=s', ...flags], {})).toThrow(message);
    });
  });

  describe('when a companion flag comes without --tls-secret', () => {
    it('throws naming it', () => {
      expect(() => parseServeArgs([...K8S, '--tls-overlap=1m'], {})).toThrow(
        '--tls-overlap needs --tls-secret',
      );
    });
  });

  describe('when --tls-cert is given too', () => {
    it('throws: the pair comes from one place', () => {
      expect(() =>
        parseServeArgs([...K8S, '--tls-secret=s', '--tls-cert=c', '--tls-key=k'], {}),
      ).toThrow('--tls-cert and --tls-secret exclude each other');
    });
  });

  describe('when used with the file source', () => {
    it('throws: it needs the cluster', () => {
      expect(() => parseServeArgs(['--tls-secret=s'], {})).toThrow(
        '--tls-secret applies to --policy-source kubernetes, not file',
      );
    });
  });

  describe('when a name is not an object name', () => {
    it('throws naming the flag', () => {
      expect(() => parseServeArgs([...K8S, '--tls-secret=Bad_Name'], {})).toThrow(
        '--tls-secret: "Bad_Name" is not an object name',
      );
    });
  });

  describe('when set in the environment', () => {
    it('returns it (NOTARY_ADMISSION_TLS_SECRET)', () => {
      const settings = parseServeArgs(K8S, { NOTARY_ADMISSION_TLS_SECRET: 'from-env' });
      expect(settings).toMatchObject({ selfManagedTls: { secretName: 'from-env' } });
    });
  });
});
