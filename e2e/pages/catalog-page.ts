import type { Locator, Page } from '@playwright/test';

/** The Catalog view: open a catalog, its snapshots, verification and the contents browser. */
export class CatalogPage {
  readonly navLink: Locator;
  readonly view: Locator;
  readonly form: Locator;
  readonly directoryInput: Locator;
  readonly keyInput: Locator;
  readonly openButton: Locator;
  readonly openError: Locator;
  readonly recentLocation: Locator;
  readonly summary: Locator;
  readonly location: Locator;
  readonly keyTrust: Locator;
  readonly standing: Locator;
  readonly openWarnings: Locator;
  readonly snapshotRows: Locator;
  readonly verifyPanel: Locator;
  readonly verifyQuickButton: Locator;
  readonly verifyFullButton: Locator;
  readonly verifyResult: Locator;
  readonly verifyProblems: Locator;
  readonly verifyWarnings: Locator;
  readonly wormSummary: Locator;
  readonly browser: Locator;
  readonly pullDetail: Locator;
  readonly sidebarSummary: Locator;
  readonly statusBarTasks: Locator;

  constructor(readonly page: Page) {
    this.navLink = page.getByTestId('sidebar').getByRole('link', { name: /^Catalog/ });
    this.view = page.getByTestId('view-catalog');
    this.form = page.getByTestId('open-catalog-form');
    this.directoryInput = this.form.getByLabel(/^Directory path/);
    this.keyInput = this.form.getByLabel(/Pinned key/);
    this.openButton = this.form.getByRole('button', { name: 'Open catalog' });
    this.openError = page.getByTestId('open-error');
    this.recentLocation = page.getByTestId('recent-location');
    this.summary = page.getByTestId('catalog-summary');
    this.location = page.getByTestId('catalog-location');
    this.keyTrust = page.getByTestId('key-trust');
    this.standing = this.summary.getByTestId('catalog-standing');
    this.openWarnings = page.getByTestId('open-warnings');
    this.snapshotRows = page.getByTestId('snapshot-list').getByTestId('snapshot-row');
    this.verifyPanel = page.getByTestId('verify-panel');
    this.verifyQuickButton = this.verifyPanel.getByRole('button', { name: 'Verify quick' });
    this.verifyFullButton = this.verifyPanel.getByRole('button', { name: 'Verify full' });
    this.verifyResult = page.getByTestId('verify-result');
    this.verifyProblems = page.getByTestId('verify-problems');
    this.verifyWarnings = page.getByTestId('verify-warnings');
    this.wormSummary = page.getByTestId('worm-summary');
    this.browser = page.getByTestId('contents-browser');
    this.pullDetail = page.getByTestId('pull-detail');
    this.sidebarSummary = page.getByTestId('sidebar-catalog-summary');
    this.statusBarTasks = page
      .getByTestId('status-bar')
      .getByRole('region', { name: 'Tasks' })
      .getByTestId('task-row');
  }

  async open(): Promise<void> {
    await this.navLink.click();
  }

  /** Opens a directory catalog through the form, pinning a key when given. */
  async openDirectory(dir: string, key?: string): Promise<void> {
    await this.directoryInput.fill(dir);
    if (key) await this.keyInput.fill(key);
    await this.openButton.click();
  }

  snapshotRow(seq: number): Locator {
    return this.snapshotRows.and(this.page.locator(`[data-seq="${seq}"]`));
  }

  /** Selects a snapshot to browse. */
  async browseSnapshot(seq: number): Promise<void> {
    await this.snapshotRow(seq)
      .getByRole('button', { name: `#${seq}` })
      .click();
  }

  tab(name: 'Refs' | 'Pull requests' | 'Variables' | 'Secrets' | 'Environments'): Locator {
    return this.browser.getByRole('tab', { name: new RegExp(`^${name}`) });
  }

  /** The verification task row in the status bar. */
  verifyTask(): Locator {
    return this.statusBarTasks.filter({ hasText: 'Verifying the snapshot catalog' });
  }
}
