// Local ESLint rule: the import rules between the rooms of src/ (each room's README.md says them).
// Works on resolved paths, so `../types.js` inside src/verify/envelope/ is fine while
// `../../registry/client.js` is not; no-restricted-imports only sees the import string.
import path from 'node:path';

/**
 * What each room under src/ may import, from the project and from npm: `deniedPackages` lists
 * what it must not use; `allowedPackages`, where given, is the only npm its code may use (node:
 * builtins always; its tests may use the test tools).
 */
/** The cloud SDKs: src/cloud's alone, loaded on demand (issue 19 item 2). */
const CLOUD_SDKS = [
  '@aws-sdk/client-ecr',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-web-identity',
  '@azure/identity',
];

export const ROOMS = {
  // The one normal form of names (standing decision 9, ADR 0005): pure, imports nothing.
  names: { rooms: ['names'], allowedPackages: [] },
  verify: {
    rooms: ['verify', 'names'],
    deniedPackages: ['fastify', '@kubernetes/client-node', 'pino', 'prom-client', 'undici'],
  },
  registry: {
    rooms: ['registry', 'names'],
    typeOnlyRooms: ['verify'],
    deniedPackages: ['fastify', '@kubernetes/client-node', ...CLOUD_SDKS],
  },
  // Registry credentials from cloud workload identities: providers for src/registry's hook,
  // built from src/config's settings (types only), wired by main.ts.
  cloud: {
    rooms: ['cloud', 'registry', 'names'],
    typeOnlyRooms: ['config'],
    deniedPackages: ['fastify', '@kubernetes/client-node', 'pino', 'prom-client'],
  },
  // Compiles policies and reads settings: plain data, no API client (that is src/kube's).
  config: {
    rooms: ['config', 'verify', 'names'],
    deniedPackages: ['fastify', '@kubernetes/client-node'],
  },
  // Every call to the Kubernetes API server (architecture.md, "Rooms as the product grows").
  kube: {
    rooms: ['kube', 'config', 'verify', 'names'],
    deniedPackages: ['fastify', 'undici', 'pino', 'prom-client'],
  },
  cache: { rooms: ['cache'], deniedPackages: ['fastify', '@kubernetes/client-node', 'undici'] },
  telemetry: { rooms: ['telemetry'], deniedPackages: [] },
  // The per-image pipeline (policy → resolve → cache → signatures → verify), below every edge
  // (webhook, CLI, background verifier). It is handed its snapshot: `config` for types only, so
  // it never loads a policy source nor what one needs (the CLI's start-up).
  pipeline: {
    rooms: ['pipeline', 'verify', 'registry', 'cache', 'names'],
    typeOnlyRooms: ['config'],
    deniedPackages: ['fastify', '@kubernetes/client-node', 'pino', 'prom-client'],
  },
  webhook: {
    rooms: [
      'webhook',
      'pipeline',
      'kube',
      'verify',
      'registry',
      'config',
      'cache',
      'telemetry',
      'names',
    ],
    deniedPackages: [],
  },
  // The background verifier: asks src/kube for workloads and the pipeline for verdicts; metrics
  // and logs through callbacks from the composition root.
  scan: {
    rooms: ['scan', 'kube', 'pipeline', 'config', 'cache', 'verify', 'registry', 'names'],
    deniedPackages: ['fastify', '@kubernetes/client-node', 'pino', 'prom-client'],
  },
};

const SRC = `${path.sep}src${path.sep}`;

/** The room of a file (first folder under src/), or undefined outside src/ or at its top. */
function roomOf(file) {
  const at = file.lastIndexOf(SRC);
  if (at < 0) return undefined;
  const parts = file.slice(at + SRC.length).split(path.sep);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.[cm]?[jt]s$/, '');
}

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** A room's npm rule; a test may use the test tools (vitest, fast-check) whatever it allows. */
function packageAllowed(rule, spec, isTest) {
  const pkg = packageName(spec);
  const allowed = isTest ? undefined : rule.allowedPackages;
  if (allowed && !spec.startsWith('node:') && !allowed.includes(pkg)) return false;
  return !rule.deniedPackages?.includes(pkg);
}

/** @type {import('eslint').Rule.RuleModule} */
export const roomsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the import rules between the rooms of src/.' },
    schema: [],
    messages: {
      room: 'src/{{from}} must not import from src/{{to}} (see src/{{from}}/README.md).',
      typeOnly: 'src/{{from}} may import only types from src/{{to}}: use `import type`.',
      pkg: 'src/{{from}} must not depend on "{{pkg}}" (see src/{{from}}/README.md).',
    },
  },
  create(context) {
    const file = context.physicalFilename ?? context.filename;
    const from = roomOf(file);
    const rule = from && ROOMS[from];
    if (!rule) return {};
    const isTest = /\.test\.[cm]?[jt]s$/.test(file);
    const check = (node, spec, typeOnly) => {
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        const pkg = packageName(spec);
        if (!packageAllowed(rule, spec, isTest))
          context.report({ node, messageId: 'pkg', data: { from, pkg } });
        return;
      }
      const to = roomOf(path.resolve(path.dirname(file), spec));
      if (to === undefined || rule.rooms.includes(to)) return;
      if (rule.typeOnlyRooms?.includes(to)) {
        if (!typeOnly) context.report({ node, messageId: 'typeOnly', data: { from, to } });
        return;
      }
      context.report({ node, messageId: 'room', data: { from, to } });
    };
    const typeOnlyDecl = (node) =>
      node.importKind === 'type' ||
      (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node, node.source.value, typeOnlyDecl(node)),
      ExportNamedDeclaration: (node) =>
        node.source && check(node, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, node.source.value, false),
    };
  },
};

export default { rules: { rooms: roomsRule } };
