import { describe, expect, it } from 'vitest';
import { basicAuthorization, credentialsFromDockerConfig } from './credentials.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('credentialsFromDockerConfig', () => {
  describe('when entries use the usual key forms', () => {
    it('returns credentials by normalised registry', () => {
      const lookup = credentialsFromDockerConfig({
        auths: {
          'https://index.docker.io/v1/': { auth: b64('hub:pw:with:colons') },
          'reg.example:5000': { username: 'u', password: 'p' },
          'https://ghcr.io/v2/': { identitytoken: 'refresh' },
          'quay.io': { registrytoken: 'rt' },
        },
      });
      expect(lookup('docker.io')).toEqual({ username: 'hub', password: 'pw:with:colons' });
      expect(lookup('reg.example:5000')).toEqual({ username: 'u', password: 'p' });
      expect(lookup('ghcr.io')).toEqual({ identityToken: 'refresh' });
      expect(lookup('quay.io')).toEqual({ registryToken: 'rt' });
      expect(lookup('reg.example')).toBeUndefined();
    });
  });

  describe('when keys and lookups spell a registry differently (standing decision 9)', () => {
    it('returns the credentials for every spelling of the registry', () => {
      const lookup = credentialsFromDockerConfig({
        auths: {
          'https://Registry.Example.com:443/v1/': { username: 'a', password: '1' },
          'http://LOCALHOST:05000': { username: 'b', password: '2' },
          'registry-1.docker.io': { username: 'hub', password: '3' },
        },
      });
      for (const spelling of [
        'registry.example.com',
        'REGISTRY.example.com.',
        'registry.example.com:443',
      ])
        expect(lookup(spelling)?.username).toBe('a');
      expect(lookup('localhost:5000')?.username).toBe('b');
      expect(lookup('docker.io')?.username).toBe('hub');
      expect(lookup('registry.example.com:5000')).toBeUndefined();
      expect(lookup('not a host')).toBeUndefined();
    });

    it('keeps the first document’s entry when two keys are spellings of one registry', () => {
      const lookup = credentialsFromDockerConfig({
        auths: {
          'Registry.Example.com': { username: 'first', password: '1' },
          'https://registry.example.com/v2/': { username: 'second', password: '2' },
        },
      });
      expect(lookup('registry.example.com')?.username).toBe('first');
    });

    it('ignores a key that names no registry (userinfo, junk)', () => {
      const lookup = credentialsFromDockerConfig({
        auths: {
          'https://evil@registry.example.com/': { username: 'x', password: 'y' },
          '%%%': { username: 'x', password: 'y' },
        },
      });
      expect(lookup('registry.example.com')).toBeUndefined();
    });
  });

  describe('when several documents name a registry', () => {
    it('returns the first one, and reads JSON strings', () => {
      const lookup = credentialsFromDockerConfig(
        JSON.stringify({ auths: { 'r.io': { username: 'first', password: '1' } } }),
        { auths: { 'r.io': { username: 'second', password: '2' } } },
      );
      expect(lookup('r.io')?.username).toBe('first');
    });
  });

  describe('when an entry is empty or malformed', () => {
    it('returns undefined', () => {
      const lookup = credentialsFromDockerConfig({
        auths: { 'a.io': {}, 'b.io': { auth: b64('nocolon') } },
      });
      expect(lookup('a.io')).toBeUndefined();
      expect(lookup('b.io')).toBeUndefined();
    });
  });
});

describe('basicAuthorization', () => {
  it('returns the Basic header only with both username and password', () => {
    expect(basicAuthorization({ username: 'u', password: 'p' })).toBe(`Basic ${b64('u:p')}`);
    expect(basicAuthorization({ username: 'u' })).toBeUndefined();
  });
});
