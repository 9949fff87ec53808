// Child process of the ingest benchmarks: loads one NDJSON GitHub audit file into a fresh
// columnar store through the product's ingest pipeline (`ingestGithubAuditFile`) and
// prints what it took as one JSON line on stdout.
// Usage: node --import tsx bench/benchmarks/ingest-worker.ts <file>
// A process of its own per sample so that peak memory (the kernel's max RSS) is this
// load's alone, not the harness's or an earlier sample's garbage.
import { performance } from 'node:perf_hooks';
import { ingestGithubAuditFile } from './ingest-fixture';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: ingest-worker.ts <file>');
  const start = performance.now();
  const { store, records, errors } = await ingestGithubAuditFile(file);
  const seconds = (performance.now() - start) / 1000;
  const report = {
    seconds,
    records,
    errors,
    events: store.size,
    // resourceUsage().maxRSS is in KiB.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `ingest-worker: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
