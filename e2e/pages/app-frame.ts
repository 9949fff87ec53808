import type { Locator, Page } from '@playwright/test';

/**
 * The app's frame as a user sees it: top bar, sidebar, the current view and status bar.
 *
 * Specs reach the UI only through page modules like this one, so a renamed test id is
 * fixed in one place.
 */
export class AppFrame {
  readonly frame: Locator;
  readonly topBar: Locator;
  readonly sidebar: Locator;
  readonly statusBar: Locator;
  /** The chip in the top bar that shows what `app:info` answered. */
  readonly appInfo: Locator;

  constructor(readonly page: Page) {
    this.frame = page.getByTestId('app-frame');
    this.topBar = page.getByTestId('top-bar');
    this.sidebar = page.getByTestId('sidebar');
    this.statusBar = page.getByTestId('status-bar');
    this.appInfo = this.topBar.getByTestId('app-info');
  }
}
