// Which platform manifests of an index must carry the signatures under EachPlatform and Either:
// every one a node could pull (narrowed by the statement's platforms filter), capped.
import type { OciDescriptor } from '../registry/index.js';

/**
 * Platform manifests verified per image (decision 10: whoever pushes the index writes its list;
 * an index of 10,000 entries fits in the 4 MiB manifest cap). Sixteen is above the widest
 * official multi-arch images (amd64, arm v5/v6/v7, arm64, 386, mips64le, ppc64le, riscv64,
 * s390x: ten) and keeps the worst case near 16 × 3 requests inside an admission deadline. An
 * index with more is failed, not sampled: the node could pull any of them.
 */
export const MAX_PLATFORMS = 16;

export type PlatformCode = 'PLATFORM_NOT_FOUND' | 'TOO_MANY_PLATFORMS';

/** `linux/arm64/v8`; an entry without a platform can be pulled on any node. */
export function platformLabel(d: OciDescriptor): string {
  const p = d.platform;
  if (p === undefined) return '(no platform)';
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

/** `linux/arm64` matches every arm64 variant; `linux/arm/v7` only v7. No platform matches all. */
function matches(d: OciDescriptor, filter: readonly string[] | undefined): boolean {
  const p = d.platform;
  if (filter === undefined || p === undefined) return true;
  return filter.some((f) => {
    const [os, architecture, variant] = f.split('/');
    return (
      os === p.os &&
      architecture === p.architecture &&
      (variant === undefined || variant === p.variant)
    );
  });
}

/** Attestation manifests (buildx: `unknown/unknown`) are never pulled to run. */
const runnable = (d: OciDescriptor): boolean =>
  !(d.platform?.os === 'unknown' && d.platform.architecture === 'unknown');

/** The platform manifests that must be signed, or why none can be chosen. */
export function selectPlatforms(
  manifests: readonly OciDescriptor[],
  filter: readonly string[] | undefined,
): { chosen: OciDescriptor[] } | { code: PlatformCode; reason: string } {
  const chosen = manifests.filter((d) => runnable(d) && matches(d, filter));
  if (chosen.length > MAX_PLATFORMS)
    return {
      code: 'TOO_MANY_PLATFORMS',
      reason: `the index lists ${chosen.length} platform manifests to verify, more than ${MAX_PLATFORMS}`,
    };
  if (chosen.length === 0) {
    const among = filter ? ` among ${filter.join(', ')}` : '';
    return { code: 'PLATFORM_NOT_FOUND', reason: `the index lists no platform manifest${among}` };
  }
  return { chosen };
}
