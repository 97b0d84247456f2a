// The components every differential scenario runs against (two registries, a TSA, CRL and OCSP
// servers, a stranger PKI, one trusted PKI per key type), and every scenario prepared on them.
// The same construction as differential.test.ts's beforeAll, shared so other suites comparing
// with `notation verify` build exactly the same world.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  makePki,
  serveCrl,
  startOcspResponder,
  startRegistry,
  startTsa,
  type KeySpec,
  type Pki,
} from '../../harness/index.js';
import { prepare, type Infra, type Prepared } from './prepare.js';
import type { Scenario } from './scenarios.js';

export interface DifferentialWorld {
  infra: Infra;
  /** Prepared scenarios by name. */
  prepared: Map<string, Prepared>;
  stop(): Promise<void>;
}

/** Starts the components and prepares `scenarios`; resolves once every one may be verified. */
export async function startDifferentialWorld(
  scenarios: readonly Scenario[],
): Promise<DifferentialWorld> {
  const trustedPkis = new Map<KeySpec, Promise<Pki>>();
  const trusted = (key: KeySpec): Promise<Pki> => {
    if (!trustedPkis.has(key)) trustedPkis.set(key, makePki({ key }));
    return trustedPkis.get(key)!;
  };
  const [distribution, olareg, tsa, crl, ocsp, stranger] = await Promise.all([
    startRegistry({ kind: 'distribution' }),
    startRegistry({ kind: 'olareg' }),
    startTsa(),
    serveCrl(),
    startOcspResponder(),
    makePki({ key: 'ec-p256', name: 'Stranger' }),
  ]);
  const infra: Infra = { registries: { distribution, olareg }, tsa, crl, ocsp, stranger, trusted };
  const stop = async (): Promise<void> => {
    await Promise.all([distribution.stop(), olareg.stop(), tsa.stop(), crl.stop(), ocsp.stop()]);
  };
  const prepared = new Map<string, Prepared>();
  try {
    for (const s of scenarios) prepared.set(s.name, await prepare(s, infra));
  } catch (err) {
    await stop();
    throw err;
  }
  // Expiry scenarios are verified only once their signature or leaf has expired.
  const wait = Math.max(0, ...[...prepared.values()].map((p) => p.notBefore)) - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  return { infra, prepared, stop };
}

/**
 * Writes a scenario's trust policy and trust store as notation keeps them under
 * `$XDG_CONFIG_HOME`: `<configHome>/notation/trustpolicy.json` and
 * `<configHome>/notation/truststore/x509/<type>/<name>/*.crt`. Returns the notation directory.
 */
export function writeNotationConfig(p: Prepared, configHome: string): string {
  const dir = path.join(configHome, 'notation');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'trustpolicy.json'), JSON.stringify(p.trustPolicy));
  for (const [type, stores] of Object.entries(p.trustStores)) {
    for (const [name, certs] of Object.entries(stores)) {
      const store = path.join(dir, 'truststore', 'x509', type, name);
      mkdirSync(store, { recursive: true });
      for (const cert of certs) copyFileSync(cert, path.join(store, path.basename(cert)));
    }
  }
  return dir;
}
