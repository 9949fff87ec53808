import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { generateSigningKey } from '../electron/services/catalog/catalog-keys';
import { signApproval } from '../electron/services/restore/approval-keys';
import { RestorePlan } from '../shared/restore/plan-model';
import { expect, test as base, type HostHandle } from './fixtures';
import { CatalogPage } from './pages/catalog-page';
import { DiffPage } from './pages/diff-page';
import { RestorePage } from './pages/restore-page';
import { SourcesPage } from './pages/sources-page';
import {
  buildRestoreIncident,
  extraVariableName,
  type RestoreIncident,
} from './support/restore-fixture';

// From the Diff view through approval to a verified restore, against the sandbox forge:
// the snapshot before the damage, the forge's own audit log of the damage, a restore
// token the agent never held added to the vault through the UI, and the forge checked
// through its API afterwards. Then the agent's own token: refused, overridden by the
// typed phrase, and the override found in the journal and the report. Last, a restore
// slowed by a proxy, watched live, cancelled between steps and resumed.

const test = base.extend<{ incident: RestoreIncident }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads dependencies from this pattern.
  incident: async ({}, use) => {
    const incident = await buildRestoreIncident();
    await use(incident);
    await incident.stop();
  },
});

/** The same incident with 40 more variables deleted, long-named: the view under load. */
const loaded = base.extend<{ incident: RestoreIncident }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads dependencies from this pattern.
  incident: async ({}, use) => {
    const incident = await buildRestoreIncident({ extraVariables: 40 });
    await use(incident);
    await incident.stop();
  },
});

/** The incident behind a proxy that holds every write for a second: a restore to watch. */
const slow = base.extend<{ incident: RestoreIncident }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads dependencies from this pattern.
  incident: async ({}, use) => {
    const incident = await buildRestoreIncident({ extraVariables: 40, slowWritesMs: 1000 });
    await use(incident);
    await incident.stop();
  },
});

const passphrase = 'e2e vault passphrase, typed once';

/**
 * Types the vault passphrase where a passphrase seals the vault (the browser host); the
 * Electron host seals it with the OS keychain and asks nothing.
 */
async function unlockVault(restore: RestorePage, host: HostHandle): Promise<void> {
  if (host.kind === 'browser') await restore.passphrase.fill(passphrase);
  else await expect(restore.passphrase).toHaveCount(0);
}

/** Catalog, trail and diff, then every difference chosen and the Restore view planned. */
async function planFromDiff(page: Page, incident: RestoreIncident): Promise<RestorePage> {
  await page.setViewportSize({ width: 1500, height: 1100 });
  const catalog = new CatalogPage(page);
  await catalog.open();
  await catalog.openDirectory(incident.catalogDir, incident.fingerprint);
  await expect(catalog.snapshotRows).toHaveCount(1);
  const sources = new SourcesPage(page);
  await sources.open();
  await sources.load(incident.auditFile);
  await expect(sources.row('audit.ndjson')).toHaveAttribute('data-state', 'loaded');

  const diff = new DiffPage(page);
  await diff.link.click();
  await diff.compute(incident.apiUrl, incident.owner, incident.readTokenFile);
  await expect(diff.item('repo-deleted', 'acme/web')).toBeVisible();
  await expect(diff.item('ref-force-pushed', 'acme/api@refs/heads/main')).toBeVisible();
  await expect(diff.item('variable-deleted', 'REGION')).toBeVisible();
  await expect(diff.item('pr-closed', 'acme/api#1')).toBeVisible();
  const total = await diff.items.count();
  // Choose all: every repository's "Add all" button.
  const addAll = diff.view.getByRole('button', { name: /^Add all \d+ to restore plan$/ });
  for (let i = 0; i < (await addAll.count()); i++) await addAll.nth(i).click();

  const restore = new RestorePage(page);
  await restore.link.click();
  await expect(restore.items).toHaveCount(total);
  // The Diff form's live side is the plan form's default.
  await expect(restore.apiUrl).toHaveValue(incident.apiUrl);
  await expect(restore.tokenRef).toHaveValue(incident.readTokenFile);
  await restore.incident.fill('inc-7');
  await restore.makePlan.click();
  await expect(restore.plan).toContainText('operations to acme');
  await expect(restore.operation('recreate-repo:acme/web')).toHaveAttribute(
    'data-fidelity',
    'recreated',
  );
  await expect(restore.operation('push-ref:acme/api@refs/heads/main')).toHaveAttribute(
    'data-fidelity',
    'faithful',
  );
  await expect(restore.operation('push-ref:acme/api@refs/heads/main')).toContainText(
    'push (force)',
  );
  await expect(restore.page.getByTestId('restore-scopes')).toContainText('repo');
  return restore;
}

