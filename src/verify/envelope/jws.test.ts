import { beforeAll, describe, expect, it } from 'vitest';
import { makeChain, type Chain } from '../../../test/support/certs.js';
import {
  e2eSigner,
  E2E_ARTIFACT,
  signJws,
  type EnvelopeOptions,
} from '../../../test/support/envelopes.js';
import { integrityError } from '../../../test/support/matchers.js';
import { vector } from '../../../test/support/vectors.js';
import { JWS_MEDIA_TYPE } from '../types.js';
import { parseEnvelope } from './index.js';

const E2E_ENVELOPE =
  'oci-layouts/notation-e2e/e2e-valid-signature/blobs/sha256/' +
  'c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50';
const MOCK = 'envelopes/notation-go-mock/';

type Jws = Record<string, unknown> & { header: Record<string, unknown> };

const parse = (bytes: Uint8Array) => parseEnvelope(JWS_MEDIA_TYPE, bytes);
const parseJson = (envelope: unknown) => parse(Buffer.from(JSON.stringify(envelope)));
const e2e = (): Jws => JSON.parse(vector(E2E_ENVELOPE).toString('utf8')) as Jws;
const b64url = (text: string) => Buffer.from(text).toString('base64url');
const fromB64url = (text: unknown) => Buffer.from(String(text), 'base64url').toString('utf8');

let chain: Chain;
beforeAll(async () => {
  chain = await makeChain({ key: 'ec-p256', levels: 2 });
});
const craft = (options: Omit<EnvelopeOptions, 'chain'> = {}): Jws =>
  JSON.parse(Buffer.from(signJws({ chain: chain.certs, ...options })).toString('utf8')) as Jws;

