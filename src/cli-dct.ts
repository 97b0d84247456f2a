// `notary-admission verify --dct-server URL --dct-root FILE <reference>` (issue 18): the image's
// Docker Content Trust, checked as the webhook checks a policy's `dct` block (src/pipeline/dct.ts):
// the tag resolved in the registry, then the Notary server's trust data from the pinned root
// through the accepted roles must sign that digest. Prints the trusted digest and the signing
// role, so a migration to Notation can be checked image by image.
import { readFile } from 'node:fs/promises';
import { ConfigError } from './config/errors.js';
import type { VerifySettings } from './config/settings.js';
import type { DctAlternative } from './config/snapshot.types.js';
import { createDctContext, resolveArtifact, verifyDct } from './pipeline/index.js';
import {
  credentialsFromDockerConfig,
  type ImageReference,
  type RegistryClient,
} from './registry/index.js';
import { createTufTrustStore, isTufError } from './verify/index.js';
import {
  reportError,
  tagWarning,
  type DctReport,
  type VerifyIo,
  type VerifyReport,
} from './cli-report.js';
import type { VerifyDeps } from './cli-verify.js';

/** The pinned roots of `--dct-root`, checked before any network traffic. */
export async function readDctPolicy(
  dct: NonNullable<VerifySettings['dct']>,
): Promise<DctAlternative> {
  const roots: string[] = [];
  for (const file of dct.rootFiles) {
    try {
      roots.push(await readFile(file, 'utf8'));
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? String(err.code) : 'unknown error';
      throw new ConfigError('FILE_UNREADABLE', `--dct-root ${file} cannot be read (${code})`, {
        path: file,
        cause: err,
      });
    }
  }
  try {
    createTufTrustStore(roots);
  } catch (err) {
    if (!isTufError(err)) throw err;
    throw new ConfigError('TRUST_STORE_INVALID', `--dct-root: ${err.message}`, {
      path: '--dct-root',
    });
  }
  // The window is the webhook's business: the command checks the trust data as it is now.
  const until = new Date(8.64e15).toISOString();
  return { server: dct.server, until, trustStore: '--dct-root', roots, roles: dct.roles };
}

export interface DctRun {
  settings: VerifySettings;
  /** The registry CA bundles and credentials, also the Notary server's. */
  files: { caBundles: Record<string, string>; credentials?: string };
  policy: DctAlternative;
  ref: ImageReference;
  registry: RegistryClient;
  now: () => number;
  warnings: string[];
  deps: VerifyDeps;
}

/** Resolves the reference (a tag), then checks its trust data; never rejects for what a server did. */
export async function verifyDctReference(run: DctRun): Promise<VerifyReport> {
  const { settings, ref, policy } = run;
  const call = {
    signal: AbortSignal.timeout(settings.timeoutMs),
    deadline: run.now() + settings.timeoutMs,
  };
  const base = { reference: settings.reference, warnings: run.warnings };
  let artifact;
  try {
    artifact = await resolveArtifact(run.registry, ref, call);
  } catch (err) {
    return reportError(base, err);
  }
  const digest = typeof artifact === 'string' ? artifact : artifact.digest;
  const warnings = ref.digest ? base.warnings : [tagWarning(ref), ...base.warnings];
  const context = createDctContext({
    insecureRegistries: settings.insecureRegistries,
    caBundles: run.files.caBundles,
    ...(run.files.credentials !== undefined && {
      credentials: credentialsFromDockerConfig(run.files.credentials),
    }),
    ...(run.deps.resolver && { resolver: run.deps.resolver }),
    allowPrivateNetworks: settings.allowPrivateNetworks,
    ...(settings.proxy && { proxy: settings.proxy }),
    now: run.now,
  });
  try {
    const out = await verifyDct({ ref, artifact, ...call, now: run.now }, policy, context);
    const dct: DctReport = { server: policy.server, gun: out.gun };
    if (out.verified)
      return {
        reference: settings.reference,
        digest,
        verified: true,
        inconclusive: false,
        failures: [],
        warnings,
        dct: { ...dct, tag: out.target.name, role: out.target.role },
      };
    const { failure } = out;
    return {
      reference: settings.reference,
      digest,
      verified: false,
      inconclusive: failure.result === 'inconclusive',
      failures: [],
      warnings,
      error: { code: failure.code, message: failure.reason },
      dct,
    };
  } catch (err) {
    return reportError({ ...base, digest, warnings }, err);
  } finally {
    await context.close();
  }
}

/** The text report: the trusted digest and role on stdout, or why not on stderr. */
export function printDctText(report: VerifyReport, io: VerifyIo): void {
  for (const warning of report.warnings) io.err(`Warning: ${warning}\n`);
  const dct = report.dct;
  if (report.verified && dct)
    io.out(
      `Trusted digest ${report.digest} for ${report.reference}: tag ${dct.tag} signed by ${dct.role} (Docker Content Trust, ${dct.server}, ${dct.gun})\n`,
    );
  else if (report.inconclusive)
    io.err(
      `Error: could not check Docker Content Trust of ${report.reference}: ${report.error?.message} [${report.error?.code}]\n`,
    );
  else
    io.err(
      `Error: Docker Content Trust verification failed: ${report.error?.message ?? 'not verified'} [${report.error?.code ?? 'UNKNOWN'}]\n`,
    );
}
