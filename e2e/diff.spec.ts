import type { Page } from '@playwright/test';
import { expect, test as base } from './fixtures';
import { CatalogPage } from './pages/catalog-page';
import { DiffPage } from './pages/diff-page';
import { blurActiveElement } from './pages/page-probes';
import { SourcesPage } from './pages/sources-page';
import { TimelinePage } from './pages/timeline-page';
import { buildDiffIncident, type DiffIncident } from './support/diff-fixture';

const test = base.extend<{ incident: DiffIncident }>({
  // Playwright reads a fixture's dependencies from its first parameter's pattern.
  // eslint-disable-next-line no-empty-pattern
  incident: async ({}, use) => {
    const incident = await buildDiffIncident();
    await use(incident);
    await incident.stop();
  },
});

test('goes from a destructive event on the timeline to what it broke, and into the restore plan', async ({
  incident,
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1500, height: 1100 });

  // The snapshot taken before the damage, and the forge's own audit log of the damage.
  const catalog = new CatalogPage(page);
  await catalog.open();
  await catalog.openDirectory(incident.catalogDir, incident.fingerprint);
  await expect(catalog.snapshotRows).toHaveCount(1);
  const sources = new SourcesPage(page);
  await sources.open();
  await sources.load(incident.auditFile);
  await expect(sources.row('audit.ndjson')).toHaveAttribute('data-state', 'loaded');

  // The diff against the live forge: the repository gone, main force-pushed.
  const diff = new DiffPage(page);
  await diff.link.click();
  await diff.compute(incident.apiUrl, incident.owner, incident.tokenFile);
  await expect(diff.blastRadius).toContainText('Blast radius');
  await expect(diff.item('repo-deleted', 'acme/web')).toBeVisible();
  const forced = diff.item('ref-force-pushed', 'acme/api@refs/heads/main');
  await expect(forced).toContainText('2 commits lost');
  await forced.getByRole('button').first().click();
  await expect(diff.detail.getByTestId('diff-lost-commits')).toContainText('2 commits lost');
  await expect(diff.detail.getByTestId('difference-causes')).toContainText('git.push');

  // On the timeline, the first destructive event is the repository's deletion.
  const timeline = new TimelinePage(page);
  await timeline.open();
  await blurActiveElement(page);
  await page.keyboard.press('d');
  await expect(timeline.detail.getByTestId('detail-fields')).toContainText('repo.destroy');
  await expect(timeline.detail.getByTestId('detail-fields')).toContainText('acme/web');

  // From the event to what differs now for its target.
  await timeline.detail.getByTestId('detail-show-diff').click();
  await expect(diff.resourceFilter).toContainText('acme/web');
  await expect(diff.items).toHaveCount(1);
  const deleted = diff.item('repo-deleted', 'acme/web');
  await deleted.getByRole('button').first().click();
  await expect(diff.detail.getByTestId('difference-causes')).toContainText('repo.destroy');
  await page.screenshot({ path: testInfo.outputPath('diff.png') });

  // Into the restore plan, listed by the Restore view.
  await diff.detail.getByTestId('difference-add-to-plan').click();
  await expect(diff.detail.getByTestId('difference-add-to-plan')).toHaveText('In the restore plan');
  await page
    .getByTestId('sidebar')
    .getByRole('link', { name: /^Restore/ })
    .click();
  await expect(page.getByTestId('restore-item')).toContainText('acme/web');

  // The report: Markdown and HTML with the blast radius and each difference's cause.
  await page
    .getByTestId('sidebar')
    .getByRole('link', { name: /^Report/ })
    .click();
  const markdown = await downloadText(page, 'report-export-markdown');
  expect(markdown.name).toMatch(/^bulkhead-incident-.*\.md$/);
  expect(markdown.text).toContain('acme/web');
  expect(markdown.text).toContain('repo.destroy');
  expect(markdown.text).toMatch(/[Bb]last radius/);
  const html = await downloadText(page, 'report-export-html');
  expect(html.text).toContain('<html');
  expect(html.text).not.toContain('<script');
  const json = JSON.parse((await downloadText(page, 'report-export-json')).text) as {
    differences: unknown[];
  };
  expect(json.differences.length).toBeGreaterThanOrEqual(3);
});

const twoSnapshots = base.extend<{ incident: DiffIncident }>({
  // eslint-disable-next-line no-empty-pattern
  incident: async ({}, use) => {
    const incident = await buildDiffIncident({ snapshotAfter: true });
    await use(incident);
    await incident.stop();
  },
});

twoSnapshots(
  'compares the baseline with the state at the timeline cursor, and a resource with a baseline of its own',
  async ({ incident, page }, testInfo) => {
    twoSnapshots.setTimeout(120_000);
    await page.setViewportSize({ width: 1500, height: 1100 });
    const catalog = new CatalogPage(page);
    await catalog.open();
    await catalog.openDirectory(incident.catalogDir, incident.fingerprint);
    await expect(catalog.snapshotRows).toHaveCount(2);
    const sources = new SourcesPage(page);
    await sources.open();
    await sources.load(incident.auditFile);
    await expect(sources.row('audit.ndjson')).toHaveAttribute('data-state', 'loaded');

    // The cursor on the first destructive event: the repository's deletion, nothing after.
    const timeline = new TimelinePage(page);
    await timeline.open();
    await blurActiveElement(page);
    await page.keyboard.press('d');
    await expect(timeline.detail.getByTestId('detail-fields')).toContainText('repo.destroy');

    const diff = new DiffPage(page);
    await diff.link.click();
    await diff.snapshot.selectOption('1');
    await diff.againstCursor.check();
    await expect(diff.apiUrl).toBeHidden();
    await diff.run.click();
    await expect(diff.blastRadius).toContainText('the state at the timeline cursor');
    await expect(diff.item('repo-deleted', 'acme/web')).toBeVisible();
    await expect(diff.items).toHaveCount(1);
    await expect(diff.item('repo-deleted', 'acme/web')).toContainText('repo.destroy');

    // The next destructive event: the force-push over main, which the trail says was forced.
    await timeline.open();
    await blurActiveElement(page);
    await page.keyboard.press('d');
    await expect(timeline.detail.getByTestId('detail-fields')).toContainText('git.push');
    await diff.link.click();
    await diff.run.click();
    const forced = diff.item('ref-force-pushed', 'acme/api@refs/heads/main');
    await expect(forced).toBeVisible();
    await expect(diff.items).toHaveCount(2);
    await page.screenshot({ path: testInfo.outputPath('diff-at-cursor.png') });

    // Live, with acme/web's baseline taken after its deletion: only main's damage is left.
    await diff.againstLive.check();
    await diff.overrideBaseline('acme/web', 2);
    await expect(diff.overrides).toContainText('acme/web');
    await diff.compute(incident.apiUrl, incident.owner, incident.tokenFile);
    await expect(diff.blastRadius).toContainText('1 resource has a baseline of its own');
    await expect(diff.blastRadius).toContainText('live state of acme');
    await expect(diff.item('ref-force-pushed', 'acme/api@refs/heads/main')).toContainText(
      '2 commits lost',
    );
    await expect(diff.item('repo-deleted', 'acme/web')).toHaveCount(0);
  },
);

/** Clicks an export button and reads the file the page offers. */
async function downloadText(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(testId).click(),
  ]);
  const stream = await file.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { name: file.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
}
