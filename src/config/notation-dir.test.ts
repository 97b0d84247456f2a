import { describe, expect, it } from 'vitest';
import { notationConfigDir, notationPaths } from './notation-dir.js';

describe('notationConfigDir', () => {
  describe('when $XDG_CONFIG_HOME is set', () => {
    it('returns $XDG_CONFIG_HOME/notation', () => {
      expect(notationConfigDir({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' })).toBe('/xdg/notation');
    });

    it('throws CONFIG_INVALID when it is relative, as Go does', () => {
      expect(() => notationConfigDir({ XDG_CONFIG_HOME: 'rel', HOME: '/home/u' })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', path: 'XDG_CONFIG_HOME' }) as Error,
      );
    });
  });

  describe('when only $HOME is set (or $XDG_CONFIG_HOME is empty)', () => {
    it('returns $HOME/.config/notation', () => {
      expect(notationConfigDir({ HOME: '/home/u' })).toBe('/home/u/.config/notation');
      expect(notationConfigDir({ XDG_CONFIG_HOME: '', HOME: '/home/u' })).toBe(
        '/home/u/.config/notation',
      );
    });
  });

  describe('when neither is set', () => {
    it('throws CONFIG_INVALID telling to pass --trust-policy and --trust-store', () => {
      expect(() => notationConfigDir({})).toThrow(/pass --trust-policy and --trust-store/);
    });
  });
});

describe('notationPaths', () => {
  describe('when trustpolicy.oci.json exists (notation 1.3)', () => {
    it('returns it and the truststore directory', () => {
      const exists = (file: string) => file === '/xdg/notation/trustpolicy.oci.json';
      expect(notationPaths({ XDG_CONFIG_HOME: '/xdg' }, { exists })).toEqual({
        trustPolicyPath: '/xdg/notation/trustpolicy.oci.json',
        trustStoreDir: '/xdg/notation/truststore',
      });
    });
  });

  describe('when only trustpolicy.json exists, or nothing does', () => {
    it('returns trustpolicy.json', () => {
      expect(notationPaths({ HOME: '/home/u' }, { exists: () => false })).toEqual({
        trustPolicyPath: '/home/u/.config/notation/trustpolicy.json',
        trustStoreDir: '/home/u/.config/notation/truststore',
      });
    });
  });
});
