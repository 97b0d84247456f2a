import { describe, expect, it } from 'vitest';
import {
  checkLiteralHost,
  classifyAddress,
  guardedLookup,
  isAddressAllowed,
  notAllowed,
} from './address-guard.js';
import { RegistryError } from './errors.js';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['2001:4860::8888', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12::1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'reserved'],
    ['not-an-ip', 'reserved'],
  ])('classifies %s as %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
});

describe('isAddressAllowed', () => {
  describe('when no allowance is given', () => {
    it('returns true only for public addresses', () => {
      expect(isAddressAllowed('8.8.8.8', false)).toBe(true);
      expect(isAddressAllowed('127.0.0.1', false)).toBe(false);
      expect(isAddressAllowed('10.0.0.1', false)).toBe(false);
    });
  });

  describe('when private networks are allowed wholesale', () => {
    it('returns true for loopback and private, false for link-local and metadata', () => {
      expect(isAddressAllowed('127.0.0.1', true)).toBe(true);
      expect(isAddressAllowed('10.0.0.1', true)).toBe(true);
      expect(isAddressAllowed('169.254.169.254', true)).toBe(false);
      expect(isAddressAllowed('fe80::1', true)).toBe(false);
      expect(isAddressAllowed('0.0.0.0', true)).toBe(false);
    });
  });

  describe('when a CIDR list is given', () => {
    it('returns true exactly inside the listed networks, metadata included when listed', () => {
      const allow = ['10.96.0.0/12', '169.254.169.254', 'fd00::/8'];
      expect(isAddressAllowed('10.96.0.1', allow)).toBe(true);
      expect(isAddressAllowed('10.0.0.1', allow)).toBe(false);
      expect(isAddressAllowed('169.254.169.254', allow)).toBe(true);
      expect(isAddressAllowed('fd00::5', allow)).toBe(true);
      expect(isAddressAllowed('::ffff:10.96.0.1', allow)).toBe(true);
      expect(isAddressAllowed('127.0.0.1', allow)).toBe(false);
    });
  });
});

describe('isAddressAllowed for a host the configuration names', () => {
  describe('when no private network is allowed', () => {
    it('returns true for loopback and private, false for link-local, metadata and the rest', () => {
      expect(isAddressAllowed('127.0.0.1', false, true)).toBe(true);
      expect(isAddressAllowed('10.0.0.5', false, true)).toBe(true);
      expect(isAddressAllowed('fd12::1', false, true)).toBe(true);
      expect(isAddressAllowed('169.254.169.254', false, true)).toBe(false);
      expect(isAddressAllowed('100.100.100.200', false, true)).toBe(false);
      expect(isAddressAllowed('fd00:ec2::254', false, true)).toBe(false);
      expect(isAddressAllowed('169.254.1.1', false, true)).toBe(false);
      expect(isAddressAllowed('fe80::1', false, true)).toBe(false);
      expect(isAddressAllowed('0.0.0.0', false, true)).toBe(false);
      expect(isAddressAllowed('224.0.0.1', false, true)).toBe(false);
    });
  });

  describe('when a CIDR list names a metadata address', () => {
    it('returns true for it and still true for loopback', () => {
      expect(isAddressAllowed('169.254.169.254', ['169.254.169.254/32'], true)).toBe(true);
      expect(isAddressAllowed('127.0.0.1', ['169.254.169.254/32'], true)).toBe(true);
    });
  });
});

describe('notAllowed', () => {
  const settings = { registries: '--insecure-registry', networks: '--allow-private-network' };

  describe('when the address is loopback or private', () => {
    it('returns a refusal naming the registry setting and the range setting', () => {
      expect(notAllowed('r.test', '10.0.0.5', { host: 'r.test:5000', settings }).message).toBe(
        'registry not allowed: r.test (10.0.0.5) is a private address and is not in the allowed ' +
          'networks; name r.test:5000 in --insecure-registry, or allow the range with ' +
          '--allow-private-network',
      );
    });
  });

  describe('when the address is metadata, even for a configured host', () => {
    it('returns a refusal naming only a CIDR of the range setting', () => {
      const target = { host: 'r.test', configured: true, settings };
      expect(notAllowed('r.test', '169.254.169.254', target).message).toBe(
        'registry not allowed: r.test (169.254.169.254) is a metadata address and is not in the ' +
          'allowed networks; only a CIDR that names it in --allow-private-network allows it',
      );
    });
  });

  describe('when no target is given (revocation responders)', () => {
    it('returns the refusal without a remedy', () => {
      expect(notAllowed('127.0.0.1', '127.0.0.1').message).toBe(
        'registry not allowed: 127.0.0.1 is a loopback address and is not in the allowed networks',
      );
    });
  });
});

describe('checkLiteralHost', () => {
  it('throws NOT_ALLOWED for a refused IP literal and passes names through', () => {
    expect(() => checkLiteralHost('[::1]', false)).toThrow(/loopback/);
    expect(() => checkLiteralHost('169.254.169.254', true)).toThrow(RegistryError);
    expect(() => checkLiteralHost('registry.example', false)).not.toThrow();
  });

  it('passes a loopback literal the configuration names, and throws for its metadata', () => {
    expect(() =>
      checkLiteralHost('127.0.0.1', false, { host: '127.0.0.1:5000', configured: true }),
    ).not.toThrow();
    expect(() =>
      checkLiteralHost('169.254.169.254', false, { host: '169.254.169.254', configured: true }),
    ).toThrow(/metadata/);
  });
});

describe('guardedLookup', () => {
  const lookup = (allowance: boolean | string[], addresses: string[]) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      guardedLookup(allowance, () => Promise.resolve(addresses))(
        'h.test',
        { all: true },
        (err, address) => resolve({ err, address }),
      ),
    );

  describe('when a name resolves to a refused address among allowed ones', () => {
    it('refuses the name with NOT_ALLOWED', async () => {
      const { err } = await lookup(false, ['8.8.8.8', '10.0.0.1']);
      expect(err).toMatchObject({ code: 'NOT_ALLOWED' });
    });
  });

  describe('when every address is allowed', () => {
    it('returns them all for the connection', async () => {
      const { err, address } = await lookup(false, ['8.8.8.8', '2001:4860::8888']);
      expect(err).toBeNull();
      expect(address).toEqual([
        { address: '8.8.8.8', family: 4 },
        { address: '2001:4860::8888', family: 6 },
      ]);
    });
  });
});
