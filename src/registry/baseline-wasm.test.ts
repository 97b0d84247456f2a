// The flag exists; and the attacker's side of keeping llhttp on the baseline compiler: a registry
// answering with broken or hostile HTTP framing is refused exactly as by the optimised code. Each
// case is parsed by undici in a child process compiled one way (`--liftoff-only`, what the
// service runs) and the other (`--no-liftoff`: optimising compiler only); the outcomes must match.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BASELINE_WASM_FLAG } from './baseline-wasm.js';

describe('keepWasmOnBaselineCompiler', () => {
  it("names a flag this Node's V8 knows (setFlagsFromString would ignore an unknown one silently)", () => {
    const known = spawnSync(process.execPath, [BASELINE_WASM_FLAG, '-e', '0'], {
      encoding: 'utf8',
    });
    expect(known.stderr).toBe('');
    expect(known.status).toBe(0);
    // The check can fail: V8 refuses a flag it does not know on the command line.
    const unknown = spawnSync(process.execPath, [`${BASELINE_WASM_FLAG}-renamed`, '-e', '0']);
    expect(unknown.status).not.toBe(0);
  });
});

const undici = createRequire(import.meta.url).resolve('undici');

/** Raw answers a hostile registry could send (after reading the request). */
const ANSWERS: Record<string, string> = {
  wellFormed: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  lengthAndChunked:
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  nulInHeader: 'HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 0\r\n\r\n',
  badChunkSize: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
  endlessHeaders: `HTTP/1.1 200 OK\r\n${'X-Pad: '.concat('a'.repeat(1000), '\r\n').repeat(40)}`,
  badStatusLine: 'HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n',
  twoLengths: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
};

const CHILD = `
import net from 'node:net';
import { Client } from ${JSON.stringify(undici)};
const answers = JSON.parse(process.argv[1]);
const out = {};
for (const [name, raw] of Object.entries(answers)) {
  const server = net.createServer((s) => s.once('data', () => { s.write(raw); if (name !== 'endlessHeaders') s.end(); }));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const client = new Client('http://127.0.0.1:' + server.address().port);
  try {
    const a = await client.request({ method: 'GET', path: '/v2/', headersTimeout: 2000, bodyTimeout: 2000 });
    out[name] = 'status ' + a.statusCode + ' body ' + JSON.stringify(await a.body.text());
  } catch (err) {
    out[name] = 'refused ' + (err.code ?? err.name);
  }
  await client.destroy();
  server.close();
}
console.log(JSON.stringify(out));
`;

function outcomes(flag: string): Record<string, string> {
  const run = spawnSync(
    process.execPath,
    [flag, '--input-type=module', '-e', CHILD, JSON.stringify(ANSWERS)],
    { encoding: 'utf8', timeout: 30_000 },
  );
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as Record<string, string>;
}

describe('llhttp on the baseline compiler', () => {
  it('refuses hostile framing exactly as the optimised parser does', () => {
    const baseline = outcomes(BASELINE_WASM_FLAG);
    expect(baseline).toEqual(outcomes('--no-liftoff'));
    expect(baseline['wellFormed']).toBe('status 200 body "hello"');
    for (const [name, outcome] of Object.entries(baseline))
      if (name !== 'wellFormed') expect(outcome, name).toMatch(/^refused /);
  });
});
