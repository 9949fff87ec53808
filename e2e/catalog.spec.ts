import { expect, test as base } from './fixtures';
import { CatalogPage } from './pages/catalog-page';
import {
  buildDirectoryCatalog,
  buildMirrorFolder,
  flipByte,
  type BuiltCatalog,
} from './support/catalog-fixture';

// A fresh signed directory catalog per test, made only when the test runs (not for a
// host that skips) and removed after it.
const test = base.extend<{ built: BuiltCatalog }>({
  // Playwright reads a fixture's dependencies from its first parameter's pattern.
  // eslint-disable-next-line no-empty-pattern
  built: async ({}, use) => {
    const catalog = await buildDirectoryCatalog();
    await use(catalog);
    await catalog.remove();
  },
});

test('opens a signed directory catalog, verifies it, browses a pull request, and names a tampered object', async ({
  built,
  page,
}, testInfo) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 1440, height: 1100 });
  const catalog = new CatalogPage(page);
  await catalog.open();
  await expect(catalog.view).toBeVisible();
  await expect(catalog.view.getByText('No snapshot catalog open.')).toBeVisible();

  await catalog.openDirectory(built.dir, built.fingerprint);
  await expect(catalog.location).toHaveText(built.dir);
  await expect(catalog.keyTrust).toContainText('Key pinned');
  await expect(catalog.snapshotRows).toHaveCount(2);
  await expect(catalog.snapshotRow(2)).toContainText('signed');
  await expect(catalog.snapshotRow(1)).toContainText('signed');
  await expect(catalog.standing).toHaveText('not verified');
  await expect(catalog.sidebarSummary).toContainText('catalog');
  await expect(catalog.sidebarSummary).toContainText('2 snapshots');
  await expect(catalog.sidebarSummary).toContainText('not verified');

  // A full verification passes, and says a directory is not WORM.
  await catalog.verifyFullButton.click();
  await expect(catalog.verifyResult).toHaveAttribute('data-ok', 'true');
  await expect(catalog.verifyResult).toContainText('Full verification passed');
  await expect(catalog.verifyWarnings).toContainText(/WORM/i);
  await expect(catalog.wormSummary).toContainText('a directory cannot lock objects');
  await expect(catalog.verifyTask().first()).toHaveAttribute('data-state', 'done');
  await expect(catalog.standing).toHaveText('verified');
  await expect(catalog.sidebarSummary).toContainText('verified');
  await page.screenshot({ path: testInfo.outputPath('catalog-verified.png') });

  // Browse the newest snapshot: refs, then the pull request's detail, then variables.
  await expect(catalog.browser).toContainText('Snapshot #2 contents');
  await expect(catalog.browser.getByTestId('refs-table')).toContainText(
    'refs/heads/fix/retry-loop',
  );
  await catalog.tab('Pull requests').click();
  await catalog.browser.getByRole('button', { name: built.pullTitle }).click();
  await expect(catalog.pullDetail.getByRole('heading', { name: built.pullTitle })).toBeVisible();
  await expect(catalog.pullDetail).toContainText('The worker retried forever');
  await expect(catalog.pullDetail).toContainText('incident');
  await expect(catalog.pullDetail).toContainText('fix/retry-loop');
  await expect(catalog.pullDetail).toContainText('Looks right.');
  await catalog.pullDetail.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('catalog-pull-detail.png') });

  await catalog.tab('Variables').click();
  const variables = catalog.browser.getByTestId('variables');
  await expect(variables).toContainText('API_BASE_URL');
  await expect(variables).not.toContainText(built.variableValue);
  await variables.getByRole('button', { name: /Reveal values/ }).click();
  await expect(variables).toContainText(built.variableValue);
  await variables.getByRole('button', { name: 'Hide values' }).click();
  await expect(variables).not.toContainText(built.variableValue);

  // One flipped byte in the pull request's object: full verification names that object.
  await flipByte(built.dir, built.objects.pull, 10);
  await catalog.verifyFullButton.click();
  await expect(catalog.verifyResult).toHaveAttribute('data-ok', 'false');
  await expect(catalog.verifyProblems).toContainText(built.objects.pull);
  await expect(catalog.standing).toHaveText('problems');
  await expect(catalog.sidebarSummary).toContainText('problems');
  await catalog.verifyResult.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('catalog-tampered.png') });
});

test('remembers the last directory and reopens it with one click', async ({ built, page }) => {
  const catalog = new CatalogPage(page);
  await catalog.open();
  await catalog.openDirectory(built.dir);
  await expect(catalog.keyTrust).toContainText('trusted on first use');
  await expect(catalog.snapshotRows).toHaveCount(2);

  await page.reload();
  await expect(page.getByTestId('app-frame')).toBeVisible();
  await expect(catalog.recentLocation).toContainText(built.dir);
  await catalog.recentLocation.getByRole('button', { name: 'Reopen' }).click();
  await expect(catalog.location).toHaveText(built.dir);
  await expect(catalog.snapshotRows).toHaveCount(2);
});

test('says which location could not be opened', async ({ built, page }, testInfo) => {
  const catalog = new CatalogPage(page);
  await catalog.open();
  const missing = `${built.dir}-nowhere`;
  await catalog.openDirectory(missing);
  await expect(catalog.openError).toContainText(missing);
  await expect(catalog.summary).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('catalog-open-error.png') });
});

test('opens a folder of bare mirrors as an unsigned import', async ({ page }) => {
  test.setTimeout(60_000);
  const mirrors = await buildMirrorFolder();
  try {
    const catalog = new CatalogPage(page);
    await catalog.open();
    await catalog.openDirectory(mirrors.dir);
    await expect(catalog.summary).toContainText('Imported backup');
    await expect(catalog.keyTrust).toContainText('Unsigned import');
    await expect(catalog.snapshotRows).toHaveCount(1);
    await expect(catalog.snapshotRow(1)).toContainText('unsigned');
  } finally {
    await mirrors.remove();
  }
});
