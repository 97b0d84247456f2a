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
    ...['verify', 'registry', 'config', 'webhook'].map((room) => ({
      filename: `${at(room)}/x.ts`,
      code: "import { normaliseHost } from '../names/index.js';",
    })),
    { filename: `${at('names')}/host.ts`, code: "import { isIP } from 'node:net';" },
    { filename: `${at('names')}/host.test.ts`, code: "import fc from 'fast-check';" },
    { filename: '/repo/test/x.test.ts', code: "import { f } from '../src/registry/client.js';" },
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
  ],
});
