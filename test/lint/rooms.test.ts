import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, it } from 'vitest';
import { roomsRule } from '../../eslint/rooms.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });
const at = (room: string): string => `/repo/src/${room}`;

tester.run('local/rooms', roomsRule, {
  valid: [
    { filename: `${at('verify/envelope')}/jws.ts`, code: "import { x } from '../types.js';" },
    {
      filename: `${at('verify')}/chain.ts`,
      code: "import { X509Certificate } from '@peculiar/x509';",
    },
    {
      filename: `${at('registry')}/client.ts`,
      code: "import type { Descriptor } from '../verify/types.js';",
    },
    {
      filename: `${at('registry')}/client.ts`,
      code: "import { type Descriptor } from '../verify/types.js';",
    },
    { filename: `${at('webhook')}/app.ts`, code: "import { f } from '../registry/client.js';" },
    { filename: '/repo/src/main.ts', code: "import { f } from './webhook/app.js';" },
    {
      filename: `${at('webhook')}/review.ts`,
      code: "import { createImageVerifier } from '../pipeline/index.js';",
    },
    ...['verify/index.js', 'registry/index.js', 'cache/index.js'].map((target) => ({
      filename: `${at('pipeline')}/verify-image.ts`,
      code: `import { f } from '../${target}';`,
    })),
    {
      filename: `${at('pipeline')}/policy.ts`,
      code: "import type { Snapshot } from '../config/snapshot.types.js';",
    },
    { filename: '/repo/src/cli-verify.ts', code: "import { f } from './pipeline/index.js';" },
    ...['verify', 'registry', 'config', 'pipeline', 'webhook'].map((room) => ({
      filename: `${at(room)}/x.ts`,
      code: "import { normaliseHost } from '../names/index.js';",
    })),
    { filename: `${at('names')}/host.ts`, code: "import { isIP } from 'node:net';" },
    { filename: `${at('names')}/host.test.ts`, code: "import fc from 'fast-check';" },
    { filename: '/repo/test/x.test.ts', code: "import { f } from '../src/registry/client.js';" },
    // src/kube: every API-server call; it may compile with config and use client-node.
    ...['config/index.js', 'verify/index.js', 'names/index.js'].map((target) => ({
      filename: `${at('kube')}/policy-source.ts`,
      code: `import { f } from '../${target}';`,
    })),
    {
      filename: `${at('kube')}/informers.ts`,
      code: "import { makeInformer } from '@kubernetes/client-node';",
    },
    ...[`${at('webhook')}/review.ts`, `${at('scan')}/scanner.ts`].map((filename) => ({
      filename,
      code: "import { f } from '../kube/index.js';",
    })),
    { filename: '/repo/src/main.ts', code: "import { f } from './kube/index.js';" },
    ...['pipeline/index.js', 'cache/index.js', 'config/index.js'].map((target) => ({
      filename: `${at('scan')}/scanner.ts`,
      code: `import { f } from '../${target}';`,
    })),
    // src/cloud: the cloud SDKs (loaded on demand), src/registry's hook, src/config's types.
    ...[
      "const { ECRClient } = await import('@aws-sdk/client-ecr');",
      "import type { TokenCredential } from '@azure/identity';",
      "import { RegistryError } from '../registry/index.js';",
      "import type { EcrSettings } from '../config/index.js';",
    ].map((code) => ({ filename: `${at('cloud')}/ecr.ts`, code })),
    { filename: '/repo/src/main.ts', code: "import { f } from './cloud/index.js';" },
  ],
  invalid: [
    {
      filename: `${at('names')}/host.ts`,
      code: "import { f } from '../verify/index.js';",
      errors: [{ messageId: 'room' }],
    },
    {
      filename: `${at('names')}/host.ts`,
      code: "import { parse } from 'tldts';",
      errors: [{ messageId: 'pkg' }],
    },
    {
      filename: `${at('cache')}/cache-key.ts`,
      code: "import { normaliseHost } from '../names/index.js';",
      errors: [{ messageId: 'room' }],
    },
    {
      filename: `${at('verify/envelope')}/jws.ts`,
      code: "import { f } from '../../registry/client.js';",
      errors: [{ messageId: 'room' }],
    },
    {
      filename: `${at('verify')}/x.ts`,
      code: "import Fastify from 'fastify';",
      errors: [{ messageId: 'pkg' }],
    },
    {
      filename: `${at('verify')}/x.ts`,
      code: "import { request } from 'undici';",
      errors: [{ messageId: 'pkg' }],
    },
    {
      filename: `${at('verify')}/x.ts`,
      code: "import * as k8s from '@kubernetes/client-node/dist/x.js';",
      errors: [{ messageId: 'pkg' }],
    },
    {
      filename: `${at('verify')}/x.ts`,
      code: "export * from '../cache/lru.js';",
      errors: [{ messageId: 'room' }],
    },
    {
      filename: `${at('verify')}/x.ts`,
      code: "const m = await import('../main.js');",
      errors: [{ messageId: 'room' }],
    },
    {
      filename: `${at('registry')}/client.ts`,
      code: "import { verify } from '../verify/index.js';",
      errors: [{ messageId: 'typeOnly' }],
    },
    {
      filename: `${at('cache')}/lru.ts`,
      code: "import type { X } from '../verify/types.js';",
      errors: [{ messageId: 'room' }],
    },
    {
      filename: `${at('config')}/store.ts`,
      code: "import { f } from '../webhook/app.js';",
      errors: [{ messageId: 'room' }],
    },
    // The pipeline sits below every edge: nothing under it may call back up into it...
    ...['verify', 'registry', 'config', 'cache', 'names'].map((room) => ({
      filename: `${at(room)}/x.ts`,
      code: "import type { ImageVerdict } from '../pipeline/index.js';",
      errors: [{ messageId: 'room' as const }],
    })),
    // ...and it never reaches up into the edge, nor telemetry (it is handed callbacks).
    ...['webhook/decision.js', 'telemetry/index.js', 'main.js'].map((target) => ({
      filename: `${at('pipeline')}/verify-image.ts`,
      code: `import { f } from '../${target}';`,
      errors: [{ messageId: 'room' as const }],
    })),
    {
      filename: `${at('pipeline')}/policy.ts`,
      code: "import { createFileSource } from '../config/index.js';",
      errors: [{ messageId: 'typeOnly' }],
    },
    ...['fastify', '@kubernetes/client-node', 'pino', 'prom-client'].map((pkg) => ({
      filename: `${at('pipeline')}/verify-image.ts`,
      code: `import x from '${pkg}';`,
      errors: [{ messageId: 'pkg' as const }],
    })),
    // config compiles policies and knows no client: the API client is src/kube's alone...
    ...[`${at('config')}/x.ts`, `${at('config/crd')}/x.test.ts`].map((filename) => ({
      filename,
      code: "import { KubeConfig } from '@kubernetes/client-node';",
      errors: [{ messageId: 'pkg' as const }],
    })),
    // ...and nothing below the edges reaches up into it.
    ...['config', 'pipeline', 'verify', 'registry', 'cache', 'names'].map((room) => ({
      filename: `${at(room)}/x.ts`,
      code: "import { loadKubeConfig } from '../kube/index.js';",
      errors: [{ messageId: 'room' as const }],
    })),
    ...['webhook/app.js', 'pipeline/index.js', 'scan/index.js', 'telemetry/index.js'].map(
      (target) => ({
        filename: `${at('kube')}/x.ts`,
        code: `import { f } from '../${target}';`,
        errors: [{ messageId: 'room' as const }],
      }),
    ),
    // The background verifier asks src/kube, never the client, and never the edge.
    {
      filename: `${at('scan')}/x.ts`,
      code: "import { CoreV1Api } from '@kubernetes/client-node';",
      errors: [{ messageId: 'pkg' }],
    },
    ...['webhook/app.js', 'telemetry/index.js'].map((target) => ({
      filename: `${at('scan')}/x.ts`,
      code: `import { f } from '../${target}';`,
      errors: [{ messageId: 'room' as const }],
    })),
    // src/registry asks providers through its hook and never loads a cloud SDK itself...
    ...['@aws-sdk/client-ecr', '@azure/identity'].map((pkg) => ({
      filename: `${at('registry')}/auth.ts`,
      code: `const m = await import('${pkg}');`,
      errors: [{ messageId: 'pkg' as const }],
    })),
    // ...nothing but the composition root reaches src/cloud...
    ...['registry', 'config', 'pipeline', 'verify'].map((room) => ({
      filename: `${at(room)}/x.ts`,
      code: "import { createCloudProviders } from '../cloud/index.js';",
      errors: [{ messageId: 'room' as const }],
    })),
    // ...and src/cloud reads settings as types, and logs or counts through callbacks only.
    {
      filename: `${at('cloud')}/ecr.ts`,
      code: "import { cloudCredentialSettings } from '../config/cloud-settings.js';",
      errors: [{ messageId: 'typeOnly' }],
    },
    ...['webhook/app.js', 'pipeline/index.js', 'kube/index.js'].map((target) => ({
      filename: `${at('cloud')}/x.ts`,
      code: `import { f } from '../${target}';`,
      errors: [{ messageId: 'room' as const }],
    })),
    {
      filename: `${at('cloud')}/x.ts`,
      code: "import pino from 'pino';",
      errors: [{ messageId: 'pkg' }],
    },
  ],
});
