import { spawnSync } from 'node:child_process';
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
