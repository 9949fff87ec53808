import { expect, test as base } from './fixtures';
import { blurActiveElement } from './pages/page-probes';
import { SourcesPage } from './pages/sources-page';
import { TimelinePage } from './pages/timeline-page';
import { writeIngestFiles, type IngestFiles } from './support/ingest-fixture';

const test = base.extend<{ files: IngestFiles }>({
  // Playwright reads a fixture's dependencies from its first parameter's pattern.
  // eslint-disable-next-line no-empty-pattern
  files: async ({}, use) => {
    const files = await writeIngestFiles();
    await use(files);
    await files.remove();
  },
});

test('loads a trail, plays it, jumps to the first destructive event and shows the tool call that caused it', async ({
  files,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1500, height: 1100 });
  const sources = new SourcesPage(page);
  await sources.open();
  await sources.load(files.githubAudit, files.transcript);
  await expect(sources.row('github-audit.ndjson')).toHaveAttribute('data-state', 'loaded');
  await expect(sources.row('claude-session.jsonl')).toHaveAttribute('data-state', 'loaded');

  const timeline = new TimelinePage(page);
  await timeline.open();
  await expect(timeline.summary).toContainText('9 events');
  await expect(timeline.rows.first()).toBeVisible();

  // Play at 1x from the first event: the cursor starts moving; pause again.
  await expect(timeline.cursor).toContainText('No cursor');
  await timeline.speed.selectOption('1');
  await blurActiveElement(page);
  await page.keyboard.press('Space');
  await expect(timeline.play).toHaveAttribute('aria-pressed', 'true');
  await expect(timeline.cursor).toContainText('2026-01-14 09:00:0');
  await page.keyboard.press('Space');
  await expect(timeline.play).toHaveAttribute('aria-pressed', 'false');

  // The first destructive event is the agent's own tool call, `gh repo delete`: the
  // panel shows the transcript turn and the provider event it caused.
  await page.keyboard.press('d');
  await expect(timeline.detail).toBeVisible();
  await expect(timeline.cursor).toContainText('2026-01-14 09:00:09.000 UTC');
  await expect(timeline.detailTurn).toContainText('Transcript turn');
  await expect(timeline.detailTurn).toContainText('Clean up the old repositories.');
  await expect(timeline.toolInput).toContainText('gh repo delete acme/api --yes');
  await expect(timeline.detail.getByTestId('detail-related')).toContainText('repo.destroy');
  await expect(timeline.currentRow).toContainText('tool_use:Bash');
  await page.screenshot({ path: testInfo.outputPath('timeline.png') });

  // The next destructive event is the provider's record of that deletion, explained by it.
  await timeline.nextDestructive.click();
  await expect(timeline.cursor).toContainText('2026-01-14 09:00:10.000 UTC');
  await expect(timeline.detail.getByTestId('detail-fields')).toContainText('repo.destroy');
  await expect(timeline.detail.getByTestId('detail-fields')).toContainText('acme/api');
  await expect(timeline.detailTurn).toContainText("Caused by the agent's tool call");
  await expect(timeline.toolInput).toContainText('gh repo delete acme/api --yes');
  await expect(timeline.raw).toContainText('"action": "repo.destroy"');
  await expect(timeline.currentRow).toContainText('repo.destroy');

  // Stepping: j moves to the next event (acme/web at 11 s), k back.
  await blurActiveElement(page);
  await page.keyboard.press('j');
  await expect(timeline.cursor).toContainText('09:00:11.000');
  await expect(timeline.detail.getByTestId('detail-fields')).toContainText('acme/web');
  await page.keyboard.press('k');
  await expect(timeline.detail.getByTestId('detail-fields')).toContainText('acme/api');

  // The Diff view follows the cursor: it names the moment it will describe.
  await page.keyboard.press('j');
  await expect(timeline.cursor).toContainText('09:00:11.000');
  await page.keyboard.press('g');
  await page.keyboard.press('d');
  await expect(page.getByTestId('view-diff').getByTestId('cursor-badge')).toContainText(
    '2026-01-14 09:00:11.000 UTC',
  );

  // From a finding to its moment on the timeline.
  await page.keyboard.press('g');
  await page.keyboard.press('f');
  const burst = sources.finding('destructive-burst');
  await burst.getByRole('button').first().click();
  const at = /\d{2}:\d{2}:\d{2}/.exec((await burst.textContent()) ?? '')?.[0];
  expect(at).toBeDefined();
  await burst.getByTestId('finding-on-timeline').click();
  await timeline.paintedCanvas.waitFor();
  await expect(timeline.cursor).toContainText(`2026-01-14 ${at!}`);
  await expect(timeline.cursor).not.toContainText('09:00:11.000');
});

test('filters the canvas and the table together, and keeps bookmarks, notes and the moment across a reload', async ({
  files,
  page,
}) => {
  await page.setViewportSize({ width: 1500, height: 1100 });
  const sources = new SourcesPage(page);
  await sources.open();
  await sources.load(files.githubAudit, files.transcript);
  await expect(sources.row('claude-session.jsonl')).toHaveAttribute('data-state', 'loaded');
  const timeline = new TimelinePage(page);
  await timeline.open();

  // A text filter over the raw records narrows both the lanes and the table.
  await page.keyboard.press('/');
  await expect(timeline.textFilter).toBeFocused();
  await timeline.textFilter.fill('acme/web');
  await timeline.textFilter.press('Enter');
  await expect(timeline.summary).toContainText('1 events');
  await expect(timeline.rows).toHaveCount(1);
  await expect(timeline.rows.first()).toContainText('acme/web');
  await timeline.textFilter.fill('');
  await timeline.textFilter.press('Enter');
  await expect(timeline.summary).toContainText('9 events');

  // Lanes by credential: one token's lane and the transcript's own events.
  await timeline.grouping.selectOption('credential');
  await expect(timeline.summary).toContainText('in 2 lanes');

  // Shift+drag brushes a range; the bar counts its events and zooms to it.
  const box = (await timeline.canvas.boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + 260, box.y + 60);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 20, box.y + 60, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const brush = page.getByTestId('timeline-brush');
  await expect(brush).toContainText(/\d+ events\)/);
  await brush.getByRole('button', { name: 'Zoom to selection' }).click();
  await brush.getByRole('button', { name: 'Clear' }).click();
  await expect(brush).toBeHidden();

  // Bookmark the first destructive event with a note.
  await timeline.nextDestructive.click();
  await expect(timeline.detail).toBeVisible();
  await blurActiveElement(page);
  await page.keyboard.press('b');
  await expect(timeline.bookmarkNote).toBeVisible();
  await timeline.bookmarkNote.fill('First deletion: the agent used the ops token.');
  await timeline.bookmarkNote.blur();
  await expect(timeline.bookmarkList).toContainText('tool_use:Bash');
  await expect(timeline.bookmarkList).toContainText('First deletion');

  // The moment is in the URL: a reload reopens it, with the bookmark kept in the workspace.
  await expect(page).toHaveURL(/t=\d+/);
  await page.reload();
  await expect(page.getByTestId('app-frame')).toBeVisible();
  await timeline.paintedCanvas.waitFor();
  await expect(timeline.cursor).toContainText('2026-01-14 09:00:09.000 UTC');
  await expect(timeline.bookmarkList).toContainText(
    'First deletion: the agent used the ops token.',
  );
  await expect(timeline.grouping).toHaveValue('credential');

  // The note is carried into the report.
  await page.keyboard.press('g');
  await page.keyboard.press('p');
  await expect(page.getByTestId('report-bookmarks')).toContainText(
    'First deletion: the agent used the ops token.',
  );
});
