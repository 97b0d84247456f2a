import { describe, expect, it } from 'vitest';
import { acrScope, ecrRegistry, isAcrHost, isGcpHost } from './hosts.js';

describe('ecrRegistry', () => {
  it('returns account, region and FIPS of the documented ECR host names', () => {
    expect(ecrRegistry('123456789012.dkr.ecr.us-east-1.amazonaws.com')).toEqual({
      account: '123456789012',
      region: 'us-east-1',
      fips: false,
    });
    expect(ecrRegistry('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn')?.region).toBe(
      'cn-north-1',
    );
    expect(ecrRegistry('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com')).toMatchObject({
      region: 'us-gov-west-1',
      fips: true,
    });
    expect(ecrRegistry('123456789012.dkr-ecr.eu-west-3.on.aws')?.region).toBe('eu-west-3');
  });

  describe('when the host only looks like ECR', () => {
    it('returns undefined', () => {
      for (const host of [
        '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example',
        'evil.example/123456789012.dkr.ecr.us-east-1.amazonaws.com',
        '123456789012.dkr.ecr.us-east-1.amazonaws.com:5000',
        '12345.dkr.ecr.us-east-1.amazonaws.com',
        '123456789012.dkr.ecr.not_a_region.amazonaws.com',
        '123456789012.dkr.ecr.us-east-1.evil.amazonaws.com',
        'public.ecr.aws',
      ])
        expect([host, ecrRegistry(host)]).toEqual([host, undefined]);
    });
  });
});

describe('isAcrHost', () => {
  it('returns true for <name>.azurecr.io and the sovereign clouds', () => {
    expect(
      ['acmeprod.azurecr.io', 'acmeprod01.azurecr.cn', 'acmegov.azurecr.us'].map(isAcrHost),
    ).toEqual([true, true, true]);
  });

  it('returns false for look-alikes and other ports', () => {
    for (const host of [
      'azurecr.io',
      'acmeprod.azurecr.io.evil.example',
      'acmeprod.azurecr.io:444',
      'a.azurecr.io',
      'acmeprod.azurecr.de',
    ])
      expect([host, isAcrHost(host)]).toEqual([host, false]);
  });
});

describe('acrScope', () => {
  it("returns the scope of the host's cloud", () => {
    expect(acrScope('acmeprod.azurecr.io')).toBe('https://containerregistry.azure.net/.default');
    expect(acrScope('acmeprod.azurecr.cn')).toBe('https://containerregistry.azure.cn/.default');
    expect(acrScope('acmeprod.azurecr.us')).toBe('https://containerregistry.azure.us/.default');
  });
});

describe('isGcpHost', () => {
  it('returns true for Artifact Registry and Container Registry hosts', () => {
    for (const host of [
      'europe-west1-docker.pkg.dev',
      'us-docker.pkg.dev',
      'gcr.io',
      'eu.gcr.io',
      'marketplace.gcr.io',
    ])
      expect([host, isGcpHost(host)]).toEqual([host, true]);
  });

  it('returns false for look-alikes', () => {
    for (const host of [
      'docker.pkg.dev',
      'us-docker.pkg.dev.evil.example',
      'evilgcr.io',
      'gcr.io:444',
      'us-python.pkg.dev',
    ])
      expect([host, isGcpHost(host)]).toEqual([host, false]);
  });
});
