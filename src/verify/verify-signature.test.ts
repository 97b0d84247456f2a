import { describe, expect, it } from 'vitest';
import { readLayout } from '../../test/support/layouts.js';
import { vector, vectorText } from '../../test/support/vectors.js';
import { parseTrustPolicyDocument, type TrustPolicyStatement } from './trust-policy/index.js';
import { createTrustStore } from './trust-store/trust-store.js';
import type { Descriptor, TrustStore, TrustStores, TrustStoreType } from './types.js';
import type { RevocationChecker } from './steps.js';
import { verifySignature, type SignatureOutcome } from './verify-signature.js';

// Vectors are judged as of this instant (time is a parameter of the verifier).
const NOW = new Date('2026-11-22T12:00:00Z');

function certificateFile(file: string): string | Uint8Array {
  const bytes = vector(file);
  return bytes.subarray(0, 10).toString('latin1').startsWith('-----')
    ? bytes.toString('utf8')
    : new Uint8Array(bytes);
}

function stores(...specs: [type: TrustStoreType, name: string, ...files: string[]][]): TrustStores {
  const map = new Map<string, TrustStore>();
  for (const [type, name, ...files] of specs) {
    map.set(
      `${type}:${name}`,
      createTrustStore({ type, name, certificates: files.map(certificateFile) }),
    );
  }
  return map;
}

/** The first statement of a vector trust policy file. */
function policyFile(name: string): TrustPolicyStatement {
  const json = JSON.parse(vectorText(`trustpolicies/notation-e2e/${name}`)) as unknown;
  return parseTrustPolicyDocument(json).trustPolicies[0]!;
}

function policy(
  statement: Partial<TrustPolicyStatement> & Pick<TrustPolicyStatement, 'signatureVerification'>,
): TrustPolicyStatement {
  const document = {
    version: '1.0',
    trustPolicies: [
      {
        name: 'test',
        registryScopes: ['*'],
        trustStores: [],
        trustedIdentities: ['*'],
        ...statement,
      },
    ],
  };
  return parseTrustPolicyDocument(document).trustPolicies[0]!;
}

/** Stands in for GlobalSign's OCSP and CRL servers, which tests cannot reach. */
const revocationGood: RevocationChecker = (chain) =>
  Promise.resolve({
    status: 'ok',
    certificates: chain.map((c) => ({ subject: c.subject, status: 'ok' as const })),
  });

const logged = (outcome: SignatureOutcome): string[] =>
  outcome.results.filter((r) => r.action === 'log' && r.error).map((r) => r.type);