describe('JWS envelopes', () => {
  describe('when the envelope is a real notation signature', () => {
    it('C-33 returns the e2e vector with its +08:00 signing time', () => {
      const { targetArtifact, signerInfo } = parse(vector(E2E_ENVELOPE));
      expect(targetArtifact).toEqual(E2E_ARTIFACT);
      expect(signerInfo).toMatchObject({
        signingScheme: 'notary.x509',
        signatureAlgorithm: 'PS256',
        signingTime: new Date('2023-06-27T05:30:33Z'),
        signingAgent: 'Notation/1.0.0',
      });
      expect(signerInfo.certificateChain.map((c) => c.subject)).toEqual([
        'C=US, ST=WA, L=Seattle, O=Notary, CN=e2e',
      ]);
      expect(Buffer.from(signerInfo.signature).toString('base64url')).toBe(e2e()['signature']);
    });

    it('returns the notation-go alpine vector', () => {
      const { targetArtifact } = parse(vector('envelopes/notation-go-alpine/jws_signature.sig'));
      expect(targetArtifact.size).toBe(481);
      expect(targetArtifact.digest).toMatch(/^sha256:19dbd2e4/);
    });

    it('C-28 returns the mock vectors whatever the case of SigningAgent', () => {
      const ca = parse(vector(`${MOCK}ca_valid_sig_env.json`)).signerInfo;
      expect(ca).toMatchObject({ signatureAlgorithm: 'PS384', signingAgent: 'Notation/1.0.0' });
      expect(ca.expiry).toEqual(new Date('2120-11-09T07:00:00Z'));
      const sa = parse(vector(`${MOCK}sa_valid_sig_env.json`)).signerInfo;
      expect(sa.signingScheme).toBe('notary.x509.signingAuthority');
      expect(sa.authenticSigningTime).toEqual(new Date('2020-11-09T07:00:00Z'));
    });

    it('returns payload annotations of sig_env_with_metadata', () => {
      const { targetArtifact } = parse(vector(`${MOCK}sig_env_with_metadata.json`));
      expect(targetArtifact.annotations).toEqual({
        'io.wabbit-networks.buildId': '123',
        'io.wabbit-networks.buildTime': '1672944615',
      });
    });

    it('returns the timestamp token of jwsWithTimestamp', () => {
      const { signerInfo } = parse(vector('envelopes/notation-go-timestamp/jwsWithTimestamp.sig'));
      expect(signerInfo.timestampToken?.[0]).toBe(0x30);
      expect(signerInfo.timestampToken).toHaveLength(5835);
    });
  });

  describe('when a verification plugin is named', () => {
    it.each(['ca_plugin_sig_env.json', 'sa_plugin_sig_env.json'])(
      'C-29 returns %s with the plugin and its critical SomeKey',
      (file) => {
        const { signerInfo } = parse(vector(MOCK + file));
        expect(signerInfo.verificationPlugin).toBe('plugin-name');
        expect(signerInfo.extendedAttributes).toEqual([
          { key: 'SomeKey', value: 'SomeValue', critical: true },
        ]);
      },
    );

    it.each([
      ['ca_compatible_pluginver_sig_env_1.0.0.json', '1.0.0'],
      ['ca_incompatible_pluginver_sig_env_1.2.3.json', '1.2.3'],
    ])('C-29 returns %s with the plugin minimum version', (file, version) => {
      const { signerInfo } = parse(vector(MOCK + file));
      expect(signerInfo.verificationPlugin).toBe('io.cncf.notary.plugin.unittest.mock');
      expect(signerInfo.verificationPluginMinVersion).toBe(version);
    });
  });

  describe('when the serialization is not flattened JSON', () => {
    it('C-16 throws ENVELOPE_MALFORMED for compact serialization', () => {
      const jws = e2e();
      const compact = `${String(jws['protected'])}.${String(jws['payload'])}.${String(jws['signature'])}`;
      expect(() => parse(Buffer.from(compact))).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('returns the envelope surrounded by the whitespace JSON allows', () => {
      const text = ` \t\r\n${vector(E2E_ENVELOPE).toString('utf8')}\n `;
      expect(parse(Buffer.from(text)).targetArtifact).toEqual(E2E_ARTIFACT);
    });

    it.each([
      ['a form feed', '\f'],
      ['a no-break space', '\u00a0'],
      ['a byte order mark', '\ufeff'],
    ])('throws ENVELOPE_MALFORMED for the envelope after %s (not JSON whitespace)', (_, space) => {
      const text = `${space}${vector(E2E_ENVELOPE).toString('utf8')}`;
      expect(() => parse(Buffer.from(text))).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('C-16 throws ENVELOPE_MALFORMED for general serialization', () => {
      const { payload, protected: p, header, signature } = e2e();
      const general = { payload, signatures: [{ protected: p, header, signature }] };
      expect(() => parseJson(general)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('D17 throws ENVELOPE_MALFORMED for an unknown top-level member', () => {
      expect(() => parseJson({ ...e2e(), extra: 1 })).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it.each(['payload', 'protected', 'header', 'signature'])(
      'throws ENVELOPE_MALFORMED without the %s member',
      (member) => {
        const jws = e2e();
        delete jws[member];
        expect(() => parseJson(jws)).toThrow(integrityError('ENVELOPE_MALFORMED'));
      },
    );

    it.each([
      ['not JSON', Buffer.from('malformed signature')],
      ['a JSON array', Buffer.from('[]')],
      ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
      [
        'the blob vector malformed.jws.sig',
        vector('envelopes/notation-e2e-blob/malformed.jws.sig'),
      ],
    ])('throws ENVELOPE_MALFORMED for %s', (_, bytes) => {
      expect(() => parse(bytes)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });
  });

  describe('when base64url is not strict', () => {
    it.each(['ca_invalid_sig_env.json', 'sa_invalid_sig_env.json'])(
      'C-17 throws ENVELOPE_MALFORMED for the padded payload of %s',
      (file) => {
        expect(() => parse(vector(MOCK + file))).toThrow(integrityError('ENVELOPE_MALFORMED'));
      },
    );

    it.each(['protected', 'signature'])(
      'C-17 throws ENVELOPE_MALFORMED for a padded %s',
      (member) => {
        const jws = e2e();
        const value = String(jws[member]);
        jws[member] = value.length % 4 === 0 ? value : value + '='.repeat(4 - (value.length % 4));
        expect(() => parseJson(jws)).toThrow(integrityError('ENVELOPE_MALFORMED'));
      },
    );

    it('C-17 throws ENVELOPE_MALFORMED for the standard alphabet', () => {
      const jws = craft({ payload: Buffer.from('{"targetArtifact":"??>>"}') });
      jws['payload'] = Buffer.from('{"targetArtifact":"??>>"}')
        .toString('base64')
        .replace(/=+$/, '');
      expect(() => parseJson(jws)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('C-17 throws ENVELOPE_MALFORMED for non-canonical trailing bits', () => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const jws = e2e();
      const signature = String(jws['signature']);
      expect(signature.length % 4).toBe(2); // 256 bytes: the last character has 4 unused bits
      const last = alphabet.indexOf(signature.at(-1)!);
      jws['signature'] = signature.slice(0, -1) + alphabet[last | 1]!;
      expect(() => parseJson(jws)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });
  });

  describe('when signed content was changed', () => {
    it('C-18 throws SIGNATURE_INVALID for a payload naming another digest', () => {
      const jws = e2e();
      const other = { ...E2E_ARTIFACT, digest: `sha256:${'0'.repeat(64)}` };
      jws['payload'] = b64url(JSON.stringify({ targetArtifact: other }));
      expect(() => parseJson(jws)).toThrow(integrityError('SIGNATURE_INVALID'));
    });

    it('C-18 throws SIGNATURE_INVALID for a modified protected header', () => {
      const jws = e2e();
      const header = fromB64url(jws['protected']).replace('13:30:33', '13:30:34');
      jws['protected'] = b64url(header);
      expect(() => parseJson(jws)).toThrow(integrityError('SIGNATURE_INVALID'));
    });

    it('C-18 throws SIGNATURE_INVALID for the same protected header re-encoded', () => {
      const jws = e2e();
      jws['protected'] = b64url(JSON.stringify(JSON.parse(fromB64url(jws['protected'])), null, 1));
      expect(() => parseJson(jws)).toThrow(integrityError('SIGNATURE_INVALID'));
    });
  });

  describe('when the protected header is not a Notary header', () => {
    it.each([
      ['another content type', 'application/json'],
      ['no content type', undefined],
    ])('C-20 throws ENVELOPE_MALFORMED for %s', (_, cty) => {
      expect(() => parseJson(craft({ protected: { cty } }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('throws ENVELOPE_MALFORMED when crit lists a registered header', () => {
      const crit = ['io.cncf.notary.signingScheme', 'alg'];
      expect(() => parseJson(craft({ protected: { crit } }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });

    it('throws ENVELOPE_MALFORMED for a crit that is not a string array', () => {
      expect(() =>
        parseJson(craft({ protected: { crit: 'io.cncf.notary.signingScheme' } })),
      ).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('throws ENVELOPE_MALFORMED for a protected header that is not a JSON object', () => {
      const jws = e2e();
      jws['protected'] = b64url('["PS256"]');
      expect(() => parseJson(jws)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('D17 treats a differently cased Notary header as unknown', () => {
      const renamed = {
        'io.cncf.notary.signingScheme': undefined,
        'io.cncf.notary.SigningScheme': 'notary.x509',
        crit: ['io.cncf.notary.SigningScheme'],
      };
      expect(() => parseJson(craft({ protected: renamed }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('when signed with the published e2e key', () => {
    it('returns a crafted envelope that is otherwise valid', () => {
      const bytes = signJws({ chain: [e2eSigner()] });
      expect(parse(bytes).signerInfo.signatureAlgorithm).toBe('PS256');
    });

    it('C-27 throws UNKNOWN_CRITICAL_HEADER for com.example.policy in crit', () => {
      const bytes = signJws({
        chain: [e2eSigner()],
        protected: {
          'com.example.policy': 'x',
          crit: ['io.cncf.notary.signingScheme', 'com.example.policy'],
        },
      });
      expect(() => parse(bytes)).toThrow(integrityError('UNKNOWN_CRITICAL_HEADER'));
    });
  });

  describe('when the unprotected header is unusual', () => {
    it('C-28 ignores unknown unprotected headers and any signing agent value', () => {
      const jws = craft({
        unprotected: { 'com.example.x': [1], 'io.cncf.notary.signingAgent': 42 },
      });
      const { signerInfo } = parseJson(jws);
      expect(signerInfo.signingAgent).toBeUndefined();
    });

    it('D8 returns io.cncf.notary.timestampSignature as bytes', () => {
      const token = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
      const jws = craft({
        unprotected: { 'io.cncf.notary.timestampSignature': token.toString('base64') },
      });
      expect(Buffer.from(parseJson(jws).signerInfo.timestampToken!)).toEqual(token);
    });

    it('throws ENVELOPE_MALFORMED for a base64url timestamp signature', () => {
      const jws = craft({ unprotected: { 'io.cncf.notary.timestampSignature': '-_-_' } });
      expect(() => parseJson(jws)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });

    it('returns the certificate chain in envelope order', () => {
      const { signerInfo } = parseJson(craft());
      expect(signerInfo.certificateChain.map((c) => c.serialNumber)).toEqual(
        chain.certs.map((c) => c.cert.serialNumber),
      );
    });
  });

  describe('when the x5c certificate chain header is wrong', () => {
    const der = () => Buffer.from(chain.leaf.der);
    it.each([
      ['missing', undefined],
      ['empty', []],
      ['not an array', () => der().toString('base64')],
      ['not base64', ['!!!!']],
      ['URL-safe base64', () => [der().toString('base64url')]],
      [
        'wrongly padded base64',
        () => {
          const text = der().toString('base64');
          return [text.endsWith('=') ? text.replace(/=+$/, '') : `${text}==`];
        },
      ],
      ['base64 of something else', [Buffer.from('not a certificate').toString('base64')]],
      [
        'a certificate with trailing bytes',
        () => [Buffer.concat([der(), Buffer.of(0)]).toString('base64')],
      ],
      ['a number', [42]],
    ])('C-34 throws ENVELOPE_MALFORMED when x5c is %s', (_, value) => {
      const x5c = typeof value === 'function' ? value() : value;
      const jws = craft({ unprotected: { x5c } });
      expect(() => parseJson(jws)).toThrow(integrityError('ENVELOPE_MALFORMED'));
    });
  });

  describe('when the same certificate arrives in another envelope', () => {
    it('returns the one parsed certificate for both', () => {
      const first = parseJson(craft()).signerInfo.certificateChain;
      const second = parseJson(craft({ payload: { ...E2E_ARTIFACT, size: 1 } })).signerInfo
        .certificateChain;
      expect(second[0]).toBe(first[0]);
      expect(second[1]).toBe(first[1]);
    });

    it('C-34 throws ENVELOPE_MALFORMED for another spelling of a certificate seen before', () => {
      parseJson(craft());
      const text = Buffer.from(chain.leaf.der).toString('base64');
      const spelled = `${text.slice(0, 64)}\n${text.slice(64)}`;
      const x5c = [spelled, Buffer.from(chain.root.der).toString('base64')];
      expect(() => parseJson(craft({ unprotected: { x5c } }))).toThrow(
        integrityError('ENVELOPE_MALFORMED'),
      );
    });
  });

  describe('when x5c carries more certificates than the cap of 16', () => {
    const base64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
    const overCap = expect.objectContaining({
      code: 'ENVELOPE_MALFORMED',
      stage: 'integrity',
      message: expect.stringMatching(/17 certificates.* 16/) as string,
    }) as Error;

    it('throws ENVELOPE_MALFORMED naming 17 and 16 before parsing any certificate', () => {
      // Parsed, the junk at position 17 would fail with another message.
      const x5c = [
        base64(chain.leaf.der),
        ...Array<string>(15).fill(base64(chain.root.der)),
        base64(Buffer.from('not a certificate')),
      ];
      expect(() => parseJson(craft({ unprotected: { x5c } }))).toThrow(overCap);
    });

    it('throws ENVELOPE_MALFORMED before base64-decoding any entry', () => {
      const x5c = Array<string>(17).fill('!!!!');
      expect(() => parseJson(craft({ unprotected: { x5c } }))).toThrow(overCap);
    });
  });
});
