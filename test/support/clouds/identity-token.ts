// A projected service account token as the kubelet writes it for IRSA, EKS Pod Identity and Azure
// Workload Identity: a JWT whose `exp` the fake cloud endpoints check. Its signature is not
// checked (that is the real identity provider's job, against the cluster's OIDC keys).
import { writeFile } from 'node:fs/promises';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT for `sub` that expires `ttlSeconds` from now (negative: already expired). */
export function identityToken(sub: string, ttlSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'https://oidc.cluster.test',
    sub,
    aud: 'test',
    iat: now,
    exp: now + ttlSeconds,
  };
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.${Buffer.from('unsigned').toString('base64url')}`;
}

/** The claims of a token, or undefined when it is no JWT. */
export function claimsOf(token: string): { sub?: string; exp?: number } | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: string;
      exp?: number;
    };
  } catch {
    return undefined;
  }
}

/** Whether the token is a JWT for `sub` that has not expired. */
export function validToken(token: string, sub: string): 'ok' | 'expired' | 'invalid' {
  const claims = claimsOf(token.trim());
  if (claims?.sub !== sub || typeof claims.exp !== 'number') return 'invalid';
  return claims.exp * 1000 > Date.now() ? 'ok' : 'expired';
}

/** Writes a token file as the kubelet projects it. */
export async function writeToken(file: string, sub: string, ttlSeconds: number): Promise<void> {
  await writeFile(file, identityToken(sub, ttlSeconds));
}