describe('verifySignature', () => {
  describe('with the notation e2e layouts', () => {
    const e2e = stores(['ca', 'e2e', 'certs/notation-e2e/localkeys/e2e.crt']);
    const untrusted = stores(['ca', 'e2e', 'certs/notation-e2e/localkeys/new_e2e.crt']);
    const expiredCert = stores(['ca', 'e2e', 'certs/notation-e2e/localkeys/expired_e2e.crt']);
    const run = (
      layout: string,
      trustStores: TrustStores,
      statement: TrustPolicyStatement,
    ): Promise<SignatureOutcome> => {
      const { artifact, signatures } = readLayout(`notation-e2e/${layout}`);
      return verifySignature({
        envelope: signatures[0]!,
        artifact,
        policy: statement,
        trustStores,
        now: NOW,
      });
    };

    it('C-45 verifies the self-signed e2e signature under the e2e trust policy', async () => {
      const outcome = await run('e2e-valid-signature', e2e, policyFile('trustpolicy.json'));
      expect(outcome.error).toBeUndefined();
      expect(outcome.verified).toBe(true);
      expect(logged(outcome)).toEqual([]);
    });

    it.each([
      ['strict', false, []],
      ['permissive', false, []],
      ['audit', true, ['authenticity']],
    ] as const)(
      'C-46 C-47 an untrusted certificate with the same key: %s → verified %s',
      async (level, verified, warnings) => {
        const outcome = await run(
          'e2e-valid-signature',
          untrusted,
          policy({ signatureVerification: { level }, trustStores: ['ca:e2e'] }),
        );
        expect(outcome.verified).toBe(verified);
        expect(logged(outcome)).toEqual(warnings);
        if (!verified) expect(outcome.error?.code).toBe('CERT_CHAIN_UNTRUSTED');
      },
    );

    it.each([
      ['trustpolicy.json', false, []],
      ['permissive_trustpolicy.json', true, ['expiry']],
      ['audit_trustpolicy.json', true, ['expiry']],
      ['override_strict_trustpolicy.json', true, ['expiry']],
      ['override_permissive_trustpolicy.json', false, []],
      ['override_audit_trustpolicy.json', false, []],
    ] as const)(
      'C-55 an expired signature under %s → verified %s',
      async (file, verified, warnings) => {
        const outcome = await run('e2e-expired-signature', e2e, policyFile(file));
        expect(outcome.verified).toBe(verified);
        expect(logged(outcome)).toEqual(warnings);
        if (!verified) expect(outcome.error?.code).toBe('SIGNATURE_EXPIRED');
      },
    );

    it.each([
      ['trustpolicy.json', false, []],
      ['permissive_trustpolicy.json', true, ['authenticTimestamp']],
      ['audit_trustpolicy.json', true, ['authenticTimestamp']],
      ['override_strict_trustpolicy.json', true, ['authenticTimestamp']],
      ['override_permissive_trustpolicy.json', false, []],
      ['override_audit_trustpolicy.json', false, []],
    ] as const)(
      'C-56 an expired certificate without timestamp under %s → verified %s',
      async (file, verified, warnings) => {
        const outcome = await run('e2e-with-expired-cert', expiredCert, policyFile(file));
        expect(outcome.verified).toBe(verified);
        expect(logged(outcome)).toEqual(warnings);
        if (!verified) expect(outcome.error?.code).toBe('CERT_NOT_VALID_AT_TIME');
      },
    );

    it.each([
      ['override_strict_trustpolicy.json', true],
      ['override_permissive_trustpolicy.json', true],
      ['override_audit_trustpolicy.json', false],
    ] as const)('C-57 an untrusted signer under %s → verified %s', async (file, verified) => {
      const outcome = await run('e2e-valid-signature', untrusted, policyFile(file));
      expect(outcome.verified).toBe(verified);
    });

    it.each(['trustpolicy.json', 'permissive_trustpolicy.json', 'audit_trustpolicy.json'])(
      'C-11 C-58 an envelope of an unsupported media type fails integrity under %s',
      async (file) => {
        const outcome = await run('e2e-invalid-signature', e2e, policyFile(file));
        expect(outcome.verified).toBe(false);
        expect(outcome.error?.code).toBe('ENVELOPE_UNSUPPORTED');
        expect(outcome.results).toEqual([
          { type: 'integrity', action: 'enforce', error: outcome.error },
        ]);
      },
    );

    it('C-19 a valid signature for another artifact fails integrity even under audit', async () => {
      const { artifact, signatures } = readLayout('notation-e2e/e2e-valid-signature');
      const other: Descriptor = { ...artifact, size: artifact.size + 1 };
      const outcome = await verifySignature({
        envelope: signatures[0]!,
        artifact: other,
        policy: policyFile('audit_trustpolicy.json'),
        trustStores: e2e,
        now: NOW,
      });
      expect(outcome.error?.code).toBe('PAYLOAD_MISMATCH');
      const mediaType = await verifySignature({
        envelope: signatures[0]!,
        artifact: {
          ...artifact,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        },
        policy: policyFile('trustpolicy.json'),
        trustStores: e2e,
        now: NOW,
      });
      expect(mediaType.error?.code).toBe('PAYLOAD_MISMATCH');
    });
  });

  describe('with the notation-go mock envelopes', () => {
    const artifact: Descriptor = {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      digest: 'sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e',
      size: 528,
    };
    const root =
      'truststores/notation-go/truststore/x509/ca/valid-trust-store/NotationTestRoot.pem';
    const both = stores(
      ['ca', 'valid-trust-store', root],
      ['signingAuthority', 'valid-trust-store', root],
    );
    const mock = (
      file: string,
      trustStores: string[],
      level: 'strict' | 'permissive' | 'audit' = 'strict',
    ): Promise<SignatureOutcome> =>
      verifySignature({
        envelope: {
          mediaType: 'application/jose+json',
          bytes: new Uint8Array(vector(`envelopes/notation-go-mock/${file}`)),
        },
        artifact,
        policy: policy({ signatureVerification: { level }, trustStores }),
        trustStores: both,
        now: NOW,
      });

    it('C-48 verifies a notary.x509 signature through a ca store only', async () => {
      expect((await mock('ca_valid_sig_env.json', ['ca:valid-trust-store'])).verified).toBe(true);
      const viaSa = await mock('ca_valid_sig_env.json', ['signingAuthority:valid-trust-store']);
      expect(viaSa.error?.code).toBe('CERT_CHAIN_UNTRUSTED');
    });

    it('C-48 C-67 verifies a signing-authority signature through a signingAuthority store only', async () => {
      const sa = await mock('sa_valid_sig_env.json', ['signingAuthority:valid-trust-store']);
      expect(sa.error).toBeUndefined();
      expect(sa.verified).toBe(true);
      const viaCa = await mock('sa_valid_sig_env.json', ['ca:valid-trust-store']);
      expect(viaCa.error?.code).toBe('CERT_CHAIN_UNTRUSTED');
    });

    it.each(['strict', 'permissive', 'audit'] as const)(
      'C-17 C-58 rejects base64url padding at %s',
      async (level) => {
        for (const file of ['ca_invalid_sig_env.json', 'sa_invalid_sig_env.json']) {
          const outcome = await mock(
            file,
            ['ca:valid-trust-store', 'signingAuthority:valid-trust-store'],
            level,
          );
          expect(outcome.verified).toBe(false);
          expect(outcome.error?.stage).toBe('integrity');
        }
      },
    );

    it.each(['ca_plugin_sig_env.json', 'sa_plugin_sig_env.json'])(
      'C-29 refuses %s, which needs a verification plugin',
      async (file) => {
        const outcome = await mock(
          file,
          ['ca:valid-trust-store', 'signingAuthority:valid-trust-store'],
          'audit',
        );
        expect(outcome.verified).toBe(false);
        expect(outcome.error?.code).toMatch(/^(PLUGIN_REQUIRED|UNKNOWN_CRITICAL_HEADER)$/);
      },
    );
  });

  describe('with RFC 3161 timestamps (notation-go vectors)', () => {
    const artifact: Descriptor = {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      digest: 'sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda',
      size: 528,
    };
    const ca = 'truststores/notation-go/truststore/x509/ca/valid-trust-store';
    const trustStores = stores(
      ['ca', 'valid-trust-store', `${ca}/TestTimestamp.crt`, `${ca}/TestTimestampNotYetValid.crt`],
      ['ca', 'short-lived', 'certs/extracted/testTSA-2024-06-18-10min.crt'],
      ['ca', 'old', 'certs/extracted/testTSA-2000-2001.crt'],
      [
        'tsa',
        'test-timestamp',
        'truststores/notation-go/truststore/x509/tsa/test-timestamp/globalsignRoot.cer',
      ],
      [
        'tsa',
        'test-mismatch',
        ...['DigiCertTSARootSHA384.cer'].map((f) => `certs/notation-e2e/timestamp/${f}`),
      ],
    );
    const run = (
      file: string,
      statement: Partial<TrustPolicyStatement> &
        Pick<TrustPolicyStatement, 'signatureVerification'>,
    ): Promise<SignatureOutcome> => {
      const mediaType =
        file.startsWith('cose') || file === 'timestampAfterNotAfter.sig'
          ? 'application/cose'
          : 'application/jose+json';
      return verifySignature({
        envelope: {
          mediaType,
          bytes: new Uint8Array(vector(`envelopes/notation-go-timestamp/${file}`)),
        },
        artifact,
        policy: policy(statement),
        trustStores,
        now: NOW,
        revocation: revocationGood,
      });
    };
    const strictWithTsa = (caStore: string, tsa = 'tsa:test-timestamp') => ({
      signatureVerification: { level: 'strict' as const },
      trustStores: [caStore, tsa],
    });

    it.each(['jwsWithTimestamp.sig', 'coseWithTimestamp.sig'])(
      'C-59 accepts the GlobalSign timestamp of %s',
      async (file) => {
        const outcome = await run(file, strictWithTsa('ca:valid-trust-store'));
        expect(outcome.error).toBeUndefined();
        expect(outcome.verified).toBe(true);
      },
    );

    it.each(['jwsExpiredWithTimestamp.sig', 'coseExpiredWithTimestamp.sig'])(
      'C-60 lets a timestamp rescue the expired signer of %s',
      async (file) => {
        expect((await run(file, strictWithTsa('ca:short-lived'))).verified).toBe(true);
        const noTsa = await run(file, {
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:short-lived'],
        });
        expect(noTsa.error?.code).toBe('CERT_NOT_VALID_AT_TIME');
      },
    );

    it('C-61 requires a timestamp when a tsa store is configured, unless only after expiry', async () => {
      const strict = await run('withoutTimestamp.sig', strictWithTsa('ca:valid-trust-store'));
      expect(strict.error?.code).toBe('TIMESTAMP_MISSING');
      const permissive = await run('withoutTimestamp.sig', {
        signatureVerification: { level: 'permissive' },
        trustStores: ['ca:valid-trust-store', 'tsa:test-timestamp'],
      });
      expect(permissive.verified).toBe(true);
      expect(logged(permissive)).toEqual(['authenticTimestamp']);
      const afterExpiry = await run('withoutTimestamp.sig', {
        signatureVerification: { level: 'strict', verifyTimestamp: 'afterCertExpiry' },
        trustStores: ['ca:valid-trust-store', 'tsa:test-timestamp'],
      });
      expect(afterExpiry.verified).toBe(true);
    });

    it('C-62 rejects timestamps outside the signer certificate validity', async () => {
      const before = await run(
        'timestampBeforeNotBefore.sig',
        strictWithTsa('ca:valid-trust-store'),
      );
      expect(before.error?.code).toBe('CERT_NOT_VALID_AT_TIME');
      const after = await run('timestampAfterNotAfter.sig', strictWithTsa('ca:old'));
      expect(after.error?.code).toBe('CERT_NOT_VALID_AT_TIME');
    });

    it('C-64 rejects a timestamp whose TSA does not chain to the tsa store', async () => {
      const outcome = await run(
        'jwsWithTimestamp.sig',
        strictWithTsa('ca:valid-trust-store', 'tsa:test-mismatch'),
      );
      expect(outcome.error?.code).toBe('TIMESTAMP_INVALID');
    });

    it('D11 fails the timestamp when the TSA chain revocation status is unknown', async () => {
      const outcome = await verifySignature({
        envelope: {
          mediaType: 'application/jose+json',
          bytes: new Uint8Array(vector('envelopes/notation-go-timestamp/jwsWithTimestamp.sig')),
        },
        artifact,
        policy: policy(strictWithTsa('ca:valid-trust-store')),
        trustStores,
        now: NOW,
      });
      expect(outcome.error?.code).toBe('TIMESTAMP_INVALID');
      expect(outcome.error?.message).toMatch(/revocation status is unknown/);
    });
  });
});
