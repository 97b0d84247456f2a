import * as undici from 'undici';
import { describe, expect, it } from 'vitest';
import { Agent, buildConnector, Pool } from './undici.js';

describe('undici, loaded without its index', () => {
  it("gives the index's own classes: a moved or renamed file in a new undici fails here", () => {
    expect(Pool).toBe(undici.Pool);
    expect(Agent).toBe(undici.Agent);
    expect(buildConnector).toBe(undici.buildConnector);
  });

  it('installs the request API the registry client calls on every dispatcher', () => {
    const ours = Pool.prototype as unknown as Record<string, unknown>;
    const index = undici.Dispatcher.prototype as unknown as Record<string, unknown>;
    for (const method of ['request', 'stream', 'pipeline', 'upgrade', 'connect']) {
      expect(ours[method]).toBeTypeOf('function');
      expect(ours[method]).toBe(index[method]);
    }
  });
});
