// The signing world of the reliability suites: a real olareg, a trusted PKI and a stranger's,
// and three sets of images the test knows the truth about: signed by the trusted key (the only
// ones that may ever be admitted), signed by a stranger, and unsigned.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  makePki,
  notationSign,
  pushImage,
  startRegistry,
  type Pki,
  type PushedImage,
  type Registry,
} from '../../harness/index.js';
import type { TrustStoreFiles } from '../../support/service.js';

/** What the test knows about an image: only `signed` may be admitted. */
export type Truth = 'signed' | 'stranger' | 'unsigned';

export interface WorldImage extends PushedImage {
  truth: Truth;
}

export interface ReliabilityWorld {
  registry: Registry;
  pki: Pki;
  stranger: Pki;
  signed: WorldImage[];
  strangers: WorldImage[];
  unsigned: WorldImage[];
  /** One statement `prod`, every registry, strict, the trusted root. */
  trustPolicy: unknown;
  trustStores: TrustStoreFiles;
  /** Writes the trust policy and store under `dir` (notation's layout); returns `serve` flags. */
  writePolicyFiles(dir: string): Promise<string[]>;
  /** The image as reached through another host (a proxy in front of the registry). */
  via(host: string, image: PushedImage): string;
  stop(): Promise<void>;
}

export const POLICY = 'prod';

/** Runs `fn` over `items`, `width` at a time. */
async function inBatches<T, R>(items: T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

/** Starts olareg and two PKIs, and pushes and signs (with the real notation CLI) the images. */
export async function startWorld(counts: {
  signed: number;
  strangers?: number;
  unsigned?: number;
  prefix?: string;
}): Promise<ReliabilityWorld> {
  const [registry, pki, stranger] = await Promise.all([
    startRegistry({ kind: 'olareg' }),
    makePki({ key: 'ec-p256', levels: 2, name: 'Reliability Signer' }),
    makePki({ key: 'ec-p256', levels: 2, name: 'Stranger' }),
  ]);
  const prefix = counts.prefix ?? 'rel';
  const trustPolicy = {
    version: '1.0',
    trustPolicies: [
      {
        name: POLICY,
        registryScopes: ['*'],
        signatureVerification: { level: 'strict' },
        trustStores: ['ca:acme'],
        trustedIdentities: ['*'],
      },
    ],
  };
  const make = async (truth: Truth, n: number): Promise<WorldImage[]> => {
    const indexes = Array.from({ length: n }, (_, i) => i);
    return inBatches(indexes, 8, async (i) => {
      const image = await pushImage(registry, `${prefix}/${truth}-${i}`);
      const signer = truth === 'signed' ? pki : truth === 'stranger' ? stranger : undefined;
      if (signer)
        await notationSign(image.reference, registry, {
          key: signer.leaf.keyPath,
          certChain: signer.chainPath,
          referrersApi: true,
        });
      return { ...image, truth };
    });
  };
  const signed = await make('signed', counts.signed);
  const strangers = await make('stranger', counts.strangers ?? 0);
  const unsigned = await make('unsigned', counts.unsigned ?? 0);
  return {
    registry,
    pki,
    stranger,
    signed,
    strangers,
    unsigned,
    trustPolicy,
    trustStores: { ca: { acme: [pki.root.pem] } },
    writePolicyFiles: async (dir) => {
      const store = path.join(dir, 'truststore', 'x509', 'ca', 'acme');
      await mkdir(store, { recursive: true });
      await writeFile(path.join(store, 'root.crt'), pki.root.pem);
      await writeFile(path.join(dir, 'trustpolicy.json'), JSON.stringify(trustPolicy));
      return [
        ...['--trust-policy', path.join(dir, 'trustpolicy.json')],
        ...['--trust-store', path.join(dir, 'truststore')],
      ];
    },
    via: (host, image) => `${host}/${image.repository}@${image.digest}`,
    stop: () => registry.stop(),
  };
}
