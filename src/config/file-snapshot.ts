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
import {
  NO_MATCH_ACTIONS,
  oneOf,
  parseAdmissionOverrides,
  type StatementSettings,
} from './admission.js';
import { readCrlBundle } from './crl-bundle.js';
import { attachDctRoots } from './dct-roots.js';
import { ConfigError, fromPolicyErrors, toConfigError, type ConfigProblem } from './errors.js';
import { compileRequirements, pickRequirementFields } from './requirements.js';
import { groupStores } from './signers.js';
import { createSnapshot } from './snapshot.js';
import type {
  AdmissionOverrides,
  NoMatchAction,
  PolicyRequirements,
  Snapshot,
} from './snapshot.types.js';

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
  /**
   * Admission fields and requirements (signers, signersRequired, userMetadata …) by statement
   * name; every name must be a statement of the policy.
   */
  admission?: Readonly<Record<string, StatementSettings>>;
  /** Default 'Deny' (decision 4). */
  noMatch?: NoMatchAction;
  /** Where `admission` came from, for messages (`config.json: policies`). */
  configName?: string;
  onWarning?: (warning: TrustStoreWarning) => void;
  /** CRLs used instead of fetching (`--crl-bundle`: a file or a directory of them). */
  crlBundlePath?: string;
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

/** Every `type:name` a non-skip statement (or signer group) names must exist, as notation requires. */
function checkStoreReferences(
  document: TrustPolicyDocument,
  stores: TrustStores,
  dir: string,
  requirements: Readonly<Record<string, PolicyRequirements>>,
) {
  const problems: ConfigProblem[] = [];
  document.trustPolicies.forEach((statement, i) => {
    if (statement.signatureVerification.level === 'skip') return;
    const groups = Object.hasOwn(requirements, statement.name)
      ? groupStores(requirements[statement.name]!.signers)
      : [];
    [...statement.trustStores, ...groups].forEach((ref, j) => {
      if (stores.has(ref)) return;
      const [type = '', name = ''] = ref.split(':');
      const message = `trust policy statement "${statement.name}" uses trust store "${ref}", which does not exist (no directory ${path.join(dir, 'x509', type, name)})`;
      const at = j < statement.trustStores.length ? `trustStores[${j}]` : 'signers';
      problems.push({ code: 'TRUST_STORE_MISSING', path: `trustPolicies[${i}].${at}`, message });
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
 * The admission overrides and the compiled requirements of every statement the settings give
 * requirement fields for; a statement with signers goes into the document without trust of its
 * own (its groups carry it). Every problem of every entry in one CONFIG_INVALID.
 */
function compileStatementSettings(
  document: TrustPolicyDocument,
  settings: Readonly<Record<string, StatementSettings>>,
  where: string,
) {
  const admission: Record<string, AdmissionOverrides> = {};
  const requirements: Record<string, PolicyRequirements> = {};
  const problems: string[] = [];
  const trustPolicies = document.trustPolicies.map((statement) => {
    if (!Object.hasOwn(settings, statement.name)) return statement;
    const { action, onError, mutateDigest, ...rest } = settings[statement.name]!;
    admission[statement.name] = {
      ...(action !== undefined && { action }),
      ...(onError !== undefined && { onError }),
      ...(mutateDigest !== undefined && { mutateDigest }),
    };
    const fields = pickRequirementFields(rest);
    if (Object.keys(fields).length === 0) return statement;
    const compiled = compileRequirements(statement, fields, `${where}.${statement.name}`);
    problems.push(...compiled.problems);
    requirements[statement.name] = compiled.requirements;
    return compiled.statement;
  });
  if (problems.length > 0)
    throw new ConfigError('CONFIG_INVALID', problems.join('; '), {
      path: where,
      problems: problems.map((message) => ({ code: 'CONFIG_INVALID', path: where, message })),
    });
  return { document: { ...document, trustPolicies }, admission, requirements };
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
  const compiled = compileStatementSettings(document, admission, options.configName ?? 'policies');
  const trustStores = await readTrustStores(trustStoreDir, options.onWarning);
  checkStoreReferences(document, trustStores, trustStoreDir, compiled.requirements);
  // Docker Content Trust's pinned roots (issue 18): `<dir>/notaryV1Root/<name>/`.
  const requirements = await attachDctRoots(compiled.requirements, trustStoreDir);
  const crls =
    options.crlBundlePath === undefined ? undefined : await readCrlBundle(options.crlBundlePath);
  return createSnapshot({
    ...(crls && { crls }),
    document: compiled.document,
    trustStores,
    admission: compiled.admission,
    requirements,
    noMatch,
    source: `file:${trustPolicyPath}`,
  });
}
