// The shipped program: src/cli.ts bundled into dist/bundle/ as ES modules (issue 20, start-up and
// memory). Node then opens a few files instead of about 2,000 and never runs the CommonJS export
// lexer on our dependencies: `serve` starts in about half the CPU time. V8 keeps every module's
// source in memory (Function.prototype.toString), so minified source saves resident memory too.
// Names are not kept: esbuild's keepNames wraps every closure made per request in a call that
// redefines its name (measured: 10–15 µs per warm review); our log lines name errors by their
// `name` field, never by their class, and stacks (logged at debug only) map back through the
// linked source maps. What `serve` does not load at start (the Kubernetes client, the cloud SDKs,
// `verify`) stays in chunks imported on first use.
//   node esbuild.config.js            (npm run build runs it after tsc)
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { build } from 'esbuild';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/** Bundles `entry` (default src/cli.ts) into `outdir` (default dist/bundle). */
export async function bundle({
  entry = path.join(ROOT, 'src/cli.ts'),
  outdir = path.join(ROOT, 'dist/bundle'),
} = {}) {
  rmSync(outdir, { recursive: true, force: true }); // chunk names change with their content
  const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  await build({
    entryPoints: { cli: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    // Bundled CommonJS packages call require(): give the ES module one.
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
    },
    // Left in node_modules (the image keeps the production dependencies) and loaded by Node:
    // - Fastify requires these only for route schemas and inject(), which serve never uses (app.ts
    //   gives it a schema controller without compilers);
    // - the cloud SDKs are imported on first use only (src/cloud), so bundling them gains no
    //   start-up, and a bundled CommonJS package imported with import() exposes only `default`
    //   (esbuild's code splitting), where Node gives its named exports too: `fromTokenFile is
    //   not a function` (test/integration/cloud/bundle-ecr.test.ts).
    external: [
      '@aws-sdk/*',
      '@azure/*',
      '@fastify/ajv-compiler',
      '@fastify/fast-json-stringify-compiler',
      'light-my-request',
    ],
    define: {
      // The bundle does not sit next to package.json: `version` is written in.
      __NOTARY_ADMISSION_VERSION__: JSON.stringify(version),
      // cbor-x's optional native string extractor (cbor-extract) finds its binary from its own
      // `__dirname`, which a bundle does not have: the attempt always failed here, after about
      // 9 ms of start-up loading its libc detection. This turns the attempt off, as cbor-x's
      // own switch does; COSE envelopes are a few kilobytes, decoded in JavaScript either way.
      'process.env.CBOR_NATIVE_ACCELERATION_DISABLED': '"true"',
    },
    logLevel: 'warning',
  });
  return path.join(outdir, 'cli.js');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await bundle();
