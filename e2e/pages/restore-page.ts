import type { Locator, Page } from '@playwright/test';

/** The Restore view: plan form and table, vault, isolation, dry run, approval, run, verification. */
export class RestorePage {
  readonly link: Locator;
  readonly view: Locator;
  readonly items: Locator;
  readonly incident: Locator;
  readonly apiUrl: Locator;
  readonly owner: Locator;
  readonly tokenRef: Locator;
  readonly makePlan: Locator;
  readonly planError: Locator;
  readonly plan: Locator;
  readonly operations: Locator;
  readonly passphrase: Locator;
  readonly credentials: Locator;
  readonly addLabel: Locator;
  readonly addTokenRef: Locator;
  readonly addSubmit: Locator;
  readonly addError: Locator;
  readonly prove: Locator;
  readonly verdict: Locator;
  readonly conflicts: Locator;
  readonly override: Locator;
  readonly leastPrivilege: Locator;
  readonly dryRun: Locator;
  readonly dryRunSummary: Locator;
  readonly dryRunItems: Locator;
  readonly approveOpen: Locator;
  readonly dialog: Locator;
  readonly phraseExpected: Locator;
  readonly phrase: Locator;
  readonly approve: Locator;
  readonly progress: Locator;
  readonly steps: Locator;
  readonly approvalRecord: Locator;
  readonly error: Locator;
  readonly verification: Locator;
  readonly addToReport: Locator;

  constructor(readonly page: Page) {
    this.link = page.getByTestId('sidebar').getByRole('link', { name: /^Restore/ });
    this.view = page.getByTestId('view-restore');
    this.items = page.getByTestId('restore-item');
    this.incident = page.getByTestId('restore-incident');
    this.apiUrl = page.getByTestId('restore-api-url');
    this.owner = page.getByTestId('restore-owner');
    this.tokenRef = page.getByTestId('restore-token-ref');
    this.makePlan = page.getByTestId('restore-make-plan');
    this.planError = page.getByTestId('restore-plan-error');
    this.plan = page.getByTestId('restore-plan');
    this.operations = page.getByTestId('restore-op');
    this.passphrase = page.getByTestId('vault-passphrase');
    this.credentials = page.getByTestId('vault-credential');
    this.addLabel = page.getByTestId('vault-add-label');
    this.addTokenRef = page.getByTestId('vault-add-token-ref');
    this.addSubmit = page.getByTestId('vault-add-submit');
    this.addError = page.getByTestId('vault-add-error');
    this.prove = page.getByTestId('isolation-prove');
    this.verdict = page.getByTestId('isolation-verdict');
    this.conflicts = page.getByTestId('isolation-conflicts');
    this.override = page.getByTestId('isolation-override');
    this.leastPrivilege = page.getByTestId('least-privilege');
    this.dryRun = page.getByTestId('dry-run');
    this.dryRunSummary = page.getByTestId('dry-run-summary');
    this.dryRunItems = page.getByTestId('dry-run-item');
    this.approveOpen = page.getByTestId('restore-approve-open');
    this.dialog = page.getByTestId('approval-dialog');
    this.phraseExpected = page.getByTestId('approval-phrase-expected');
    this.phrase = page.getByTestId('approval-phrase');
    this.approve = page.getByTestId('approval-submit');
    this.progress = page.getByTestId('restore-progress');
    this.steps = page.getByTestId('restore-step');
    this.approvalRecord = page.getByTestId('restore-approval-record');
    this.error = page.getByTestId('restore-error');
    this.verification = page.getByTestId('verification-result');
    this.addToReport = page.getByTestId('restore-add-to-report');
  }

  /** An operation row of the plan by its id. */
  operation(id: string): Locator {
    return this.page.locator(`[data-testid="restore-op"][data-op="${id}"]`);
  }

  /** Adds a GitHub token to the vault through the form, the host reading it from a file. */
  async addToken(label: string, tokenFile: string): Promise<void> {
    await this.addLabel.fill(label);
    await this.addTokenRef.fill(tokenFile);
    await this.addSubmit.click();
  }
}
