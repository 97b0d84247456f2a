import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPlainHttpHosts,
  BadValue,
  parseBoolean,
  parseDnsName,
  parseDuration,
  parseInteger,
  parseKeyValue,
  parseListenHost,
  parseNetworkAllowance,
  parsePortOrOff,
  parsePlainHttpHost,
  parseRegistryHost,
} from './values.js';

describe('parseDuration', () => {
  describe('when given a unit or plain milliseconds', () => {
    it.each([
      ['10s', 10_000],
      ['500ms', 500],
      ['2m', 120_000],
      ['1h', 3_600_000],
      ['1.5s', 1_500],
      ['250', 250],
      [' 3s ', 3_000],
    ])('returns %s as %i ms', (raw, ms) => {
      expect(parseDuration(raw)).toBe(ms);
    });

    it('returns n for any whole number of milliseconds n', () => {
      fc.assert(fc.property(fc.nat(), (n) => parseDuration(String(n)) === n));
    });
  });

  describe('when the value is not a duration or below the minimum', () => {
    it.each(['', '10 s', '-1s', '1d', 's', '1e3', '0x10'])('throws BadValue for %j', (raw) => {
      expect(() => parseDuration(raw)).toThrow(BadValue);
    });

    it('throws BadValue naming the minimum', () => {
      expect(() => parseDuration('0', 1)).toThrow('"0" must be at least 1 ms');
    });
  });
});

describe('parseInteger', () => {
  describe('when the value is out of range or not a whole number', () => {
    it.each(['0', '-1', '1.5', 'ten', '', '101'])('throws BadValue for %j', (raw) => {
      expect(() => parseInteger(raw, 1, 100)).toThrow('is not a whole number from 1 to 100');
    });
  });
});

describe('parsePortOrOff', () => {
  describe('when given a port or off', () => {
    it('returns the port, or null for off', () => {
      expect(parsePortOrOff('0')).toBe(0);
      expect(parsePortOrOff('9090')).toBe(9090);
      expect(parsePortOrOff('off')).toBeNull();
      expect(() => parsePortOrOff('65536')).toThrow('"65536" is not a port (0-65535) or "off"');
    });
  });
});

describe('parseRegistryHost', () => {
  describe('when given host[:port] in any spelling', () => {
    it.each([
      ['Registry.Local:5000', 'registry.local:5000'],
      ['registry.local:80', 'registry.local:80'],
      ['registry.local:0443', 'registry.local'],
      ['registry.local.', 'registry.local'],
      ['localhost:05000', 'localhost:5000'],
      ['127.0.0.1:5000', '127.0.0.1:5000'],
      ['[0:0::1]:5000', '[::1]:5000'],
      ['index.docker.io', 'docker.io'],
    ])('returns %s in normal form: %s', (raw, host) => {
      expect(parseRegistryHost(raw)).toBe(host);
    });
  });

  describe('when the value is not a host[:port]', () => {
    it.each([
      ['', 'is not a registry host[:port] (e.g. registry.local:5000)'],
      ['http://r.io', 'is not a registry host[:port] (e.g. registry.local:5000)'],
      ['r.io/path', 'is not a registry host[:port]'],
      ['r.io:0', 'has a port outside 1-65535'],
      ['r.io:99999', 'has a port outside 1-65535'],
      ['::1', 'is not a registry host[:port]'],
      ['[zz]', 'is not a registry host[:port]'],
      ['a_b.io', 'is not a registry host[:port]'],
      ['r.io:', 'is not a registry host[:port]'],
    ])('throws BadValue for %j', (raw, message) => {
      expect(() => parseRegistryHost(raw)).toThrow(message);
    });
  });
});

describe('parsePlainHttpHost', () => {
  describe('when given a plain-HTTP registry', () => {
    it.each([
      ['LOCALHOST:05000', 'localhost:5000'],
      ['registry.local:80', 'registry.local:80'],
      ['registry.local', 'registry.local'],
    ])('returns %s in normal form: %s', (raw, host) => {
      expect(parsePlainHttpHost(raw)).toBe(host);
    });
  });

  describe('when the port is 443', () => {
    it('throws BadValue saying why', () => {
      expect(() => parsePlainHttpHost('r.local:443')).toThrow(
        '"r.local:443": plain HTTP on port 443 cannot be named',
      );
    });
  });
});

describe('checkPlainHttpHosts', () => {
  describe('when a registry is listed with and without :80', () => {
    it('throws BadValue naming both', () => {
      expect(() => checkPlainHttpHosts(['r.local', 'r.local:80'])).toThrow(
        '"r.local" and "r.local:80" name the same plain-HTTP registry',
      );
    });
  });
});

describe('parseNetworkAllowance', () => {
  describe('when given all, none or ranges', () => {
    it('returns true, false or the list', () => {
      expect(parseNetworkAllowance(['all'])).toBe(true);
      expect(parseNetworkAllowance(['none'])).toBe(false);
      expect(parseNetworkAllowance(['10.0.0.0/8', '192.168.1.5', 'fd00::/8'])).toEqual([
        '10.0.0.0/8',
        '192.168.1.5',
        'fd00::/8',
      ]);
    });
  });

  describe('when an entry is not an address or range', () => {
    it.each([['10.0.0.0/33'], ['fd00::/129'], ['10.0.0/8'], ['host.local'], ['10.0.0.0/8/1']])(
      'throws BadValue for %j',
      (entry) => {
        expect(() => parseNetworkAllowance([entry])).toThrow(BadValue);
      },
    );

    it('throws BadValue when all is combined with ranges', () => {
      expect(() => parseNetworkAllowance(['all', '10.0.0.0/8'])).toThrow('cannot be combined');
    });
  });
});

describe('parseListenHost and parseDnsName', () => {
  describe('when given addresses and names', () => {
    it('returns them, and rejects what is neither', () => {
      expect(parseListenHost('0.0.0.0')).toBe('0.0.0.0');
      expect(parseListenHost('::')).toBe('::');
      expect(parseListenHost('localhost')).toBe('localhost');
      expect(() => parseListenHost('a b')).toThrow('"a b" is not an IP address or host name');
      expect(parseDnsName('*.svc.cluster.local')).toBe('*.svc.cluster.local');
      expect(parseDnsName('notary-admission.ns.svc')).toBe('notary-admission.ns.svc');
      expect(() => parseDnsName('bad_name')).toThrow('is not a DNS name or IP address');
    });
  });
});

describe('parseKeyValue and parseBoolean', () => {
  describe('when given KEY=VALUE and booleans', () => {
    it('splits at the first = and reads true/false/1/0', () => {
      expect(parseKeyValue('a=b=c')).toEqual(['a', 'b=c']);
      expect(parseKeyValue('a=')).toEqual(['a', '']);
      expect(() => parseKeyValue('=b')).toThrow('"=b" is not KEY=VALUE');
      expect([parseBoolean('true'), parseBoolean('0'), parseBoolean('FALSE')]).toEqual([
        true,
        false,
        false,
      ]);
      expect(() => parseBoolean('yes')).toThrow('"yes" is not true or false');
    });
  });
});
