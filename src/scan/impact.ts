// Which images a policy change can affect: an image's verdict depends only on the statement that
// governs it in its namespace, and in that namespace's own layer when it has one (or on the
// verdict reached without one: noMatch, a blocked policy),
// that statement's admission fields and requirements, and the certificates of the trust stores
// they name. Two snapshots that agree on all of that for an image give it the same verdict, so
// the scan re-verifies only images whose governing fingerprint changed.
import { createHash } from 'node:crypto';
import { canonicalJson, type Snapshot } from '../config/index.js';
import { choosePolicy } from '../pipeline/index.js';
import { parseReference, repositoryName } from '../registry/index.js';
import type { TrustPolicyStatement } from '../verify/index.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Fingerprints of one snapshot, memoised by statement and namespace (one pass of the scan). */
export class PolicyFingerprints {
  readonly #snapshot: Snapshot;
  readonly #byStatement = new Map<string, string>();
  readonly #layers = new Map<string, PolicyFingerprints | undefined>();

  constructor(snapshot: Snapshot) {
    this.#snapshot = snapshot;
  }

  /** What `image`'s verdict in `namespace` depends on, both layers, as one hash. */
  of(namespace: string, image: string): string {
    const cluster = this.#of(namespace, image);
    const layer = this.#layer(namespace);
    return layer ? sha256(`${cluster} ${layer.#of(namespace, image)}`) : cluster;
  }

  /** The namespace's own layer (issue 17), fingerprinted on its own snapshot. */
  #layer(namespace: string): PolicyFingerprints | undefined {
    if (this.#layers.has(namespace)) return this.#layers.get(namespace);
    const snapshot = this.#snapshot.namespaceLayer?.(namespace);
    const layer = snapshot && new PolicyFingerprints(snapshot);
    this.#layers.set(namespace, layer);
    return layer;
  }

  #of(namespace: string, image: string): string {
    let repository: string;
    try {
      repository = repositoryName(parseReference(image));
    } catch {
      return 'invalid-reference';
    }
    const choice = choosePolicy({ image }, repository, { snapshot: this.#snapshot, namespace });
    if ('verdict' in choice) {
      const { kind, admission } = choice.verdict;
      const code = 'code' in choice.verdict ? choice.verdict.code : '';
      return sha256(canonicalJson({ kind, admission, code }));
    }
    return this.#statement(choice.statement);
  }

  #statement(statement: TrustPolicyStatement): string {
    const known = this.#byStatement.get(statement.name);
    if (known !== undefined) return known;
    const snapshot = this.#snapshot;
    const requirements = snapshot.requirements?.(statement.name);
    const stores = new Set<string>(statement.trustStores ?? []);
    for (const group of requirements?.signers ?? [])
      for (const store of group.statement.trustStores ?? []) stores.add(store);
    const certificates = [...stores]
      .sort()
      .map((key) => [
        key,
        (snapshot.trustStores.get(key)?.certificates ?? [])
          .map((c) => createHash('sha256').update(new Uint8Array(c.rawData)).digest('hex'))
          .sort(),
      ]);
    const print = sha256(
      canonicalJson({
        statement,
        admission: snapshot.admission(statement.name),
        requirements,
        certificates,
      }),
    );
    this.#byStatement.set(statement.name, print);
    return print;
  }
}
