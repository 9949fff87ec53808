import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';

/** The Sources and Findings views and their sidebar sections. */
export class SourcesPage {
  readonly sourcesLink: Locator;
  readonly findingsLink: Locator;
  readonly view: Locator;
  readonly fileInput: Locator;
  readonly dropZone: Locator;
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
    this.dropZone = page.getByTestId('drop-zone');
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

  /**
   * Drags files from outside the window over the drop zone (stopping over it, so its
   * highlight can be seen) and returns the function that drops them.
   *
   * Playwright cannot drag operating-system files, so the page builds the `DataTransfer`
   * a file drag carries, with `File`s of the files' bytes, and the zone receives the
   * events a drag from the desktop gives it: `dragenter`, `dragover`, then `drop`.
   */
  async dragOver(...files: string[]): Promise<() => Promise<void>> {
    const contents = await Promise.all(
      files.map(async (file) => ({
        name: path.basename(file),
        base64: (await readFile(file)).toString('base64'),
      })),
    );
    const dataTransfer = await this.page.evaluateHandle((items) => {
      // The page's own classes, typed here: this file compiles without the DOM library.
      const page = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: unknown): void } };
        File: new (parts: ReadonlyArray<Uint8Array>, name: string) => unknown;
        atob(data: string): string;
      };
      const { DataTransfer, File, atob } = page;
      const transfer = new DataTransfer();
      for (const { name, base64 } of items) {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], name));
      }
      return transfer;
    }, contents);
    await this.dropZone.dispatchEvent('dragenter', { dataTransfer });
    await this.dropZone.dispatchEvent('dragover', { dataTransfer });
    return async () => {
      await this.dropZone.dispatchEvent('drop', { dataTransfer });
      await dataTransfer.dispose();
    };
  }

  /** A source's card by file name; the newest load of that name comes first. */
  row(name: string): Locator {
    return this.rows.filter({ hasText: name });
  }

  finding(kind: string): Locator {
    return this.findingRows.and(this.page.locator(`[data-kind="${kind}"]`));
  }
}
