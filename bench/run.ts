// `npm run bench`: runs the named benchmarks and prints each figure beside its target.
// Usage: tsx bench/run.ts [--filter <substring>] [--json]
//   --json writes bench/results.json: [{ name, value, unit, target, better, peer?, ratio? }]
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchmarks } from './benchmarks/index';
import {
  formatTable,
  meetsTarget,
  runBenchmark,
  selectBenchmarks,
  toJsonRows,
  type BenchRow,
} from './harness';

const resultsFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      filter: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('Usage: tsx bench/run.ts [--filter <substring>] [--json]\n');
    return 0;
  }
  const selected = selectBenchmarks(benchmarks, values.filter);
  if (selected.length === 0) {
    process.stderr.write(
      `bench: no benchmark matches "${values.filter}"; there are:\n` +
        benchmarks.map((b) => `  ${b.name}\n`).join(''),
    );
    return 2;
  }
  const rows: BenchRow[] = [];
  for (const bench of selected) {
    process.stderr.write(`bench: ${bench.name} ...\n`);
    rows.push(...(await runBenchmark(bench)));
  }
  process.stdout.write(`\n${formatTable(rows)}\n`);
  const misses = rows.filter((row) => !meetsTarget(row)).length;
  process.stdout.write(
    `\n${rows.length - misses} of ${rows.length} figures meet their targets` +
      ` (node ${process.versions.node}, ${process.platform}-${process.arch})\n`,
  );
  if (values.json) {
    await writeFile(resultsFile, `${JSON.stringify(toJsonRows(rows), null, 2)}\n`);
    process.stdout.write(`wrote ${path.relative(process.cwd(), resultsFile)}\n`);
  }
  // A missed target is a finding to read, not a failed build: benchmarks are not tests.
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