/** Dry run, the typed approval, the run and its verification. */
async function runToVerified(
  restore: RestorePage,
  shots: { readonly approval: string },
  approver?: string,
): Promise<string> {
  await restore.dryRun.click();
  await expect(restore.dryRunSummary).toContainText('0 blocked');
  await expect(restore.dryRunItems.first()).toBeVisible();
  await restore.approveOpen.click();
  const phrase = (await restore.phraseExpected.textContent()) ?? '';
  await restore.phrase.fill(phrase);
  if (approver !== undefined) await restore.page.getByTestId('approval-approver').fill(approver);
  await restore.page.screenshot({ path: shots.approval });
  await restore.approve.click();
  expect(phrase).toMatch(/^restore \d+ operations to acme$/);
  await expect(restore.verification).toHaveAttribute('data-ok', 'true', { timeout: 90_000 });
  await expect(restore.verification).toContainText('Every target equals the snapshot');
  await expect(restore.verification).toContainText('0 drift');
  await expect(restore.steps.and(restore.page.locator('[data-state="failed"]'))).toHaveCount(0);
  await expect(restore.steps.and(restore.page.locator('[data-state="pending"]'))).toHaveCount(0);
  await expect(restore.approvalRecord).toContainText(phrase);
  return phrase;
}

/** The forge, read through its API: everything the damage broke is back. */
async function expectForgeRestored(incident: RestoreIncident): Promise<void> {
  const web = await incident.get('/repos/acme/web');
  expect(web.status).toBe(200);
  const webMain = await incident.get('/repos/acme/web/git/ref/heads/main');
  expect((webMain.body as { object: { sha: string } }).object.sha).toBe(incident.before.webMain);
  const apiMain = await incident.get('/repos/acme/api/git/ref/heads/main');
  expect((apiMain.body as { object: { sha: string } }).object.sha).toBe(incident.before.apiMain);
  const region = await incident.get('/repos/acme/api/actions/variables/REGION');
  expect(region.status).toBe(200);
  expect((region.body as { value: string }).value).toBe(incident.before.region);
  const pull = await incident.get('/repos/acme/api/pulls/1');
  expect((pull.body as { state: string }).state).toBe('open');
}

test('restores what the diff found through an isolated restore token, approved by a typed phrase, and verifies it', async ({
  incident,
  page,
  host,
}, testInfo) => {
  test.setTimeout(240_000);
  const restore = await planFromDiff(page, incident);
  await page.screenshot({ path: testInfo.outputPath('restore-plan.png') });

  // The restore token, into the vault through the form (the host reads the file).
  await unlockVault(restore, host);
  await restore.addToken('restore bot', incident.restoreTokenFile);
  await expect(restore.credentials.filter({ hasText: 'restore bot' })).toBeVisible();
  await expect(
    restore.credentials.filter({ hasText: 'restore bot' }).getByRole('checkbox'),
  ).toBeChecked();
  // Nothing of the token reaches the page: only its hashed_token.
  const token = (await readFile(incident.restoreTokenFile, 'utf8')).trim();
  expect(await page.content()).not.toContain(token);

  await expect(restore.dryRun).toBeDisabled();
  await restore.prove.click();
  await expect(restore.verdict).toHaveAttribute('data-reason', 'isolated');
  await expect(restore.verdict).toContainText('None of the 1 chosen credentials appears');
  await expect(restore.leastPrivilege).toContainText('signed in as restore-bot');
  await expect(restore.leastPrivilege).toContainText('covers the plan');

  // A second approver signs the saved plan with their own key, on their side.
  const saved = JSON.parse(await downloadText(page, 'restore-plan-save')) as { plan: unknown };
  const approverKey = generateSigningKey();
  const signature = signApproval(approverKey, RestorePlan.parse(saved.plan));
  await runToVerified(
    restore,
    { approval: testInfo.outputPath('restore-approval.png') },
    JSON.stringify(signature),
  );
  await expect(restore.approvalRecord).toContainText(`second approver ${approverKey.fingerprint}`);
  await restore.verification.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('restore-verified.png') });
  await expectForgeRestored(incident);

  // After a reload the view still says, from the journal, where the restore stands.
  const planned = await restore.operations.count();
  await page.reload();
  await expect(page.getByTestId('app-frame')).toBeVisible();
  await restore.link.click();
  await expect(restore.plan).toBeVisible();
  await expect(restore.steps.and(page.locator('[data-state="done"]'))).toHaveCount(planned);
  await expect(restore.verification).toHaveAttribute('data-ok', 'true');
  await expect(restore.approveOpen).toBeDisabled();
  await expect(page.getByTestId('restore-approve')).toContainText('Done: the journal records');

  // The agent strikes again: a new verification lists the drift, the passphrase asked anew.
  await incident.org.admin.deleteVariable({ owner: 'acme', repo: 'api' }, 'REGION');
  await unlockVault(restore, host);
  await page.getByTestId('verify-again').click();
  await expect(restore.verification).toHaveAttribute('data-ok', 'false');
  await expect(restore.verification).toContainText('1 of');
  await expect(page.getByTestId('verification-drift')).toContainText(
    'set-variable:acme/api:variable:REGION',
  );
  await page.getByTestId('verification-drift').scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('restore-drift.png') });
});

