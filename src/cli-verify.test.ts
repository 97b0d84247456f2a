import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issue } from '../test/support/certs.js';
import {
  EXIT,
  exitCodeOf,
  printJson,
  printText,
  reportError,
  reportOutcome,
  tagWarning,
  type VerifyReport,
} from './cli-report.js';
import { runVerify } from './cli-verify.js';
import type { VerifySettings } from './config/index.js';
import { parseReference, RegistryError } from './registry/index.js';
import {
  parseTrustPolicyDocument,
  VerificationError,
  type ArtifactOutcome,
} from './verify/index.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const SIG = `sha256:${'b'.repeat(64)}`;
const REF = parseReference('registry.example/acme/api:1.4');
const BASE = { reference: 'registry.example/acme/api:1.4', digest: DIGEST, warnings: [] };
const POLICY = parseTrustPolicyDocument({
  version: '1.0',
  trustPolicies: [
    {
      name: 'prod',
      registryScopes: ['*'],
      signatureVerification: { level: 'permissive' },
      trustStores: ['ca:acme'],
      trustedIdentities: ['*'],
    },
  ],
}).trustPolicies[0]!;

const expired = new VerificationError('SIGNATURE_EXPIRED', 'expiry', 'the signature expired');
const untrusted = new VerificationError('CERT_CHAIN_UNTRUSTED', 'authenticity', 'not trusted');

const VERIFIED: ArtifactOutcome = {
  verified: true,
  policy: POLICY,
  level: 'permissive',
  signature: {
    digest: SIG,
    results: [
      { type: 'integrity', action: 'enforce' },
      { type: 'authenticity', action: 'enforce' },
      { type: 'expiry', action: 'log', error: expired },
      { type: 'revocation', action: 'skip' },
    ],
  },
  failures: [],
};

const FAILED: ArtifactOutcome = {
  verified: false,
  policy: POLICY,
  level: 'permissive',
  failures: [{ digest: SIG, error: untrusted }],
  error: untrusted,
};

function capture(): {
  io: { out: (t: string) => void; err: (t: string) => void };
  out: string[];
  err: string[];
} {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, out, err };
}

describe('reportOutcome', () => {
  describe('when a signature passed with a logged failure', () => {
    it('returns every validation and the logged one as a warning', () => {
      expect(reportOutcome(BASE, VERIFIED)).toEqual({
        ...BASE,
        verified: true,
        inconclusive: false,
        policy: 'prod',
        level: 'permissive',
        signature: {
          digest: SIG,
          validations: [
            { type: 'integrity', action: 'enforce', result: 'passed' },
            { type: 'authenticity', action: 'enforce', result: 'passed' },
            {
              type: 'expiry',
              action: 'log',
              result: 'failed',
              code: 'SIGNATURE_EXPIRED',
              message: 'the signature expired',
            },
            { type: 'revocation', action: 'skip', result: 'skipped' },
          ],
        },
        failures: [],
        warnings: ['expiry was set to "log" and failed with error: the signature expired'],
      } satisfies VerifyReport);
    });
  });

  describe('when no signature passed', () => {
    it('returns each failure and the error, with exit code 1', () => {
      const report = reportOutcome(BASE, FAILED);
      expect(report.failures).toEqual([
        { signature: SIG, code: 'CERT_CHAIN_UNTRUSTED', message: 'not trusted' },
      ]);
      expect(report.error).toEqual({ code: 'CERT_CHAIN_UNTRUSTED', message: 'not trusted' });
      expect(report.verified).toBe(false);
      expect(report.inconclusive).toBe(false);
      expect(exitCodeOf(report)).toBe(EXIT.NOT_VERIFIED);
    });
  });
});

describe('reportError', () => {
  describe('when the registry failed', () => {
    it('returns an inconclusive report with the registry code', () => {
      const report = reportError(BASE, new RegistryError('TIMEOUT', 'registry.example timed out'));
      expect(report).toEqual({
        ...BASE,
        verified: false,
        inconclusive: true,
        failures: [],
        error: { code: 'TIMEOUT', message: 'registry.example timed out' },
      });
      expect(exitCodeOf(report)).toBe(EXIT.NOT_VERIFIED);
    });
  });

  describe('when the registry answered that the tag does not exist', () => {
    it('returns a report that is not inconclusive, with the registry code', () => {
      const err = new RegistryError('MANIFEST_UNKNOWN', 'r has no manifest (404)', { status: 404 });
      expect(reportError(BASE, err)).toMatchObject({
        verified: false,
        inconclusive: false,
        error: { code: 'MANIFEST_UNKNOWN', message: 'r has no manifest (404)' },
      });
    });
  });

  describe('when something unexpected failed', () => {
    it('returns INTERNAL_ERROR with the message', () => {
      expect(reportError(BASE, new TypeError('boom')).error).toEqual({
        code: 'INTERNAL_ERROR',
        message: 'boom',
      });
    });
  });
});

