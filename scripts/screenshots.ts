// Regenerates the README's screenshots from the real app: starts the browser host with a
// fresh profile, drives Debian's Chromium through the console, and writes PNGs.
// Usage: npm run screenshots [-- <outDir>]   (default docs/screenshots)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CatalogPage } from '../e2e/pages/catalog-page';
import { buildDirectoryCatalog } from '../e2e/support/catalog-fixture';
import { SourcesPage } from '../e2e/pages/sources-page';
import { writeIngestFiles } from '../e2e/support/ingest-fixture';
import { TimelinePage } from '../e2e/pages/timeline-page';
import { DiffPage } from '../e2e/pages/diff-page';
import { buildDiffIncident } from '../e2e/support/diff-fixture';
import { writeGithubAuditTrail } from '../bench/benchmarks/ingest-fixture';

const outDir = path.resolve(process.argv[2] ?? 'docs/screenshots');
mkdirSync(outDir, { recursive: true });
const profile = mkdtempSync(path.join(os.tmpdir(), 'bulkhead-shots-'));
const host = spawn(
  process.execPath,
  ['dist/electron/browser-host.mjs', '--port', '0', '--profile', profile, '--print-url-json'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const catalog = await buildDirectoryCatalog();
const trails = await writeIngestFiles();
try {
  const url = await new Promise<string>((resolve, reject) => {
    host.once('exit', (code) => reject(new Error(`browser host exited with ${code}`)));
    host.stdout.on('data', (chunk: Buffer) => {
      for (const line of String(chunk).split('\n')) {
        if (line.startsWith('{')) resolve((JSON.parse(line) as { url: string }).url);
      }
    });
  });
  const base = url.split('#')[0];
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  // The table fills its rows from the worker a page at a time; wait until none is pending.
  const rowsLoaded = async () => {
    await page.getByTestId('event-row').first().waitFor();
    await page.locator('.event-row__loading').first().waitFor({ state: 'detached' });
  };
  const shot = (name: string) =>
    page.screenshot({ path: path.join(outDir, `${name}.png`), animations: 'disabled' });

  await page.goto(url);
  await page.getByTestId('app-info').getByText('browser').waitFor();
  await page.getByRole('region', { name: 'This launch' }).getByText('Profile').waitFor();
  await shot('overview');

  await page.goto(`${base}#/components`);
  await page.getByTestId('view-components').waitFor();
  await page.keyboard.press('Shift+C');
  await page.getByTestId('diagnostics-table').waitFor();
  await page.getByTestId('status-bar').getByText('done').waitFor();
  await shot('components');

  const panel = new CatalogPage(page);
  await panel.open();
  await panel.openDirectory(catalog.dir, catalog.fingerprint);
  await panel.snapshotRows.first().waitFor();
  await panel.verifyFullButton.click();
  await panel.verifyResult.waitFor();
  await panel.browseSnapshot(1);
  await panel.browser.waitFor();
  await shot('catalog');

  const sources = new SourcesPage(page);
  await sources.open();
  await sources.load(trails.githubAudit, trails.transcript);
  await sources.row(path.basename(trails.transcript)).getByText('claude-code').waitFor();
  await page.getByTestId('sidebar-findings').getByText('critical').waitFor();
  await shot('sources');
  await page.goto(`${base}#/findings`);
  await sources.findingRows.first().click();
  await page.getByRole('table').first().waitFor();
  await shot('findings');

  // The timeline at the agent's first destructive call, with the transcript turn open.
  const timeline = new TimelinePage(page);
  await page.setViewportSize({ width: 1400, height: 1100 });
  await timeline.open();
  await timeline.nextDestructive.click();
  await timeline.toolInput.waitFor();
  await rowsLoaded();
  await shot('timeline');

  await page.getByRole('button', { name: 'Close the detail panel' }).click();

  // A month of an organisation's audit log (200k events), lanes by actor.
  const dense = path.join(trails.dir, 'org-audit-month.ndjson');
  await writeGithubAuditTrail(dense, 200_000);
  await sources.open();
  await sources.load(dense);
  await sources.row('org-audit-month.ndjson').and(page.locator('[data-state="loaded"]')).waitFor({
    timeout: 120_000,
  });
  // Opened by a moment link: lanes by actor over the trail's month.
  const month = { from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 2, 31) };
  await page.goto(`${base}#/timeline?g=actor&from=${month.from}&to=${month.to}`);
  await timeline.paintedCanvas.waitFor();
  await timeline.summary.getByText(/in \d{3} lanes/).waitFor();
  await rowsLoaded();
  await timeline.page.mouse.move(900, 470);
  await timeline.page.getByTestId('timeline-tooltip').getByText('success').waitFor();
  await rowsLoaded();
  await shot('timeline-dense');
  await page.setViewportSize({ width: 1400, height: 860 });

  // The diff: a snapshot of the sandbox forge against the forge after the damage.
  const incident = await buildDiffIncident();
  try {
    await panel.open();
    await page.getByRole('button', { name: 'Open another…' }).click();
    await panel.openDirectory(incident.catalogDir, incident.fingerprint);
    await panel.snapshotRows.first().waitFor();
    await sources.open();
    await sources.load(incident.auditFile);
    await sources.row('audit.ndjson').and(page.locator('[data-state="loaded"]')).waitFor();
    const diff = new DiffPage(page);
    await diff.link.click();
    // This profile also holds a 2024 trail whose findings predate the snapshot: choose it.
    await page.getByTestId('diff-snapshot').selectOption('1');
    await diff.compute(incident.apiUrl, incident.owner, incident.tokenFile);
    const forced = diff.item('ref-force-pushed', 'acme/api@refs/heads/main');
    await forced.waitFor();
    await forced.getByRole('button').first().click();
    await diff.detail.getByTestId('difference-causes').waitFor();
    await page.setViewportSize({ width: 1400, height: 1100 });
    await shot('diff');
    await page.setViewportSize({ width: 1400, height: 860 });
  } finally {
    await incident.stop();
  }

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${base}#/timeline`);
  await page.getByTestId('view-timeline').waitFor();
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette').waitFor();
  await shot('palette-dark');
  await browser.close();
  console.log(`screenshots written to ${outDir}`);
} finally {
  host.kill('SIGTERM');
  await catalog.remove();
  await trails.remove();
  rmSync(profile, { recursive: true, force: true });
}
