import { describe, expect, it } from 'vitest';
import { bypassesProxy, parseNoProxy } from './no-proxy.js';

const direct = (noProxy: string, hostname: string, port = 443): boolean => {
  const parsed = parseNoProxy([noProxy]);
  if (!parsed.ok) throw new Error(parsed.reason);
  return bypassesProxy(parsed.value, hostname, port);
};

describe('parseNoProxy and bypassesProxy (Go httpproxy syntax)', () => {
  describe('when an entry is a domain', () => {
    it.each([
      ['example.com', 'example.com', true],
      ['example.com', 'r.example.com', true],
      ['Example.COM.', 'a.b.example.com', true],
      ['example.com', 'badexample.com', false],
      ['.example.com', 'example.com', false],
      ['.example.com', 'r.example.com', true],
      ['*.example.com', 'example.com', false],
      ['*.example.com', 'r.example.com', true],
      ['index.docker.io', 'registry-1.docker.io', false],
      ['svc,cluster.local', 'registry.ns.svc', true],
      [' a.io , b.io ', 'b.io', true],
    ])('with NO_PROXY=%j, %s goes direct: %s', (noProxy, host, expected) => {
      expect(direct(noProxy, host)).toBe(expected);
    });
  });

  describe('when an entry has a port', () => {
    it('matches that port only (the scheme default counts)', () => {
      expect(direct('r.io:5000', 'r.io', 5000)).toBe(true);
      expect(direct('r.io:5000', 'r.io', 443)).toBe(false);
      expect(direct('r.io:443', 'r.io', 443)).toBe(true);
      expect(direct('10.0.0.1:80', '10.0.0.1', 80)).toBe(true);
      expect(direct('[::1]:5000', '[::1]', 5000)).toBe(true);
      expect(direct('[::1]:5000', '[::1]', 5001)).toBe(false);
    });
  });

  describe('when an entry is an IP address or a CIDR range', () => {
    it.each([
      ['10.0.0.0/8', '10.1.2.3', true],
      ['10.0.0.0/8', '11.1.2.3', false],
      ['fd00::/8', '[fd12::1]', true],
      ['127.0.0.1', '127.0.0.1', true],
      ['::1', '[::1]', true],
      ['0:0:0:0:0:0:0:1', '[::1]', true],
      ['10.0.0.0/8', 'ten.example', false],
      ['127.0.0.1', 'localhost', false],
    ])(
      'with NO_PROXY=%j, %s goes direct: %s (names are not resolved)',
      (noProxy, host, expected) => {
        expect(direct(noProxy, host)).toBe(expected);
      },
    );
  });

  describe('when NO_PROXY is * or empty', () => {
    it('sends everything direct, or nothing', () => {
      expect(direct('*', 'anything.io')).toBe(true);
      expect(direct('', 'localhost')).toBe(false);
      expect(direct(',,', '127.0.0.1')).toBe(false);
    });
  });

  describe('when an entry is malformed', () => {
    it.each(['http://r.io', 'r.io/path', '10.0.0.0/33', 'r_io', 'r.io:0', 'r.io:99999', '*r.io'])(
      'refuses %j',
      (noProxy) => {
        expect(parseNoProxy([noProxy]).ok).toBe(false);
      },
    );
  });
});
