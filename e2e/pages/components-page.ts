import type { Locator, Page } from '@playwright/test';

/** The local components panel, where the user runs the component check. */
export class ComponentsPage {
  readonly navLink: Locator;
  readonly view: Locator;
  readonly runButton: Locator;
  readonly results: Locator;
  /** Task rows in the status bar's task region. */
  readonly statusBarTasks: Locator;
  readonly connectionState: Locator;

  constructor(readonly page: Page) {
    this.navLink = page.getByTestId('sidebar').getByRole('link', { name: /Local components/ });
    this.view = page.getByTestId('view-components');
    this.runButton = this.view.getByRole('button', { name: /Run check/ });
    this.results = page.getByTestId('diagnostics-table');
    this.statusBarTasks = page
      .getByTestId('status-bar')
      .getByRole('region', { name: 'Tasks' })
      .getByTestId('task-row');
    this.connectionState = page.getByTestId('connection-state');
  }

  /** The results row of one check, by its id (`git`, `chromium`, ...). */
  check(id: string): Locator {
    return this.results.locator(`tr[data-check-id="${id}"]`);
  }

  async open(): Promise<void> {
    await this.navLink.click();
  }
}
