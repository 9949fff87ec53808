import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, test as base } from './fixtures';
import { SourcesPage } from './pages/sources-page';
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

async function sha256Hex(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

test('loads an audit trail and a transcript in a worker, names a bad line, dedupes a reload, and raises a burst', async ({
  files,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1440, height: 1100 });
  const sources = new SourcesPage(page);
  await sources.open();
  await expect(sources.view).toBeVisible();
  await expect(sources.view.getByText('No audit trails loaded.')).toBeVisible();

  await sources.load(files.githubAudit, files.transcript);
  const audit = sources.row('github-audit.ndjson');
  await expect(audit).toHaveAttribute('data-state', 'loaded');
  await expect(audit.getByTestId('source-format')).toHaveText('github-audit');
  await expect(audit.getByTestId('count-records')).toHaveText('8');
  await expect(audit.getByTestId('count-events')).toHaveText('7');
  await expect(audit.getByTestId('count-errors')).toHaveText('1');
  await expect(audit.getByTestId('source-errors')).toContainText('line 4');
  await expect(audit.getByTestId('source-outcome')).toContainText('7 events added');

  const transcript = sources.row('claude-session.jsonl');
  await expect(transcript).toHaveAttribute('data-state', 'loaded');
  await expect(transcript.getByTestId('source-format')).toHaveText('claude-code');
  await expect(transcript.getByTestId('count-errors')).toHaveText('0');
  await expect(transcript.getByTestId('count-skipped')).not.toHaveText('0');
  await expect(sources.sidebarSources).toContainText('2 sources');
  await expect(sources.sidebarSources).toContainText(/9 events/);

  // The same file again: same SHA-256, nothing added, and the card says so.
  await sources.load(files.githubAudit);
  await expect(sources.rows).toHaveCount(3);
  const again = sources.rows.first();
  await expect(again).toHaveAttribute('data-state', 'duplicate');
  await expect(again.getByTestId('source-outcome')).toContainText('added nothing');
  await expect(sources.sidebarSources).toContainText(/9 events/);
  await page.screenshot({ path: testInfo.outputPath('sources.png') });

  // Findings: the deletions make a destructive burst; its cited events open on click.
  await expect(sources.sidebarFindings).toContainText(/finding/);
  await sources.findingsLink.click();
  await expect(sources.findingsView).toBeVisible();
  const burst = sources.finding('destructive-burst').first();
  await expect(burst).toBeVisible();
  await expect(burst.getByTestId('finding-severity')).toHaveText('critical');
  await burst.getByRole('button').click();
  await expect(burst.getByTestId('finding-event').first()).toBeVisible();
  await expect(burst.getByTestId('finding-events')).toContainText('repo.destroy');
  await page.screenshot({ path: testInfo.outputPath('findings.png'), fullPage: true });
});

test('loads files dropped on the Sources view and shows each one’s counts', async ({
  files,
  page,
}) => {
  const sources = new SourcesPage(page);
  await sources.open();
  await expect(sources.view.getByText('No audit trails loaded.')).toBeVisible();

  const drop = await sources.dragOver(files.githubAudit, files.transcriptGz);
  // The zone lights up while files are held over it.
  await expect(sources.dropZone).toHaveClass(/drop-zone--active/);
  await drop();
  await expect(sources.dropZone).not.toHaveClass(/drop-zone--active/);

  const audit = sources.row('github-audit.ndjson');
  await expect(audit).toHaveAttribute('data-state', 'loaded');
  await expect(audit.getByTestId('source-format')).toHaveText('github-audit');
  await expect(audit.getByTestId('count-records')).toHaveText('8');
  await expect(audit.getByTestId('count-events')).toHaveText('7');
  await expect(audit.getByTestId('count-errors')).toHaveText('1');
  await expect(audit.getByTestId('source-errors')).toContainText('line 4');
  await expect(audit.getByTestId('source-outcome')).toContainText('7 events added');

  const gz = sources.row('claude-session.jsonl.gz');
  await expect(gz).toHaveAttribute('data-state', 'loaded');
  await expect(gz.getByTestId('source-format')).toHaveText('claude-code · gzip');
  await expect(gz.getByTestId('count-events')).toHaveText('2');
  await expect(sources.sidebarSources).toContainText('2 sources · 9 events');
  // Each source is named by its file's SHA-256, as sha256sum prints it (gzip as stored).
  await expect(audit.getByTestId('source-sha256')).toHaveText(await sha256Hex(files.githubAudit));
  await expect(gz.getByTestId('source-sha256')).toHaveText(await sha256Hex(files.transcriptGz));

  // The same file dropped again: same SHA-256, nothing added.
  await (
    await sources.dragOver(files.githubAudit)
  )();
  await expect(sources.rows).toHaveCount(3);
  await expect(sources.rows.first()).toHaveAttribute('data-state', 'duplicate');
  await expect(sources.rows.first().getByTestId('source-outcome')).toContainText(
    'Already loaded (same SHA-256 as github-audit.ndjson): added nothing.',
  );
  // Its bad line was reported by the first load, not again.
  await expect(sources.rows.first().getByTestId('source-errors')).toHaveCount(0);
  await expect(sources.sidebarSources).toContainText('2 sources · 9 events');
});

test('reads a gzip transcript and says when a file is in no known format', async ({
  files,
  page,
}) => {
  const sources = new SourcesPage(page);
  await sources.open();
  await sources.load(files.transcriptGz, files.notes);

  const gz = sources.row('claude-session.jsonl.gz');
  await expect(gz).toHaveAttribute('data-state', 'loaded');
  await expect(gz.getByTestId('source-format')).toHaveText('claude-code · gzip');
  await expect(gz.getByTestId('count-events')).toHaveText('2');

  const notes = sources.row('notes.txt');
  await expect(notes).toHaveAttribute('data-state', 'unknown-format');
  await expect(notes.getByTestId('source-outcome')).toContainText('Unknown format');
  await expect(sources.sidebarSources).toContainText('1 source');
});

test('keeps loaded sources in the workspace across a reload', async ({ files, page }) => {
  const sources = new SourcesPage(page);
  await sources.open();
  await sources.load(files.githubAudit);
  const audit = sources.row('github-audit.ndjson');
  // The card says once the chunks are in IndexedDB; only then is a reload safe.
  await expect(audit).toHaveAttribute('data-saved', 'true');
  await expect(sources.sidebarFindings).toContainText(/finding/);

  await page.reload();
  await expect(sources.sidebarSources).toContainText('1 source · 7 events');
  await expect(sources.sidebarFindings).toContainText(/finding/);
  await sources.open();
  const restored = sources.row('github-audit.ndjson');
  await expect(restored.getByTestId('source-outcome')).toContainText(
    'Restored from the workspace: 7 events',
  );
  await expect(restored.getByTestId('source-errors')).toContainText('line 4');

  // The worker knows the restored file's hash: loading it again adds nothing.
  await sources.load(files.githubAudit);
  await expect(sources.rows.first()).toHaveAttribute('data-state', 'duplicate');
  await expect(sources.sidebarSources).toContainText('1 source · 7 events');
});

test('cancels a load and keeps nothing from it', async ({ files, page }) => {
  const large = await files.writeLargeAudit(40);
  const sources = new SourcesPage(page);
  await sources.open();
  await sources.load(large);
  const row = sources.row('large-audit.ndjson');
  await row.getByRole('button', { name: 'Cancel' }).click();
  await expect(row).toHaveAttribute('data-state', 'cancelled');
  await expect(row.getByTestId('source-outcome')).toContainText('nothing from this file was kept');
  await expect(sources.sidebarSources).toContainText('0 sources · 0 events');
});
