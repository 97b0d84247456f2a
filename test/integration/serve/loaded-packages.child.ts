// Run as `node --import tsx loaded-packages.child.ts <serve flags…>`: registers a resolve hook
// that records every ES module's package (CommonJS ones are read from require.cache), starts the
// service as `serve` wires it, prints what is loaded by then (one JSON line on stdout: the
// packages, and the CommonJS files by their path under node_modules) and closes.
import { createRequire, register } from 'node:module';

const hook = `
const seen = new Set();
export async function initialize({ port }) { globalThis.__port = port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
  if (m && !seen.has(m[1])) { seen.add(m[1]); globalThis.__port.postMessage(m[1]); }
  return r;
}`;
const { port1, port2 } = new MessageChannel();
const packages = new Set<string>();
port1.on('message', (name: string) => packages.add(name));
port1.unref();
register(`data:text/javascript,${encodeURIComponent(hook)}`, {
  data: { port: port2 },
  transferList: [port2],
});

const { parseServeArgs } = await import('../../../src/config/args.js');
const { startService } = await import('../../../src/main.js');
const service = await startService(parseServeArgs(process.argv.slice(2), {}));
await new Promise((resolve) => setTimeout(resolve, 100)); // the hook's last messages
const PACKAGE = /node_modules\/((?:@[^/]+\/)?[^/]+)\//;
const files: string[] = [];
for (const file of Object.keys(createRequire(import.meta.url).cache)) {
  const name = PACKAGE.exec(file)?.[1];
  if (name === undefined) continue;
  packages.add(name);
  files.push(file.slice(file.lastIndexOf('node_modules/') + 'node_modules/'.length));
}
process.stdout.write(`${JSON.stringify({ packages: [...packages].sort(), files })}\n`);
await service.close();