describe('printText', () => {
  describe('when verified', () => {
    it('prints notation success line on stdout and warnings on stderr', () => {
      const { io, out, err } = capture();
      const report = reportOutcome({ ...BASE, warnings: [tagWarning(REF)] }, VERIFIED);
      printText(report, REF, io);
      expect(out).toEqual([
        `Successfully verified signature for registry.example/acme/api@${DIGEST}\n`,
      ]);
      expect(err).toEqual([
        'Warning: Always verify the artifact using digest(@sha256:...) rather than a tag(:1.4) because resolved digest may not point to the same signed artifact, as tags are mutable.\n',
        'Warning: expiry was set to "log" and failed with error: the signature expired\n',
      ]);
      expect(exitCodeOf(report)).toBe(EXIT.OK);
    });
  });

  describe('when the level is skip', () => {
    it('prints that verification was skipped', () => {
      const { io, out } = capture();
      printText(reportOutcome(BASE, { verified: true, level: 'skip', failures: [] }), REF, io);
      expect(out).toEqual([
        `Trust policy is configured to skip signature verification for registry.example/acme/api@${DIGEST}\n`,
      ]);
    });
  });

  describe('when not verified', () => {
    it('prints the error with its code on stderr only', () => {
      const { io, out, err } = capture();
      printText(reportOutcome(BASE, FAILED), REF, io);
      expect(out).toEqual([]);
      expect(err).toEqual([
        'Error: signature verification failed: not trusted [CERT_CHAIN_UNTRUSTED]\n',
      ]);
    });
  });

  describe('when inconclusive', () => {
    it('prints that it could not verify, with the registry code', () => {
      const { io, err } = capture();
      printText(reportError(BASE, new RegistryError('NETWORK', 'connection refused')), REF, io);
      expect(err).toEqual([
        `Error: could not verify registry.example/acme/api@${DIGEST}: connection refused [NETWORK]\n`,
      ]);
    });
  });
});

describe('printJson', () => {
  it('prints the report as one JSON document on stdout', () => {
    const { io, out, err } = capture();
    const report = reportOutcome(BASE, FAILED);
    printJson(report, io);
    expect(err).toEqual([]);
    expect(JSON.parse(out.join(''))).toEqual(report);
  });
});

describe('runVerify', () => {
  let dir: string;
  let server: Server;
  let registryHost: string;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cli-verify-'));
    const root = await issue({ profile: 'root', subject: 'CN=Acme Root' });
    mkdirSync(path.join(dir, 'store', 'x509', 'ca', 'acme'), { recursive: true });
    writeFileSync(path.join(dir, 'store', 'x509', 'ca', 'acme', 'root.crt'), root.pem);
    const policy = {
      version: '1.0',
      trustPolicies: [
        {
          name: 'all',
          registryScopes: ['*'],
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:acme'],
          trustedIdentities: ['*'],
        },
      ],
    };
    writeFileSync(path.join(dir, 'trustpolicy.json'), JSON.stringify(policy));
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    registryHost = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const settings = (overrides: Partial<VerifySettings>): VerifySettings => ({
    reference: `${registryHost}/acme/api:1.4`,
    trustPolicyPath: path.join(dir, 'trustpolicy.json'),
    trustStoreDir: path.join(dir, 'store'),
    insecureRegistries: [registryHost],
    insecureReference: false,
    allowPrivateNetworks: true,
    registryCaFiles: {},
    output: 'text',
    timeoutMs: 5_000,
    revocation: 'offline',
    userMetadata: {},
    maxSignatures: 10,
    ...overrides,
  });

  describe('when the trust policy file is missing', () => {
    it('exits 2 with the file named', async () => {
      const { io, out, err } = capture();
      const missing = path.join(dir, 'nope.json');
      expect(await runVerify(settings({ trustPolicyPath: missing }), io)).toBe(EXIT.USAGE);
      expect(out).toEqual([]);
      expect(err).toEqual([`Error: trust policy ${missing} does not exist\n`]);
    });
  });

  describe('when the reference is invalid', () => {
    it('exits 2 with the coded message and asks no registry', async () => {
      const { io, err } = capture();
      const before = requests.length;
      expect(await runVerify(settings({ reference: 'Acme/API' }), io)).toBe(EXIT.USAGE);
      expect(err.join('')).toMatch(
        /^Error: invalid image reference "Acme\/API": .* \[INVALID_REFERENCE\]\n$/,
      );
      expect(requests.length).toBe(before);
    });
  });

  describe('when the registry does not know the tag', () => {
    it('exits 1 with the registry code (the registry answered: not inconclusive)', async () => {
      const { io, out, err } = capture();
      expect(await runVerify(settings({}), io)).toBe(EXIT.NOT_VERIFIED);
      expect(out).toEqual([]);
      expect(err.join('')).toMatch(
        new RegExp(
          `^Error: signature verification failed: ${registryHost} has no manifest acme/api:1\\.4 \\(404\\) \\[MANIFEST_UNKNOWN\\]\\n$`,
        ),
      );
      expect(requests).toContain('HEAD /v2/acme/api/manifests/1.4');
    });

    it('prints the JSON report with the error', async () => {
      const { io, out } = capture();
      expect(await runVerify(settings({ output: 'json' }), io)).toBe(EXIT.NOT_VERIFIED);
      const report = JSON.parse(out.join('')) as VerifyReport;
      expect(report).toMatchObject({
        reference: `${registryHost}/acme/api:1.4`,
        verified: false,
        inconclusive: false,
        failures: [],
        warnings: [],
        error: { code: 'MANIFEST_UNKNOWN' },
      });
      expect(report.digest).toBeUndefined();
    });
  });

  describe('when a registry CA file cannot be read', () => {
    it('exits 2 naming the file', async () => {
      const { io, err } = capture();
      const ca = path.join(dir, 'missing-ca.pem');
      const code = await runVerify(settings({ registryCaFiles: { 'registry.example': ca } }), io);
      expect(code).toBe(EXIT.USAGE);
      expect(err).toEqual([
        `Error: registry CA bundle for registry.example ${ca} cannot be read (ENOENT)\n`,
      ]);
    });
  });
});