loaded(
  'refuses the agent’s own token with the explanation, and lets the typed override proceed, recorded',
  async ({ incident, page, host }, testInfo) => {
    loaded.setTimeout(240_000);
    const restore = await planFromDiff(page, incident);
    // 8 operations for the damage, and one per long-named variable: the first 30 shown.
    await expect(restore.operations).toHaveCount(30);
    await page.getByTestId('restore-plan-show-all').click();
    await expect(restore.operations).toHaveCount(48);
    const last = restore.operation(`set-variable:acme/api:variable:${extraVariableName(39)}`);
    await expect(last).toHaveAttribute('data-fidelity', 'faithful');
    await last.scrollIntoViewIfNeeded();
    await page.screenshot({ path: testInfo.outputPath('restore-plan-loaded.png') });
    await unlockVault(restore, host);
    await restore.addToken('ops token', incident.agentTokenFile);
    await expect(restore.credentials.filter({ hasText: 'ops token' })).toBeVisible();

    await restore.prove.click();
    await expect(restore.verdict).toHaveAttribute('data-reason', 'shared');
    await expect(restore.conflicts).toContainText('Restore credential "ops token" (hashed_token');
    await expect(restore.conflicts).toContainText('by ops');
    await expect(restore.conflicts).toContainText('destructive');
    await expect(restore.dryRun).toBeDisabled();
    await restore.verdict.scrollIntoViewIfNeeded();
    await page.screenshot({ path: testInfo.outputPath('restore-refused.png') });
    // A laptop's narrower window: the refusal still reads.
    await page.setViewportSize({ width: 1024, height: 800 });
    await restore.verdict.scrollIntoViewIfNeeded();
    await page.screenshot({ path: testInfo.outputPath('restore-refused-narrow.png') });
    await page.setViewportSize({ width: 1500, height: 1100 });

    // A wrong phrase does not do; the exact one does.
    await restore.override.fill('I accept the risk');
    await expect(restore.dryRun).toBeDisabled();
    const overridePhrase = 'I accept the risk of using ops token';
    await restore.override.fill(overridePhrase);
    await expect(restore.page.getByTestId('isolation-overridden')).toBeVisible();
    await expect(restore.dryRun).toBeEnabled();
    await restore.dryRun.click();
    await expect(restore.dryRunSummary).toContainText('0 blocked');
    await restore.approveOpen.click();
    await expect(restore.page.getByTestId('approval-override-note')).toContainText(overridePhrase);
    await restore.page.getByRole('button', { name: 'Not now' }).click();
    await runToVerified(restore, {
      approval: testInfo.outputPath('restore-approval-overridden.png'),
    });
    await expect(restore.approvalRecord).toContainText(`isolation overridden: “${overridePhrase}”`);
    await expectForgeRestored(incident);
    const extra = await incident.get(`/repos/acme/api/actions/variables/${extraVariableName(39)}`);
    expect(extra.status).toBe(200);

    // The journal on disk records the override and the refusing verdict.
    const hash = await restore.page.getByTestId('restore-plan-hash').getAttribute('title');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const journal = await readFile(
      path.join(host.profileDir, 'restores', hash!.slice(0, 16), 'journal.jsonl'),
      'utf8',
    );
    const approval = journal
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { type: string; approval?: Record<string, unknown> })
      .find((r) => r.type === 'approval');
    expect(approval?.approval).toMatchObject({
      overrideAcknowledgement: overridePhrase,
      isolation: { ok: false, reason: 'shared' },
    });

    // The report carries the restore: the journal's summary, the override and the signed verification.
    await restore.addToReport.click();
    await expect(restore.addToReport).toHaveText('In the report (update)');
    await restore.progress.scrollIntoViewIfNeeded();
    await page.screenshot({ path: testInfo.outputPath('restore-overridden.png') });
    await page
      .getByTestId('sidebar')
      .getByRole('link', { name: /^Report/ })
      .click();
    await expect(page.getByTestId('report-restore')).toContainText('verified');
    await page.screenshot({ path: testInfo.outputPath('report-restore.png') });
    const markdown = await downloadText(page, 'report-export-markdown');
    expect(markdown).toContain('## Restore');
    expect(markdown).toContain(overridePhrase);
    expect(markdown).toContain(hash!);
    expect(markdown).toMatch(/Verification.*every target equals the snapshot/i);
    const json = JSON.parse(await downloadText(page, 'report-export-json')) as {
      restore?: { verification?: { ok: boolean; signature: { signature: string } } };
    };
    expect(json.restore?.verification?.ok).toBe(true);
    expect(json.restore?.verification?.signature.signature.length).toBeGreaterThan(40);
  },
);

