import type { Locator, Page } from '@playwright/test';

/** The demo incident's welcome on the Overview: the story, Open, and the guided steps. */
export class WelcomePage {
  readonly overviewLink: Locator;
  readonly welcome: Locator;
  readonly title: Locator;
  readonly preparing: Locator;
  readonly failed: Locator;
  readonly damage: Locator;
  readonly open: Locator;
  readonly steps: Locator;

  constructor(readonly page: Page) {
    this.overviewLink = page.getByTestId('sidebar').getByRole('link', { name: /^Overview/ });
    this.welcome = page.getByTestId('demo-welcome');
    this.title = this.welcome.getByRole('heading', { level: 2 }).first();
    this.preparing = page.getByTestId('demo-preparing');
    this.failed = page.getByTestId('demo-failed');
    this.damage = page.getByTestId('demo-damage').getByRole('listitem');
    this.open = page.getByTestId('demo-open');
    this.steps = page.getByTestId('demo-step');
  }

  /** A guided step by its title ("Verify the catalog", "Export the report", ...). */
  step(title: string): Locator {
    return this.steps.filter({ hasText: title });
  }
}
