import type { Locator, Page } from '@playwright/test';

/** The Timeline view: canvas, transport, table and detail panel. */
export class TimelinePage {
  readonly link: Locator;
  readonly view: Locator;
  readonly canvas: Locator;
  readonly paintedCanvas: Locator;
  readonly summary: Locator;
  readonly cursor: Locator;
  readonly play: Locator;
  readonly nextDestructive: Locator;
  readonly speed: Locator;
  readonly grouping: Locator;
  readonly textFilter: Locator;
  readonly rows: Locator;
  readonly currentRow: Locator;
  readonly detail: Locator;
  readonly detailTurn: Locator;
  readonly toolInput: Locator;
  readonly raw: Locator;
  readonly bookmarkNote: Locator;
  readonly bookmarkList: Locator;

  constructor(readonly page: Page) {
    this.link = page.getByTestId('sidebar').getByRole('link', { name: /^Timeline/ });
    this.view = page.getByTestId('view-timeline');
    this.canvas = page.getByTestId('timeline-canvas');
    this.paintedCanvas = page.locator('[data-testid="timeline-canvas"][data-painted="true"]');
    this.summary = page.getByTestId('timeline-summary');
    this.cursor = page.getByTestId('timeline-cursor');
    this.play = page.getByTestId('timeline-play');
    this.nextDestructive = page.getByTestId('timeline-next-destructive');
    this.speed = page.getByTestId('timeline-speed');
    this.grouping = page.getByTestId('timeline-grouping');
    this.textFilter = page.getByTestId('filter-text');
    this.rows = page.getByTestId('event-row');
    this.currentRow = page.locator('.event-row--current');
    this.detail = page.getByTestId('event-detail');
    this.detailTurn = this.detail.getByTestId('detail-turn');
    this.toolInput = this.detail.getByTestId('detail-tool-input');
    this.raw = this.detail.getByTestId('detail-raw');
    this.bookmarkNote = this.detail.getByTestId('bookmark-note');
    this.bookmarkList = page.getByTestId('bookmark-list');
  }

  async open(): Promise<void> {
    await this.link.click();
    await this.paintedCanvas.waitFor();
  }
}
