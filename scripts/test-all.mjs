#!/usr/bin/env node
// `npm test`: every check in one run, in order of cost: format, lint, types, unit and
// integration (Vitest), end to end (Playwright). Every step runs even after a failure,
// so one CI run shows everything that is wrong; the last line sums the test counts.
// Usage: node scripts/test-all.mjs [--skip-e2e]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Not test-results/: Playwright empties that folder when it starts.
const results = path.join(root, 'reports');
const skipE2e = process.argv.includes('--skip-e2e');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

rmSync(path.join(results, 'vitest.json'), { force: true });
rmSync(path.join(results, 'playwright.json'), { force: true });
mkdirSync(results, { recursive: true });

const steps = [
  ['format', bin('prettier'), ['--check', '--log-level', 'warn', '.']],
  ['lint', bin('eslint'), ['--max-warnings', '0', '.']],
  ['types (electron + shared)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.node.json']],
  ['types (renderer + shared)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.web.json']],
  [
    'unit and integration',
    bin('vitest'),
    ['run', '--reporter=default', '--reporter=json', '--outputFile.json=reports/vitest.json'],
  ],
];
if (!skipE2e) {
  steps.push(['build', process.execPath, ['scripts/build.mjs']]);
  steps.push(['end to end', bin('playwright'), ['test', '--reporter=list,json']]);
}

const failed = [];
for (const [name, command, args] of steps) {
  console.log(`\n== ${name}: ${path.basename(command)} ${args.join(' ')}`);
  const started = Date.now();
  const run = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: path.join(results, 'playwright.json') },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = run.status === 0;
  console.log(
    `== ${name}: ${ok ? 'ok' : `FAILED (exit ${run.status ?? run.signal})`} in ${seconds}s`,
  );
  if (!ok) failed.push(name);
}

const counts = { passed: 0, failed: 0, skipped: 0 };
const vitest = readJson('vitest.json');
if (vitest) {
  counts.passed += vitest.numPassedTests;
  counts.failed += vitest.numFailedTests;
  counts.skipped += vitest.numPendingTests + (vitest.numTodoTests ?? 0);
  console.log(`vitest: ${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed`);
}
const playwright = readJson('playwright.json');
if (playwright) {
  const { expected, unexpected, flaky, skipped } = playwright.stats;
  counts.passed += expected + flaky;
  counts.failed += unexpected;
  counts.skipped += skipped;
  console.log(`playwright: ${expected + flaky} passed, ${unexpected} failed`);
}
if (failed.length) console.log(`\nFailed steps: ${failed.join(', ')}`);
console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(failed.length || counts.failed ? 1 : 0);

function readJson(name) {
  const file = path.join(results, name);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}
