/**
 * The benchmark harness behind `npm run bench`: run, summarise, print, save.
 *
 * DESIGN.md sets speeds as benchmarks, never as timed tests, so that a slow CI machine
 * reports a miss instead of failing a build. Every figure is printed beside its target,
 * and beside a peer (native git, or the same work without a transport) where one exists.
 */

export type Better = 'lower' | 'higher';

/** One measurement of a benchmark, and of its peer doing the same work, if any. */
export interface Sample {
  readonly value: number;
  readonly peer?: number;
}

/** A named benchmark, registered in `bench/benchmarks/index.ts`. */
export interface Benchmark {
  readonly name: string;
  readonly unit: string;
  readonly better: Better;
  /**
   * The target for the median sample: a figure, or a multiple of the peer's figure in the
   * same run (DESIGN.md's "within 5x of native git" targets), which then becomes the
   * row's figure target.
   */
  readonly target: number | { readonly ratioOfPeer: number };
  /** When set, a second row reports the 95th percentile against this target. */
  readonly p95Target?: number | { readonly ratioOfPeer: number };
  /** Samples taken and thrown away first (JIT, caches, connection set-up). */
  readonly warmup?: number;
  /** Samples kept. */
  readonly samples?: number;
  /** Starts what the samples need; returns the function that stops it. */
  setup?(): Promise<() => Promise<void>>;
  /** Takes one sample. */
  run(): Promise<Sample>;
}

/** One line of the results: a figure beside its target. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: number;
  readonly better: Better;
  readonly peer?: number;
  /** `value / peer`: how many times the peer's figure ours is. */
  readonly ratio?: number;
}

const defaultWarmup = 3;
const defaultSamples = 10;

/** The q-quantile (0..1) by the nearest-rank method; the median is q = 0.5. */
export function quantile(values: ReadonlyArray<number>, q: number): number {
  if (values.length === 0) throw new Error('no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Rounds a figure to what its measurement can support: 4 significant digits. */
export function roundFigure(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(4));
}

/** Whether a figure meets its target. */
export function meetsTarget(row: Pick<BenchRow, 'value' | 'target' | 'better'>): boolean {
  return row.better === 'lower' ? row.value <= row.target : row.value >= row.target;
}

/** Turns a benchmark's samples into its rows: the median, and the p95 when it has a target. */
export function summarise(bench: Benchmark, samples: ReadonlyArray<Sample>): BenchRow[] {
  const values = samples.map((s) => s.value);
  const peers = samples.flatMap((s) => (s.peer === undefined ? [] : [s.peer]));
  const hasPeer = peers.length === samples.length && peers.length > 0;
  const stats: Array<{ label: string; q: number; target: Benchmark['target'] }> = [
    { label: bench.p95Target === undefined ? '' : ' (median)', q: 0.5, target: bench.target },
  ];
  if (bench.p95Target !== undefined) {
    stats.push({ label: ' (p95)', q: 0.95, target: bench.p95Target });
  }
  return stats.map(({ label, q, target }) => {
    const value = roundFigure(quantile(values, q));
    const peer = hasPeer ? quantile(peers, q) : undefined;
    if (typeof target !== 'number' && peer === undefined) {
      throw new Error(`${bench.name}: a target relative to the peer needs a peer in every sample`);
    }
    const row: BenchRow = {
      name: bench.name + label,
      value,
      unit: bench.unit,
      target: typeof target === 'number' ? target : roundFigure(target.ratioOfPeer * peer!),
      better: bench.better,
    };
    if (peer === undefined) return row;
    return {
      ...row,
      peer: roundFigure(peer),
      ratio: peer === 0 ? undefined : roundRatio(quantile(values, q) / peer),
    };
  });
}

function roundRatio(ratio: number): number {
  return Math.round(ratio * 100) / 100;
}

/** Runs one benchmark: set-up, warm-up, the kept samples, tear-down. */
export async function runBenchmark(bench: Benchmark): Promise<BenchRow[]> {
  const teardown = bench.setup ? await bench.setup() : async () => {};
  try {
    for (let i = 0; i < (bench.warmup ?? defaultWarmup); i++) await bench.run();
    const samples: Sample[] = [];
    for (let i = 0; i < (bench.samples ?? defaultSamples); i++) samples.push(await bench.run());
    return summarise(bench, samples);
  } finally {
    await teardown();
  }
}

/** The benchmarks whose name contains `filter` (case-insensitive); all without one. */
export function selectBenchmarks(
  all: ReadonlyArray<Benchmark>,
  filter: string | undefined,
): Benchmark[] {
  if (!filter) return [...all];
  const needle = filter.toLowerCase();
  return all.filter((b) => b.name.toLowerCase().includes(needle));
}

/** What `--json` writes to bench/results.json: the rows, with optional fields only when set. */
export function toJsonRows(rows: ReadonlyArray<BenchRow>): BenchRow[] {
  return rows.map((row) => ({
    name: row.name,
    value: row.value,
    unit: row.unit,
    target: row.target,
    better: row.better,
    ...(row.peer === undefined ? {} : { peer: row.peer }),
    ...(row.ratio === undefined ? {} : { ratio: row.ratio }),
  }));
}

/** The results as a plain-text table: figure, target, pass or miss, peer and ratio. */
export function formatTable(rows: ReadonlyArray<BenchRow>): string {
  const header = ['benchmark', 'figure', 'unit', 'target', 'result', 'peer', 'ratio'];
  const body = rows.map((row) => [
    row.name,
    String(row.value),
    row.unit,
    `${row.better === 'lower' ? '<=' : '>='} ${row.target}`,
    meetsTarget(row) ? 'pass' : 'MISS',
    row.peer === undefined ? '' : String(row.peer),
    row.ratio === undefined ? '' : `${row.ratio}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const numeric = new Set([1, 3, 5, 6]);
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