slow(
  'cancels a running restore between steps, and approving again resumes it from the journal',
  async ({ incident, page, host }, testInfo) => {
    slow.setTimeout(240_000);
    const restore = await planFromDiff(page, incident);
    await unlockVault(restore, host);
    await restore.addToken('restore bot', incident.restoreTokenFile);
    await restore.prove.click();
    await expect(restore.verdict).toHaveAttribute('data-reason', 'isolated');
    await restore.dryRun.click();
    await expect(restore.dryRunSummary).toContainText('0 blocked');

    await restore.approveOpen.click();
    await restore.phrase.fill((await restore.phraseExpected.textContent()) ?? '');
    await restore.approve.click();
    // Live progress from the journal, then Cancel once a step is done.
    await expect(restore.progress.getByRole('heading')).toHaveText('Restoring…');
    await expect(restore.steps.and(page.locator('[data-state="done"]')).first()).toBeVisible({
      timeout: 30_000,
    });
    await restore.progress.scrollIntoViewIfNeeded();
    await page.screenshot({ path: testInfo.outputPath('restore-running.png') });
    await page.getByTestId('restore-cancel').click();
    await expect(restore.error).toContainText('cancelled', { timeout: 30_000 });
    await expect(page.getByTestId('restore-progress-summary')).toContainText('(cancelled)');
    await page.getByTestId('restore-steps-show-all').click();
    // Nothing half-done: every step is done or was never started.
    await expect(restore.steps.and(page.locator('[data-state="running"]'))).toHaveCount(0);
    await expect(restore.steps.and(page.locator('[data-state="failed"]'))).toHaveCount(0);
    const pending = await restore.steps.and(page.locator('[data-state="pending"]')).count();
    expect(pending).toBeGreaterThan(0);
    await expect(page.getByTestId('restore-approve')).toContainText('Ready to resume');
    await page.screenshot({ path: testInfo.outputPath('restore-cancelled.png') });

    // Approving again runs only what is left, then verifies.
    await restore.approveOpen.click();
    await restore.phrase.fill((await restore.phraseExpected.textContent()) ?? '');
    await restore.approve.click();
    await expect(restore.verification).toHaveAttribute('data-ok', 'true', { timeout: 120_000 });
    await expect(page.getByTestId('restore-progress-summary')).toContainText(
      '48 of 48 operations done (cancelled once, then resumed)',
    );
    await expectForgeRestored(incident);
  },
);

async function downloadText(page: Page, testId: string): Promise<string> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(testId).click(),
  ]);
  const stream = await file.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
