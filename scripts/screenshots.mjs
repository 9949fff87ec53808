#!/usr/bin/env node
// Regenerates the README's screenshots from the real app: starts the browser host with a
// fresh profile, drives Debian's Chromium through the frame, and writes PNGs.
// Usage: npm run build && node scripts/screenshots.mjs [outDir=docs/screenshots]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const outDir = path.resolve(process.argv[2] ?? 'docs/screenshots');
mkdirSync(outDir, { recursive: true });
const profile = mkdtempSync(path.join(os.tmpdir(), 'bulkhead-shots-'));
const host = spawn(
  process.execPath,
  ['dist/electron/browser-host.mjs', '--port', '0', '--profile', profile, '--print-url-json'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
try {
  const url = await new Promise((resolve, reject) => {
    host.once('exit', (code) => reject(new Error(`browser host exited with ${code}`)));
    host.stdout.on('data', (chunk) => {
      for (const line of String(chunk).split('\n')) {
        if (line.startsWith('{')) resolve(JSON.parse(line).url);
      }
    });
  });
  const base = url.split('#')[0];
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(url);
  await page.getByTestId('app-info').getByText('browser').waitFor();
  await page.screenshot({ path: path.join(outDir, 'overview.png') });

  await page.goto(`${base}#/components`);
  await page.getByTestId('view-components').waitFor();
  await page.keyboard.press('Shift+C');
  await page.getByTestId('diagnostics-table').waitFor();
  await page.getByTestId('status-bar').getByText('done').waitFor();
  await page.screenshot({ path: path.join(outDir, 'components.png') });

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${base}#/timeline`);
  await page.getByTestId('view-timeline').waitFor();
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette').waitFor();
  await page.screenshot({ path: path.join(outDir, 'palette-dark.png') });
  await browser.close();
  console.log(`screenshots written to ${outDir}`);
} finally {
  host.kill('SIGTERM');
  rmSync(profile, { recursive: true, force: true });
}
