// One snapshot from notation's files: trustpolicy.json and the trust store directory
// (`<dir>/x509/<type>/<name>/*`), validated whole. Anything wrong refuses the configuration.
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  loadTrustStores,
  parseTrustPolicyDocument,
  validateTrustPolicyDocument,
  type TrustPolicyDocument,
  type TrustStores,
} from '../verify/index.js';
import { NO_MATCH_ACTIONS, oneOf, parseAdmissionOverrides } from './admission.js';
import { ConfigError, fromPolicyErrors, toConfigError, type ConfigProblem } from './errors.js';
import { createSnapshot } from './snapshot.js';
import type { AdmissionOverrides, NoMatchAction, Snapshot } from './snapshot.types.js';

/** Something the trust store loader ignored (a sub-directory, an unknown type directory). */
export interface TrustStoreWarning {
  store: string;
  path: string;
  message: string;
}

export interface FileSnapshotOptions {
  /** notation's `trustpolicy.json` (or `trustpolicy.oci.json`). */
  trustPolicyPath: string;
  /** The directory holding `x509/`, like notation's `truststore`. */
  trustStoreDir: string;
  /** Admission fields by statement name; every name must be a statement of the policy. */
  admission?: Readonly<Record<string, AdmissionOverrides>>;
  /** Default 'Deny' (decision 4). */
  noMatch?: NoMatchAction;
  onWarning?: (warning: TrustStoreWarning) => void;
}

/** A trust policy is a few KiB; anything this large is a mistake, not a policy. */
const MAX_POLICY_BYTES = 1024 * 1024;

function fsCode(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : 'unknown error';
}

async function readPolicyText(file: string): Promise<string> {
  try {
    const { size } = await stat(file);
    if (size > MAX_POLICY_BYTES)
      throw new ConfigError('POLICY_INVALID', `trust policy ${file} is larger than 1 MiB`, {
        path: file,
      });
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const why = fsCode(err) === 'ENOENT' ? 'does not exist' : `cannot be read (${fsCode(err)})`;
    throw new ConfigError('FILE_UNREADABLE', `trust policy ${file} ${why}`, {
      path: file,
      cause: err,
    });
  }
}

/** Parses and validates the document, reporting every problem at once. */
export async function readTrustPolicy(file: string): Promise<TrustPolicyDocument> {
  const text = await readPolicyText(file);
  const errors = validateTrustPolicyDocument(text);
  if (errors.length > 0) throw fromPolicyErrors(errors, file);
  return parseTrustPolicyDocument(text);
}

/**
 * The directory to hand to the loader. A kubelet ConfigMap/Secret mount makes `x509` a symlink
 * into `..data/` (swapped atomically on update); the loader refuses symlinks, so the one at the
 * top is resolved here and the loader reads the real, timestamped directory.
 */
async function storeRoot(dir: string): Promise<string | undefined> {
  const x509 = path.join(dir, 'x509');
  let real: string;
  try {
    real = await realpath(x509);
  } catch (err) {
    if (fsCode(err) === 'ENOENT') return undefined;
    throw new ConfigError(
      'FILE_UNREADABLE',
      `trust store ${x509} cannot be read (${fsCode(err)})`,
      {
        path: x509,
        cause: err,
      },
    );
  }
  if (path.basename(real) !== 'x509')
    throw new ConfigError('TRUST_STORE_INVALID', `trust store ${x509} links to ${real}`, {
      path: x509,
    });
  return path.dirname(real);
}

/** Loads every store under `<dir>/x509`; none when that directory does not exist. */
export async function readTrustStores(
  dir: string,
  onWarning?: (warning: TrustStoreWarning) => void,
): Promise<TrustStores> {
  const root = await storeRoot(dir);
  if (root === undefined) return new Map();
  try {
    return await loadTrustStores(root, onWarning ? { onWarning } : {});
  } catch (err) {
    throw toConfigError(err, dir);
  }
}

/** Every `type:name` a non-skip statement names must exist, as notation requires. */
function checkStoreReferences(document: TrustPolicyDocument, stores: TrustStores, dir: string) {
  const problems: ConfigProblem[] = [];
  document.trustPolicies.forEach((statement, i) => {
    if (statement.signatureVerification.level === 'skip') return;
    statement.trustStores.forEach((ref, j) => {
      if (stores.has(ref)) return;
      const [type = '', name = ''] = ref.split(':');
      const message = `trust policy statement "${statement.name}" uses trust store "${ref}", which does not exist (no directory ${path.join(dir, 'x509', type, name)})`;
      problems.push({
        code: 'TRUST_STORE_MISSING',
        path: `trustPolicies[${i}].trustStores[${j}]`,
        message,
      });
    });
  });
  if (problems.length > 0)
    throw new ConfigError('TRUST_STORE_INVALID', problems.map((p) => p.message).join('; '), {
      path: dir,
      problems,
    });
}

/** Overrides may only name statements the document has: a typo would silently not apply. */
function checkAdmissionNames(document: TrustPolicyDocument, admission: object, file: string) {
  const names = document.trustPolicies.map((s) => s.name);
  const unknown = Object.keys(admission).filter((name) => !names.includes(name));
  if (unknown.length === 0) return;
  const list = unknown.map((n) => JSON.stringify(n)).join(', ');
  throw new ConfigError(
    'CONFIG_INVALID',
    `admission settings name ${list}, which ${file} has no statement for (statements: ${names.join(', ')})`,
    { path: 'policies' },
  );
}

/**
 * Reads, validates and compiles notation's trust policy and trust store into a frozen snapshot.
 * @throws ConfigError FILE_UNREADABLE | POLICY_INVALID | TRUST_STORE_INVALID | CONFIG_INVALID
 */
export async function loadFileSnapshot(options: FileSnapshotOptions): Promise<Snapshot> {
  const trustPolicyPath = path.resolve(options.trustPolicyPath);
  const trustStoreDir = path.resolve(options.trustStoreDir);
  const admission = parseAdmissionOverrides(options.admission ?? {}, 'admission');
  const noMatch = oneOf(options.noMatch ?? 'Deny', NO_MATCH_ACTIONS, 'noMatch');
  const document = await readTrustPolicy(trustPolicyPath);
  checkAdmissionNames(document, admission, trustPolicyPath);
  const trustStores = await readTrustStores(trustStoreDir, options.onWarning);
  checkStoreReferences(document, trustStores, trustStoreDir);
  return createSnapshot({
    document,
    trustStores,
    admission,
    noMatch,
    source: `file:${trustPolicyPath}`,
  });
}
