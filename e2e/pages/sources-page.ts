import type { Locator, Page } from '@playwright/test';

/** The Sources and Findings views and their sidebar sections. */
export class SourcesPage {
  readonly sourcesLink: Locator;
  readonly findingsLink: Locator;
  readonly view: Locator;
  readonly fileInput: Locator;
  readonly rows: Locator;
  readonly sidebarSources: Locator;
  readonly sidebarFindings: Locator;
  readonly findingsView: Locator;
  readonly findingRows: Locator;

  constructor(readonly page: Page) {
    const sidebar = page.getByTestId('sidebar');
    this.sourcesLink = sidebar.getByRole('link', { name: /^Sources/ });
    this.findingsLink = sidebar.getByRole('link', { name: /^Findings/ });
    this.view = page.getByTestId('view-sources');
    this.fileInput = page.getByTestId('source-file-input');
    this.rows = page.getByTestId('source-list').getByTestId('source-row');
    this.sidebarSources = page.getByTestId('sidebar-sources');
    this.sidebarFindings = page.getByTestId('sidebar-findings');
    this.findingsView = page.getByTestId('view-findings');
    this.findingRows = page.getByTestId('finding-list').getByTestId('finding-row');
  }

  async open(): Promise<void> {
    await this.sourcesLink.click();
  }

  /** Loads files through the hidden file input, as the "Choose files" button does. */
  async load(...files: string[]): Promise<void> {
    await this.fileInput.setInputFiles(files);
  }

  /** A source's card by file name; the newest load of that name comes first. */
  row(name: string): Locator {
    return this.rows.filter({ hasText: name });
  }

  finding(kind: string): Locator {
    return this.findingRows.and(this.page.locator(`[data-kind="${kind}"]`));
  }
}
