// `notary-admission verify <reference>`: one image, verified the way `notation verify` does it
// (same trust policy and trust store files, same messages, same exit codes), with the product's
// registry client, revocation fetcher and verifier, so its verdict is the webhook's.
import { readFile } from 'node:fs/promises';
// Direct imports: src/config/index.js would load @kubernetes/client-node (see cli.ts).
import { ConfigError } from './config/errors.js';
import { loadFileSnapshot } from './config/file-snapshot.js';
import type { VerifySettings } from './config/settings.js';
import type { DctAlternative, Snapshot } from './config/snapshot.types.js';
import { printDctText, readDctPolicy, verifyDctReference, type DctRun } from './cli-dct.js';
import { choosePolicy, computeVerification, resolveArtifact } from './pipeline/index.js';
import {
  createRevocationFetcher,
  isRegistryError,
  parseReference,
  RegistryClient,
  repositoryName,
  type HostResolver,
  type ImageReference,
} from './registry/index.js';
import {
  createRevocationChecker,
  type Descriptor,
  type RevocationChecker,
} from './verify/index.js';
import {
  EXIT,
  exitCodeOf,
  printJson,
  printText,
  reportError,
  reportPolicyVerdict,
  reportVerification,
  tagWarning,
  type VerifyIo,
  type VerifyReport,
} from './cli-report.js';

/** Where the command writes: stdout and stderr (tests capture them). */

export interface VerifyDeps {
  now?: () => number;
  /** DNS for the registry and revocation address guards. */
  resolver?: HostResolver;
}

async function readConfigFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'unknown error';
    throw new ConfigError('FILE_UNREADABLE', `${what} ${file} cannot be read (${code})`, {
      path: file,
      cause: err,
    });
  }
}

/** The registry CA bundles and credentials the settings name, read. */
async function readRegistryFiles(
  settings: VerifySettings,
): Promise<{ caBundles: Record<string, string>; credentials?: string }> {
  const caBundles: Record<string, string> = {};
  for (const [host, file] of Object.entries(settings.registryCaFiles))
    caBundles[host] = await readConfigFile(file, `registry CA bundle for ${host}`);
  const credentials =
    settings.registryCredentialsFile === undefined
      ? undefined
      : await readConfigFile(settings.registryCredentialsFile, 'registry credentials');
  return { caBundles, ...(credentials !== undefined && { credentials }) };
}

/** The registry client as the settings describe it. */
function createRegistry(
  settings: VerifySettings,
  deps: VerifyDeps,
  ref: ImageReference,
  { caBundles, credentials }: Awaited<ReturnType<typeof readRegistryFiles>>,
): RegistryClient {
  return new RegistryClient({
    caBundles,
    ...(credentials !== undefined && { credentials }),
    insecureRegistries: settings.insecureReference
      ? [...settings.insecureRegistries, ref.registry]
      : settings.insecureRegistries,
    allowPrivateNetworks: settings.allowPrivateNetworks,
    timeoutMs: settings.timeoutMs,
    ...(settings.proxy && { proxy: settings.proxy }),
    ...(deps.now && { now: deps.now }),
    ...(deps.resolver && { resolver: deps.resolver }),
  });
}

interface Run {
  settings: VerifySettings;
  ref: ImageReference;
  snapshot: Snapshot;
  registry: RegistryClient;
  revocation: RevocationChecker | undefined;
  now: () => number;
  warnings: string[];
}

/**
 * Resolve (a tag), choose the policy, list the signatures and verify, inside one deadline:
 * src/pipeline's steps, the service's own, in notation's order (the tag is resolved before the
 * policy is looked at, so even a `skip` names the digest, and a missing tag is reported before a
 * missing policy). No cache: the full account of one verification is reported.
 */
