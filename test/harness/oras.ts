import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Descriptor } from './images.js';
import type { RegistryAccess } from './notation.js';
import { runOk } from './run.js';
import { requireTool } from './tools.js';
import { makeWorkdir } from './workdir.js';

export interface AttachArtifactOptions {
  /** e.g. `application/spdx+json`, `application/vnd.cyclonedx+json`, `application/sarif+json`. */
  artifactType: string;
  /** The file attached as the one layer (media type = artifactType); default a small JSON. */
  content?: string;
  /** Manifest annotations; `org.opencontainers.image.created` here replaces oras's own (now). */
  annotations?: Record<string, string>;
  /** Attach to one platform manifest of an index (`linux/arm64`), as `oras attach --platform`. */
  platform?: string;
}

/**
 * `oras attach --artifact-type …` of a reference (use `host/repo@sha256:…`): the real CLI writes
 * the referrer manifest (subject, artifactType, created annotation), through the referrers API
 * where the registry has one, else with the `sha256-<hex>` tag schema. Returns the manifest's
 * descriptor as oras reports it.
 */
export async function orasAttach(
  reference: string,
  access: RegistryAccess,
  options: AttachArtifactOptions,
): Promise<Descriptor> {
  const home = makeWorkdir('oras');
  const file = 'artifact.json';
  writeFileSync(
    path.join(home, file),
    options.content ?? `{"artifactType":"${options.artifactType}"}`,
  );
  const args = ['attach', '--artifact-type', options.artifactType, '--format', 'json'];
  if (access.url.startsWith('http:')) args.push('--plain-http');
  if (access.caPath) args.push('--ca-file', access.caPath);
  if (access.credentials)
    args.push('--username', access.credentials.username, '--password', access.credentials.password);
  if (options.platform) args.push('--platform', options.platform);
  for (const [k, v] of Object.entries(options.annotations ?? {}))
    args.push('--annotation', `${k}=${v}`);
  args.push(reference, `${file}:${options.artifactType}`);
  const out = await runOk(requireTool('oras'), args, {
    cwd: home,
    env: { HOME: home, DOCKER_CONFIG: path.join(home, 'docker') },
  });
  const json = JSON.parse(out) as Descriptor;
  return {
    mediaType: json.mediaType,
    digest: json.digest,
    size: json.size,
    ...(json.artifactType && { artifactType: json.artifactType }),
    ...(json.annotations && { annotations: json.annotations }),
  };
}

/** One side of `oras cp`: a registry (its kind says whether it has the referrers API). */
export interface CopyEndpoint extends RegistryAccess {
  /** olareg has the referrers API; distribution only the tag schema. */
  kind?: 'olareg' | 'distribution';
}

export interface CopyOptions {
  /** `-r`: the artifact and its referrers (signatures), recursively. Default true. */
  recursive?: boolean;
}

/** `--from-…` / `--to-…` flags of one side: plain HTTP, CA, login, and how referrers are found. */
function sideFlags(side: 'from' | 'to', access: CopyEndpoint): string[] {
  const args: string[] = [];
  if (access.url.startsWith('http:')) args.push(`--${side}-plain-http`);
  if (access.caPath) args.push(`--${side}-ca-file`, access.caPath);
  if (access.credentials)
    args.push(
      `--${side}-username`,
      access.credentials.username,
      `--${side}-password`,
      access.credentials.password,
    );
  // Told, not probed: distribution 2.8 has no referrers API, so the tag schema on that side.
  if (access.kind)
    args.push(
      `--${side}-distribution-spec`,
      access.kind === 'olareg' ? 'v1.1-referrers-api' : 'v1.1-referrers-tag',
    );
  return args;
}

/**
 * The real `oras cp` (with `-r` by default: the image and its referrers, signatures included)
 * from `from` (`host/repo@sha256:…` or `:tag`) to `to` (`host/repo[:tag]`), converting between
 * the referrers API and the tag schema as the two registries need. Returns the copied digest.
 */
export async function orasCopy(
  from: { reference: string; access: CopyEndpoint },
  to: { reference: string; access: CopyEndpoint },
  options: CopyOptions = {},
): Promise<string> {
  const home = makeWorkdir('oras-cp');
  const args = ['cp', '--no-tty'];
  if (options.recursive ?? true) args.push('-r');
  args.push(...sideFlags('from', from.access), ...sideFlags('to', to.access));
  args.push(from.reference, to.reference);
  const out = await runOk(requireTool('oras'), args, {
    cwd: home,
    env: { HOME: home, DOCKER_CONFIG: path.join(home, 'docker') },
  });
  const digest = /Digest: (sha256:[a-f0-9]{64})/.exec(out)?.[1];
  if (!digest) throw new Error(`oras cp printed no digest:\n${out}`);
  return digest;
}
