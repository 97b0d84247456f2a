import { describe, expect, it } from 'vitest';
import { abTable, concurrencies, nodeFlags } from './ab.js';

describe('abTable', () => {
  it('gives each concurrency the medians of both builds and after ÷ before', () => {
    const slices = new Map([
      [
        4,
        {
          before: { throughput: [100, 300, 200], cpuUsPerRequest: [10, 30, 20], p99Ms: [1, 3, 2] },
          after: { throughput: [400, 300, 500], cpuUsPerRequest: [5, 15, 10], p99Ms: [1, 1, 1] },
        },
      ],
    ]);
    const lines = abTable({ before: 'commit abc', after: 'working tree' }, slices).split('\n');
    expect(lines[0]).toContain('requests/s, commit abc');
    expect(lines[0]).toContain('CPU µs/request, working tree');
    expect(lines[2]).toBe('| 4 | 200 | 400 | 2.00 | 20 | 10 | 0.50 | 2.00 | 1.00 |');
  });
});

describe('concurrencies', () => {
  it('reads a comma-separated list', () => {
    expect(concurrencies('1,4,16')).toEqual([1, 4, 16]);
    expect(concurrencies(' 64 ')).toEqual([64]);
  });

  it('refuses what is not a positive integer', () => {
    for (const bad of ['', '0', '4,x', '1.5', '-4', '2000'])
      expect(() => concurrencies(bad)).toThrow(/BENCH_AB_CONCURRENCY/);
  });
});

describe('nodeFlags', () => {
  it('reads space-separated Node flags for one side', () => {
    const env = { BENCH_AB_NODE_FLAGS_AFTER: ' --single-threaded-gc  --max-semi-space-size=8 ' };
    expect(nodeFlags('AFTER', env)).toEqual(['--single-threaded-gc', '--max-semi-space-size=8']);
    expect(nodeFlags('BEFORE', env)).toEqual([]);
  });

  it('refuses what is not a flag (a path or a script would run instead of the CLI)', () => {
    for (const bad of ['gc', '-e', '--require ./x.js', '--import=x;y z'])
      expect(() => nodeFlags('AFTER', { BENCH_AB_NODE_FLAGS_AFTER: bad })).toThrow(
        /not a Node flag/,
      );
  });
});
