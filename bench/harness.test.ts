import { describe, expect, it } from 'vitest';
import {
  formatTable,
  meetsTarget,
  quantile,
  runBenchmark,
  selectBenchmarks,
  summarise,
  toJsonRows,
  type Benchmark,
  type BenchRow,
} from './harness';

function bench(overrides: Partial<Benchmark> = {}): Benchmark {
  return {
    name: 'round trip',
    unit: 'ms',
    better: 'lower',
    target: 2,
    run: async () => ({ value: 1 }),
    ...overrides,
  };
}

describe('quantile', () => {
  it('takes the nearest rank, whatever the input order', () => {
    const values = [5, 1, 4, 2, 3];
    expect(quantile(values, 0.5)).toBe(3);
    expect(quantile(values, 0.95)).toBe(5);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(hundred, 0.95)).toBe(95);
    expect(() => quantile([], 0.5)).toThrow('no samples');
  });
});

describe('summarise', () => {
  it('gives one row named after the benchmark without a p95 target', () => {
    const rows = summarise(bench(), [{ value: 3 }, { value: 1 }, { value: 2 }]);
    expect(rows).toEqual([
      { name: 'round trip', value: 2, unit: 'ms', target: 2, better: 'lower' },
    ]);
  });

  it('gives median and p95 rows with peers and ratios', () => {
    const samples = Array.from({ length: 20 }, (_, i) => ({ value: (i + 1) * 2, peer: i + 1 }));
    const rows = summarise(bench({ p95Target: 50 }), samples);
    expect(rows).toEqual([
      {
        name: 'round trip (median)',
        value: 20,
        unit: 'ms',
        target: 2,
        better: 'lower',
        peer: 10,
        ratio: 2,
      },
      {
        name: 'round trip (p95)',
        value: 38,
        unit: 'ms',
        target: 50,
        better: 'lower',
        peer: 19,
        ratio: 2,
      },
    ]);
  });

  it('leaves the peer out unless every sample has one', () => {
    const rows = summarise(bench(), [{ value: 1, peer: 1 }, { value: 2 }]);
    expect(rows[0]).not.toHaveProperty('peer');
    expect(rows[0]).not.toHaveProperty('ratio');
  });

  it('rounds figures to 4 significant digits', () => {
    const rows = summarise(bench(), [{ value: 0.123456789 }]);
    expect(rows[0]?.value).toBe(0.1235);
  });
});

describe('meetsTarget', () => {
  it('reads the target in the direction that is better', () => {
    expect(meetsTarget({ value: 2, target: 2, better: 'lower' })).toBe(true);
    expect(meetsTarget({ value: 2.1, target: 2, better: 'lower' })).toBe(false);
    expect(meetsTarget({ value: 100_000, target: 100_000, better: 'higher' })).toBe(true);
    expect(meetsTarget({ value: 99_999, target: 100_000, better: 'higher' })).toBe(false);
  });
});

describe('runBenchmark', () => {
  it('warms up, keeps the samples and always tears down', async () => {
    const calls: string[] = [];
    let n = 0;
    const rows = await runBenchmark(
      bench({
        warmup: 2,
        samples: 3,
        setup: async () => {
          calls.push('setup');
          return async () => {
            calls.push('teardown');
          };
        },
        run: async () => ({ value: ++n }),
      }),
    );
    // Samples 1 and 2 were the warm-up; the median of 3, 4, 5 is 4.
    expect(rows[0]?.value).toBe(4);
    expect(calls).toEqual(['setup', 'teardown']);

    const failing = bench({
      setup: async () => async () => {
        calls.push('teardown after failure');
      },
      run: async () => {
        throw new Error('boom');
      },
    });
    await expect(runBenchmark(failing)).rejects.toThrow('boom');
    expect(calls).toContain('teardown after failure');
  });
});

describe('selectBenchmarks', () => {
  it('matches a substring of the name, case-insensitively', () => {
    const all = [bench({ name: 'ipc round trip' }), bench({ name: 'ingest NDJSON' })];
    expect(selectBenchmarks(all, 'IPC').map((b) => b.name)).toEqual(['ipc round trip']);
    expect(selectBenchmarks(all, undefined)).toHaveLength(2);
    expect(selectBenchmarks(all, 'nothing')).toEqual([]);
  });
});

const rows: BenchRow[] = [
  {
    name: 'ipc (median)',
    value: 0.43,
    unit: 'ms',
    target: 2,
    better: 'lower',
    peer: 0.01,
    ratio: 43,
  },
  { name: 'ingest', value: 80_000, unit: 'events/s', target: 100_000, better: 'higher' },
];

describe('toJsonRows', () => {
  it('writes exactly the documented fields, optional ones only when set', () => {
    expect(JSON.parse(JSON.stringify(toJsonRows(rows)))).toEqual([
      {
        name: 'ipc (median)',
        value: 0.43,
        unit: 'ms',
        target: 2,
        better: 'lower',
        peer: 0.01,
        ratio: 43,
      },
      { name: 'ingest', value: 80_000, unit: 'events/s', target: 100_000, better: 'higher' },
    ]);
  });
});

describe('formatTable', () => {
  it('prints each figure beside its target with pass or MISS, peer and ratio', () => {
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^benchmark\s+figure\s+unit\s+target\s+result\s+peer\s+ratio$/);
    expect(lines[2]).toMatch(/^ipc \(median\)\s+0\.43\s+ms\s+<= 2\s+pass\s+0\.01\s+43x$/);
    expect(lines[3]).toMatch(/^ingest\s+80000\s+events\/s\s+>= 100000\s+MISS$/);
    // Columns line up: every row is as wide as the rule under the header, bar trailing space.
    const ruleWidth = lines[1]!.length;
    expect(lines.every((line) => line.length <= ruleWidth)).toBe(true);
    expect(lines[2]).toHaveLength(ruleWidth);
  });
});

describe('targets relative to the peer', () => {
  it('turns a ratio of the peer into the figure target of the same run', () => {
    const bench: Benchmark = {
      name: 'hash',
      unit: 'MB/s',
      better: 'higher',
      target: { ratioOfPeer: 0.8 },
      run: async () => ({ value: 0, peer: 0 }),
    };
    const [row] = summarise(bench, [
      { value: 90, peer: 100 },
      { value: 70, peer: 100 },
      { value: 85, peer: 100 },
    ]);
    expect(row).toMatchObject({ value: 85, target: 80, peer: 100, ratio: 0.85 });
    expect(meetsTarget(row!)).toBe(true);
    const [slow] = summarise(bench, [{ value: 70, peer: 100 }]);
    expect(meetsTarget(slow!)).toBe(false);
  });

  it('refuses a relative target without a peer', () => {
    const bench: Benchmark = {
      name: 'x',
      unit: 'ms',
      better: 'lower',
      target: { ratioOfPeer: 5 },
      run: async () => ({ value: 1 }),
    };
    expect(() => summarise(bench, [{ value: 1 }])).toThrow(/needs a peer/);
  });
});
