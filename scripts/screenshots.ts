// Regenerates the README's screenshots from the real app and writes PNGs. First the demo
// incident's story (e2e/support/story.ts, the same steps as e2e/story.spec.ts): a browser
// host started with --demo on a fresh profile, driven in Debian's Chromium from the
// welcome to a verified restore and the report. Then the screens the story does not show
// (local components, sources with a malformed line, a month of audit log, the palette),
// from the e2e fixtures on a second, plain host.
// Usage: npm run screenshots [-- <outDir>]   (default docs/screenshots)
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SourcesPage } from '../e2e/pages/sources-page';
import { writeIngestFiles } from '../e2e/support/ingest-fixture';
import { TimelinePage } from '../e2e/pages/timeline-page';
import { DiffPage } from '../e2e/pages/diff-page';
import { RestorePage } from '../e2e/pages/restore-page';
import { startBrowserHostProcess } from '../e2e/support/browser-host-process';
import { chromiumArgs, chromiumExecutable } from '../e2e/support/repo-paths';
import {
  addRestoreCredential,
  approve,
  awaitVerified,
  diffAndChooseAll,
  dryRun,
  lastGoodSnapshot,
  openApp,
  openDemo,
  openReport,
  planRestore,
  proveIsolation,
  readFindings,
  timelineToFirstDestructive,
  verifyCatalog,
} from '../e2e/support/story';
import { writeGithubAuditTrail } from '../bench/benchmarks/ingest-fixture';

const outDir = path.resolve(process.argv[2] ?? 'docs/screenshots');
mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({
  executablePath: chromiumExecutable,
  args: [...chromiumArgs],
});
try {
  await shootStory(browser);
  await shootFixtures(browser);
  console.log(`screenshots written to ${outDir}`);
} finally {
  await browser.close();
}

function shooter(page: Page) {
  return (name: string) =>
    page.screenshot({ path: path.join(outDir, `${name}.png`), animations: 'disabled' });
}

/** The demo incident's story, as a new user goes through it from the welcome. */
async function shootStory(browser: Browser): Promise<void> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'bulkhead-shots-demo-'));
  const host = await startBrowserHostProcess(profile, ['--demo']);
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const shot = shooter(page);
    const watch = await openApp(page, host.url);
    const demo = await watch.ready();
    // The welcome: what happened, Open, and the guided steps.
    await shot('overview');
    await openDemo(page, demo);

    // The demo's catalog, verified in full, browsing the last good snapshot.
    const catalog = await verifyCatalog(page, demo);
    await catalog.browseSnapshot(lastGoodSnapshot(demo));
    await catalog.browser.waitFor();
    await shot('catalog');

    // The timeline at the CI token's first deletion, with the agent's tool call beside it.
    await page.setViewportSize({ width: 1400, height: 1250 });
    await timelineToFirstDestructive(page, demo);
    await shot('timeline');
    await page.setViewportSize({ width: 1400, height: 860 });

    // The findings: the burst, and the CI token out of its scope with the events it cites.
    await readFindings(page, demo);
    await shot('findings');

    // The diff of the last good snapshot against the live forge, main's force-push open.
    await page.setViewportSize({ width: 1400, height: 1100 });
    const chosen = await diffAndChooseAll(page, demo);
    const diff = new DiffPage(page);
    const forced = diff.items.and(page.locator('[data-kind="ref-force-pushed"]')).first();
    await forced.getByRole('button').first().click();
    await diff.detail.getByTestId('difference-causes').waitFor();
    await diff.blastRadius.evaluate((e) => e.scrollIntoView());
    await shot('diff');

    // The plan of every piece of damage, each operation with its fidelity.
    const restore = await planRestore(page, chosen);
    await restore.plan.scrollIntoViewIfNeeded();
    await page.getByRole('heading', { name: /^Plan: / }).evaluate((e) => e.scrollIntoView());
    await shot('restore-plan');

    await addRestoreCredential(restore, demo, 'screenshots vault passphrase');
    await proveIsolation(restore);
    await dryRun(restore);
    await approve(restore);
    await awaitVerified(restore);
    await new RestorePage(page).verification.evaluate((e) => e.scrollIntoView({ block: 'center' }));
    await shot('restore-verified');
    await page.setViewportSize({ width: 1400, height: 860 });

    await openReport(page);
    await shot('report');
    await page.close();
  } finally {
    await host.stop();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The screens the story does not show, from the e2e fixtures on a plain host. */
async function shootFixtures(browser: Browser): Promise<void> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'bulkhead-shots-'));
  const host = await startBrowserHostProcess(profile);
  const trails = await writeIngestFiles();
  try {
    const base = host.url.split('#')[0];
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const shot = shooter(page);
    // The table fills its rows from the worker a page at a time; wait until none is pending.
    const rowsLoaded = async () => {
      await page.getByTestId('event-row').first().waitFor();
      await page.locator('.event-row__loading').first().waitFor({ state: 'detached' });
    };
    await page.goto(host.url);
    await page.getByTestId('app-info').getByText('browser').waitFor();

    await page.goto(`${base}#/components`);
    await page.getByTestId('view-components').waitFor();
    await page.keyboard.press('Shift+C');
    await page.getByTestId('diagnostics-table').waitFor();
    await page.getByTestId('status-bar').getByText('done').waitFor();
    await shot('components');

    // Two trails loaded, a malformed line named.
    const sources = new SourcesPage(page);
    await sources.open();
    await sources.load(trails.githubAudit, trails.transcript);
    await sources.row(path.basename(trails.transcript)).getByText('claude-code').waitFor();
    await page.getByTestId('sidebar-findings').getByText('critical').waitFor();
    await shot('sources');

    // A month of an organisation's audit log (200k events), lanes by actor.
    const timeline = new TimelinePage(page);
    await page.setViewportSize({ width: 1400, height: 1100 });
    const dense = path.join(trails.dir, 'org-audit-month.ndjson');
    await writeGithubAuditTrail(dense, 200_000);
    await sources.load(dense);
    await sources
      .row('org-audit-month.ndjson')
      .and(page.locator('[data-state="loaded"]'))
      .waitFor({ timeout: 120_000 });
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

    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${base}#/timeline`);
    await page.getByTestId('view-timeline').waitFor();
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette').waitFor();
    await shot('palette-dark');
    await page.close();
  } finally {
    await host.stop();
    await trails.remove();
    rmSync(profile, { recursive: true, force: true });
  }
}
