import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseHost, normalisePlainHttpHost, normalisePlainHttpHosts } from './host.js';
import { hostSpellings } from '../../test/support/host-spellings.js';

const value = (input: string) => {
  const result = normaliseHost(input);
  return result.ok ? result.value : `refused: ${result.reason}`;
};

describe('normaliseHost', () => {
  describe('when given another spelling of a host', () => {
    it.each([
      ['Registry.Example.com', 'registry.example.com'],
      ['registry.example.com:443', 'registry.example.com'],
      ['registry.example.com:0443', 'registry.example.com'],
      ['registry.example.com.', 'registry.example.com'],
      ['REGISTRY.EXAMPLE.COM.:443', 'registry.example.com'],
      ['localhost:05000', 'localhost:5000'],
      ['LOCALHOST.:005000', 'localhost:5000'],
      ['127.1:5000', '127.0.0.1:5000'],
      ['0x7f000001:5000', '127.0.0.1:5000'],
      ['017700000001', '127.0.0.1'],
      ['127.0.0.1.', '127.0.0.1'],
      ['[0:0:0:0:0:0:0:1]:5000', '[::1]:5000'],
      ['[::0001]', '[::1]'],
      ['[2001:DB8::A]:443', '[2001:db8::a]'],
      ['[1:0:0:2:0:0:0:3]', '[1:0:0:2::3]'],
      ['[::127.0.0.1]', '[::7f00:1]'],
      ['index.docker.io', 'docker.io'],
      ['Registry-1.Docker.IO:443', 'docker.io'],
      ['docker.io.', 'docker.io'],
    ])('returns the normal form of %s: %s', (input, normal) => {
      expect(value(input)).toBe(normal);
      expect(value(normal)).toBe(normal);
    });
  });

  describe('when given a host already in normal form', () => {
    it.each([
      'registry.example.com',
      'localhost',
      'localhost:5000',
      'registry.example.com:80',
      'docker.io:5000',
      'index.docker.io:5000',
      '10.0.0.1:5000',
      '[::1]:5000',
      'xn--bcher-kva.example',
      'ab--c.example',
    ])('returns %s unchanged', (host) => expect(value(host)).toBe(host));
  });

  describe('when given something that is not a host[:port]', () => {
    it.each([
      ['', 'is not a registry host[:port]'],
      ['user:pass@registry.example.com', 'is not a registry host[:port]'],
      ['registry.example.com/path', 'is not a registry host[:port]'],
      ['https://registry.example.com', 'is not a registry host[:port]'],
      ['registry.example.com?x', 'is not a registry host[:port]'],
      ['reg%2eexample.com', 'is not a registry host[:port]'],
      ['reg_istry.example.com', 'is not a registry host[:port]'],
      ['bücher.example', 'is not a registry host[:port]'],
      ['ＡＢＣ.example', 'is not a registry host[:port]'],
      ['-registry.example.com', 'is not a registry host[:port]'],
      ['registry..example.com', 'is not a registry host[:port]'],
      ['registry.example.com..', 'is not a registry host[:port]'],
      ['registry.example.com:', 'is not a registry host[:port]'],
      ['registry.example.com: 5000', 'is not a registry host[:port]'],
      ['[fe80::1%25eth0]', 'is not a registry host[:port]'],
      ['registry.example.com:0', 'has a port outside 1-65535'],
      ['registry.example.com:65536', 'has a port outside 1-65535'],
      ['registry.example.com:99999999999', 'is not a registry host[:port]'],
      ['foo.123', 'is not a valid host name or IP address'],
      ['256.0.0.1', 'is not a valid host name or IP address'],
      ['xn--a.example', 'is not a valid host name or IP address'],
      ['[::ffff:127.0.0.1]', 'is an IPv4-mapped IPv6 address: write the IPv4 address'],
      ['[:::1]', 'is not a valid host name or IP address'],
      [`${'a'.repeat(250)}.example`, 'is not a registry host[:port]'],
    ])('refuses %j', (input, reason) => expect(value(input)).toContain(reason));
  });

  describe('when asked again for a spelling it has seen', () => {
    it('answers as the first time, after thousands of other hosts too, and nobody can change the answer', () => {
      const first = normaliseHost('Registry.Example.com:443');
      const refused = normaliseHost('registry_example.com');
      for (let i = 0; i < 3000; i++) normaliseHost(`h${i}.example.com`);
      expect(normaliseHost('Registry.Example.com:443')).toEqual(first);
      expect(first).toEqual({ ok: true, value: 'registry.example.com' });
      expect(normaliseHost('registry_example.com')).toEqual(refused);
      expect(refused.ok).toBe(false);
      expect(() => Object.assign(refused, { ok: true })).toThrow(TypeError);
      expect(normaliseHost('registry_example.com').ok).toBe(false);
    });
  });

  describe('when given any spelling of a host (property)', () => {
    it('returns the normal form of the host, and normalising it again changes nothing', () => {
      fc.assert(
        fc.property(hostSpellings(), ({ normal, spelling }) => {
          expect(value(spelling)).toBe(normal);
          expect(value(normal)).toBe(normal);
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('normalisePlainHttpHost', () => {
  describe('when given a plain-HTTP registry', () => {
    it.each([
      ['LOCALHOST:05000', 'localhost:5000'],
      ['localhost:80', 'localhost:80'],
      ['localhost', 'localhost'],
      ['127.0.0.1.:5000', '127.0.0.1:5000'],
    ])('returns the normal form of %s: %s', (input, normal) => {
      expect(normalisePlainHttpHost(input)).toEqual({ ok: true, value: normal });
    });
  });

  describe('when the port is 443', () => {
    it('refuses it (no reference could name plain HTTP on 443)', () => {
      expect(normalisePlainHttpHost('localhost:0443')).toEqual({
        ok: false,
        reason:
          '"localhost:0443": plain HTTP on port 443 cannot be named (the normal form leaves :443 out, so "localhost" means https or port 80)',
      });
    });
  });
});

describe('normalisePlainHttpHosts', () => {
  describe('when given a list', () => {
    it('returns it normalised and de-duplicated', () => {
      expect(normalisePlainHttpHosts(['LOCALHOST:5000', 'localhost:05000', 'r.local'])).toEqual({
        ok: true,
        value: ['localhost:5000', 'r.local'],
      });
    });
  });

  describe('when a host is listed with and without :80', () => {
    it('refuses the list (one server, two names)', () => {
      expect(normalisePlainHttpHosts(['r.local:80', 'R.local'])).toEqual({
        ok: false,
        reason:
          '"r.local" and "r.local:80" name the same plain-HTTP registry: list it once, as Pods name it',
      });
    });
  });
});
