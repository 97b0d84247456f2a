// `notary-admission verify --dct-server URL --dct-root FILE [--dct-role ROLE] <reference>`
// (issue 18): checks one image's Docker Content Trust instead of its Notation signature, so a
// migration can be checked image by image. The root is pinned (no trust on first use).
import { ConfigError } from './errors.js';
import { DCT_ROLE, DEFAULT_DCT_ROLES, MAX_DCT_ROLES } from './dct.js';
import { each, pathOf, str, type FlagSpec, type Layers } from './sources.js';
import { BadValue } from './values.js';

/** What `verify` checks with `--dct-server`. */
export interface DctVerifySettings {
  /** The Notary server's origin. */
  server: string;
  /** PEM files of the pinned root certificates or public keys (absolute paths). */
  rootFiles: string[];
  /** The roles whose signatures count, in order. */
  roles: string[];
}

export const DCT_VERIFY_FLAGS: FlagSpec[] = [
  {
    flag: 'dct-server',
    kind: 'string',
    placeholder: 'URL',
    help: 'check Docker Content Trust on this Notary server instead of the Notation signature (prints the trusted digest and the signing role)',
    default: 'off',
  },
  {
    flag: 'dct-root',
    kind: 'list',
    placeholder: 'FILE',
    help: 'PEM root certificate or public key the trust data must chain to (repeatable; required with --dct-server)',
    default: 'none',
  },
  {
    flag: 'dct-role',
    kind: 'list',
    placeholder: 'ROLE',
    help: 'role whose signatures count, in order (repeatable)',
    default: DEFAULT_DCT_ROLES.join(', '),
  },
];

const origin = str((text) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadValue('must be the Notary server URL, such as https://notary.docker.io');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new BadValue('must be an https:// URL (http:// for a host given to --insecure-registry)');
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
    throw new BadValue('must be an origin, without path, query or credentials');
  return url.origin;
});

const role = (text: string): string => {
  if (!DCT_ROLE.test(text))
    throw new BadValue(
      `${JSON.stringify(text)} is not targets or a delegation such as targets/releases`,
    );
  return text;
};

/** The DCT settings of `verify`, or undefined without `--dct-server`. */
export function dctVerifySettings(layers: Layers): { dct?: DctVerifySettings } {
  const server = layers.get('dct-server', origin, undefined);
  const rootFiles = layers.get(
    'dct-root',
    each((t, raw) => pathOf({ ...raw, value: t })),
    [],
  );
  const roles = layers.get('dct-role', each(role), [...DEFAULT_DCT_ROLES]);
  if (server === undefined) {
    const stray = layers.raw('dct-root') ?? layers.raw('dct-role');
    if (stray)
      throw new ConfigError(stray.code, `${stray.from} needs --dct-server`, { path: stray.from });
    return {};
  }
  if (rootFiles.length === 0)
    throw new ConfigError(
      'FLAG_INVALID',
      '--dct-server needs --dct-root: the root is pinned, never trusted on first use',
      {
        path: '--dct-root',
      },
    );
  if (roles.length > MAX_DCT_ROLES || new Set(roles).size !== roles.length)
    throw new ConfigError('FLAG_INVALID', `--dct-role: at most ${MAX_DCT_ROLES} roles, each once`, {
      path: '--dct-role',
    });
  return { dct: { server, rootFiles, roles } };
}
