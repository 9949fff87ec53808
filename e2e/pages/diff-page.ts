import type { Locator, Page } from '@playwright/test';

/** The Diff view: the run form, the blast radius, the tree and a difference's detail. */
export class DiffPage {
  readonly link: Locator;
  readonly view: Locator;
  readonly apiUrl: Locator;
  readonly owner: Locator;
  readonly tokenRef: Locator;
  readonly run: Locator;
  readonly error: Locator;
  readonly blastRadius: Locator;
  readonly items: Locator;
  readonly detail: Locator;
  readonly resourceFilter: Locator;
  readonly snapshot: Locator;
  readonly againstLive: Locator;
  readonly againstCursor: Locator;
  readonly overrideResource: Locator;
  readonly overrideSnapshot: Locator;
  readonly overrideAdd: Locator;
  readonly overrides: Locator;

  constructor(readonly page: Page) {
    this.link = page.getByTestId('sidebar').getByRole('link', { name: /^Diff/ });
    this.view = page.getByTestId('view-diff');
    this.apiUrl = page.getByTestId('diff-api-url');
    this.owner = page.getByTestId('diff-owner');
    this.tokenRef = page.getByTestId('diff-token-ref');
    this.run = page.getByTestId('diff-run');
    this.error = page.getByTestId('diff-error');
    this.blastRadius = page.getByTestId('blast-radius');
    this.items = page.getByTestId('diff-item');
    this.detail = page.getByTestId('difference-detail');
    this.resourceFilter = page.getByTestId('diff-resource-filter');
    this.snapshot = page.getByTestId('diff-snapshot');
    this.againstLive = page.getByTestId('diff-against-live');
    this.againstCursor = page.getByTestId('diff-against-cursor');
    this.overrideResource = page.getByTestId('baseline-override-resource');
    this.overrideSnapshot = page.getByTestId('baseline-override-snapshot');
    this.overrideAdd = page.getByTestId('baseline-override-add');
    this.overrides = page.getByTestId('baseline-override');
  }

  /** Gives one resource a snapshot of its own as its baseline. */
  async overrideBaseline(resource: string, seq: number): Promise<void> {
    await this.overrideResource.fill(resource);
    await this.overrideSnapshot.selectOption(String(seq));
    await this.overrideAdd.click();
  }

  /** A difference row by kind and the text of its resource key. */
  item(kind: string, key: string): Locator {
    return this.items.and(this.page.locator(`[data-kind="${kind}"]`)).filter({ hasText: key });
  }

  /** Fills the form to compare against a live API, the token read by the host from a file. */
  async compute(apiUrl: string, owner: string, tokenFile: string): Promise<void> {
    await this.apiUrl.fill(apiUrl);
    await this.owner.fill(owner);
    await this.view.getByRole('radio', { name: /a file/ }).check();
    await this.tokenRef.fill(tokenFile);
    await this.run.click();
  }
}