async function verifyReference(run: Run): Promise<VerifyReport> {
  const { settings, ref, registry } = run;
  const call = {
    signal: AbortSignal.timeout(settings.timeoutMs),
    deadline: run.now() + settings.timeoutMs,
  };
  const base = { reference: settings.reference, warnings: run.warnings };
  let artifact: Descriptor | string;
  try {
    // A digest reference is not resolved, as in the webhook: each signature's subject binds it.
    artifact = await resolveArtifact(registry, ref, call);
  } catch (err) {
    return reportError(base, err);
  }
  const digest = typeof artifact === 'string' ? artifact : artifact.digest;
  const resolved = {
    ...base,
    digest,
    warnings: ref.digest ? base.warnings : [tagWarning(ref), ...base.warnings],
  };
  const policy = choosePolicy({ image: settings.reference }, repositoryName(ref), {
    snapshot: run.snapshot,
    namespace: undefined,
  });
  if ('verdict' in policy) return reportPolicyVerdict(resolved, policy.verdict);
  try {
    const verification = await computeVerification({
      registry,
      ref,
      artifact,
      document: run.snapshot.documentFor(undefined),
      trustStores: run.snapshot.trustStores,
      requirements: policy.requirements,
      ...call,
      now: run.now,
      ...(run.revocation && { revocation: run.revocation }),
      userMetadata: settings.userMetadata,
      maxSignatures: settings.maxSignatures,
    });
    return reportVerification(resolved, verification);
  } catch (err) {
    return reportError(resolved, err);
  }
}

/** `--dct-server`: the image's Docker Content Trust, printed (cli-dct.ts). */
async function runDct(run: DctRun, io: VerifyIo): Promise<number> {
  try {
    const report = await verifyDctReference(run);
    if (run.settings.output === 'json') printJson(report, io);
    else printDctText(report, io);
    return exitCodeOf(report);
  } finally {
    await run.registry.close();
  }
}

function usageError(err: unknown, io: VerifyIo): number {
  if (!(err instanceof ConfigError) && !isRegistryError(err)) throw err;
  io.err(`Error: ${err.message}${err instanceof ConfigError ? '' : ` [${err.code}]`}\n`);
  return EXIT.USAGE;
}

/**
 * Verifies `settings.reference` and prints the result; resolves to the exit code. Configuration
 * problems (trust policy, trust store, files, the reference itself) exit 2 before any network
 * traffic; everything after that which is not a verified signature exits 1.
 */
export async function runVerify(
  settings: VerifySettings,
  io: VerifyIo,
  deps: VerifyDeps = {},
): Promise<number> {
  const now = deps.now ?? Date.now;
  const warnings: string[] = [];
  let ref: ImageReference;
  let snapshot: Snapshot | undefined;
  let dct: DctAlternative | undefined;
  let registry: RegistryClient;
  let files: Awaited<ReturnType<typeof readRegistryFiles>>;
  try {
    ref = parseReference(settings.reference);
    // --dct-server: Docker Content Trust instead of notation's trust policy (cli-dct.ts).
    if (settings.dct) dct = await readDctPolicy(settings.dct);
    else
      snapshot = await loadFileSnapshot({
        trustPolicyPath: settings.trustPolicyPath,
        trustStoreDir: settings.trustStoreDir,
        onWarning: (w) => warnings.push(`trust store ${w.store}: ${w.path}: ${w.message}`),
      });
    files = await readRegistryFiles(settings);
    registry = createRegistry(settings, deps, ref, files);
  } catch (err) {
    return usageError(err, io);
  }
  if (dct) return runDct({ settings, policy: dct, ref, registry, now, warnings, deps, files }, io);
  const fetcher =
    settings.revocation === 'online'
      ? createRevocationFetcher({
          timeoutMs: settings.timeoutMs,
          allowPrivateNetworks: settings.allowPrivateNetworks,
          ...(settings.proxy && { proxy: settings.proxy }),
          ...(deps.resolver && { resolver: deps.resolver }),
        })
      : undefined;
  try {
    const revocation = fetcher && createRevocationChecker({ fetcher });
    const report = await verifyReference({
      settings,
      ref,
      snapshot: snapshot!,
      registry,
      revocation,
      now,
      warnings,
    });
    if (settings.output === 'json') printJson(report, io);
    else printText(report, ref, io);
    return exitCodeOf(report);
  } finally {
    // No handle may outlive the command: the process exits by itself.
    await Promise.allSettled([registry.close(), fetcher?.close()]);
  }
}
