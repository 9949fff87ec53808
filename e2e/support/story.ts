import { expect, type Page, type Response } from '@playwright/test';
import { CatalogPage } from '../pages/catalog-page';
import { DiffPage } from '../pages/diff-page';
import { RestorePage } from '../pages/restore-page';
import { SourcesPage } from '../pages/sources-page';
import { TimelinePage } from '../pages/timeline-page';
import { WelcomePage } from '../pages/welcome-page';

// The demo incident's story, step by step, as functions over a Playwright `Page`: what a
// user does and what they must see before the next step. One script for three callers, so
// they cannot drift apart: the e2e spec (e2e/story.spec.ts) adds its own assertions and
// screenshots around these steps, `npm run screenshots` shoots the README's pictures at
// them, and the demo-story benchmark times them. Every step waits for what a user would
// wait for and fails, naming what it expected, when that does not appear.

/** The demo incident as `demo:status` describes it (no token, only file paths). */
export interface StoryDemo {
  readonly owner: string;
  readonly apiUrl: string;
  readonly repositories: ReadonlyArray<string>;
  readonly generated: boolean;
  readonly generationMs: number;
  readonly snapshots: ReadonlyArray<{ readonly seq: number; readonly createdAt: string }>;
  readonly readTokenFile: string;
  readonly restoreTokenFile: string;
  readonly restoreKeyFile: string;
  readonly people: {
    readonly agent: string;
    readonly leaked: string;
    readonly leakedScopes: ReadonlyArray<string>;
    readonly leakedFoundIn: string;
    /** The CI token's `hashed_token`: how the audit log and the findings name it. */
    readonly leakedFingerprint: string;
    readonly restore: string;
  };
  readonly session: { readonly id: string; readonly prompt: string };
  readonly moments: ReadonlyArray<{ readonly key: string; readonly at: number }>;
  readonly damage: ReadonlyArray<StoryDamage>;
}

/** One piece of the demo's damage as `demo:status` words it. */
export interface StoryDamage {
  readonly kind: string;
  readonly at: number;
  readonly label: string;
}

/** Generous limits: the first run builds an organisation; a restore runs tens of steps. */
export const storyTimeouts = {
  /** From the host's start to the demo ready (generation takes 12-19 s on two cores). */
  demoReady: 120_000,
  /** A full catalog verification, a live diff, a dry run. */
  step: 60_000,
  /** The restore's run and its verification. */
  restore: 120_000,
} as const;

/** Follows the page's own `demo:status` answers: the demo as the page received it. */
export interface DemoStatusWatch {
  /** The latest ready answer the page received, once the welcome offers Open. */
  ready(timeoutMs?: number): Promise<StoryDemo>;
}

/**
 * Loads the app at `url` while listening to the page's `demo:status` calls, so the story
 * knows the demo (its damage, its forge, its people) from what the page was told, not
 * from a copied list. The welcome polls the status while the demo is prepared.
 */
export async function openApp(page: Page, url: string): Promise<DemoStatusWatch> {
  let latest: StoryDemo | null = null;
  const pending: Array<Promise<void>> = [];
  const onResponse = (response: Response) => {
    if (!response.url().includes(`/api/invoke/${encodeURIComponent('demo:status')}`)) return;
    pending.push(
      response
        .json()
        .then((body: unknown) => {
          // The host's envelope: `{ ok: true, value }` around the channel's answer.
          const envelope = body as { ok?: boolean; value?: { state?: string; demo?: StoryDemo } };
          const status = envelope.ok === true ? envelope.value : undefined;
          if (status?.state === 'ready' && status.demo) latest = status.demo;
        })
        .catch(() => undefined),
    );
  };
  page.on('response', onResponse);
  // A page already showing the app would take the address as a mere change of fragment.
  if (page.url() !== 'about:blank') await page.goto('about:blank');
  await page.goto(url);
  await expect(page.getByTestId('app-frame')).toBeVisible();
  return {
    async ready(timeoutMs = storyTimeouts.demoReady) {
      const welcome = new WelcomePage(page);
      await expect(welcome.welcome).toBeVisible();
      await expect(welcome.open, 'the demo incident became ready').toBeVisible({
        timeout: timeoutMs,
      });
      await Promise.all(pending);
      page.off('response', onResponse);
      if (latest === null) throw new Error('demo:status: the page never received a ready demo');
      return latest;
    },
  };
}

/**
 * Opens the demo incident from the welcome: its catalog, its two trails (the forge's
 * audit log and the agent's transcript) and the Diff and Restore forms filled.
 */
export async function openDemo(page: Page, demo: StoryDemo): Promise<void> {
  const welcome = new WelcomePage(page);
  await welcome.open.click();
  await expect(welcome.open).toHaveText('Open the demo incident again', {
    timeout: storyTimeouts.step,
  });
  const sources = new SourcesPage(page);
  await expect(sources.sidebarFindings).toContainText('critical', { timeout: storyTimeouts.step });
  await expect(new CatalogPage(page).sidebarSummary).toContainText(
    `${demo.snapshots.length} snapshot`,
  );
}

/** The Catalog view: a full verification of every snapshot, and the catalog verified. */
export async function verifyCatalog(page: Page, demo: StoryDemo): Promise<CatalogPage> {
  const catalog = new CatalogPage(page);
  await catalog.open();
  await expect(catalog.snapshotRows).toHaveCount(demo.snapshots.length);
  await catalog.verifyFullButton.click();
  await expect(catalog.verifyResult).toHaveAttribute('data-ok', 'true', {
    timeout: storyTimeouts.step,
  });
  await expect(catalog.verifyResult).toContainText('Full verification passed');
  await expect(catalog.standing).toHaveText('verified');
  return catalog;
}

/**
 * The Timeline view, stepped with Next destructive (`d`) to the first destructive
 * event that did damage: the CI token deleting a repository at the demo's
 * `firstDestructive` moment, caused by the agent's tool call, whose transcript turn opens
 * beside it. On the way `d` stops at the agent's refused attempts and at its destructive
 * tool call: those are destructive events too. Returns how many steps it took.
 */
export async function timelineToFirstDestructive(
  page: Page,
  demo: StoryDemo,
): Promise<{ timeline: TimelinePage; steps: number }> {
  const timeline = new TimelinePage(page);
  await timeline.open();
  const first = demo.moments.find((m) => m.key === 'firstDestructive');
  if (first === undefined) throw new Error('demo:status names no firstDestructive moment');
  let steps = 0;
  // Step until the cursor is at the demo's first destructive moment (read from the cursor
  // readout, which changes with the store; the table's current row follows it a render
  // later, and under load it was read before it moved).
  const target = utcText(first.at);
  for (; steps < 20; steps++) {
    const before = (await timeline.cursor.textContent()) ?? '';
    if (before.includes(target)) break;
    // The button, not its key `d`: a key goes wherever the focus happens to be, and once
    // (the benchmark, under load) one was lost; e2e/timeline.spec.ts tests the key.
    await timeline.nextDestructive.click();
    await expect(timeline.cursor).not.toHaveText(before);
  }
  await expect(timeline.cursor).toContainText(utcText(first.at));
  await expect(timeline.detail.getByTestId('detail-fields')).toContainText('repo.destroy');
  await expect(timeline.detail.getByTestId('detail-fields')).toContainText(demo.people.leaked);
  await expect(timeline.detailTurn).toContainText("Caused by the agent's tool call");
  await expect(timeline.toolInput).toContainText('gh repo delete');
  // The table fills its rows from the worker a page at a time: wait until none is pending.
  await page.locator('.event-row__loading').first().waitFor({ state: 'detached' });
  return { timeline, steps };
}

/** `2026-01-14 09:00:09.600 UTC`, as the timeline's cursor reads. */
export function utcText(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

/**
 * The Findings view: the destructive burst, and the CI token (named by its hashed_token)
 * used out of its scope, its cited events by the CI user.
 */
export async function readFindings(page: Page, demo: StoryDemo): Promise<SourcesPage> {
  const sources = new SourcesPage(page);
  await sources.findingsLink.click();
  await expect(sources.finding('destructive-burst').first()).toBeVisible();
  const misused = sources.finding('credential-out-of-scope').first();
  await expect(misused).toContainText(demo.people.leakedFingerprint);
  await misused.getByRole('button').first().click();
  await expect(misused.getByTestId('finding-events')).toContainText(demo.people.leaked);
  return sources;
}

/**
 * Where the Diff view shows one piece of the demo's damage: the difference's kind and a
 * text its row holds (the resource key), read from the damage's words.
 */
export function diffItemOf(damage: StoryDamage): { kind: string; text: string } {
  const [where = '', what = ''] = damage.label.split(': ');
  switch (damage.kind) {
    case 'repo-deleted':
      return { kind: 'repo-deleted', text: where };
    case 'ref-force-pushed':
      return { kind: 'ref-force-pushed', text: `${where}@refs/heads/${what.split(' ')[0]}` };
    case 'ref-deleted':
      return { kind: 'ref-deleted', text: `${where}@refs/heads/${what.split(' ')[1]}` };
    case 'pull-closed':
      return { kind: 'pr-closed', text: where };
    case 'pull-edited':
      return { kind: 'pr-edited', text: where };
    case 'comment-deleted':
      return { kind: 'pr-comment-deleted', text: where };
    case 'variable-deleted':
    case 'secret-deleted': {
      const name = what.split(' ')[1] ?? '';
      const environment = /\(environment (.+)\)$/.exec(what)?.[1];
      const scope = environment === undefined ? where : `${where}:environment:${environment}`;
      const type = damage.kind === 'variable-deleted' ? 'variable' : 'secret';
      return { kind: damage.kind, text: `${scope}:${type}:${name}` };
    }
    default:
      throw new Error(`the story does not know the demo's damage kind ${damage.kind}`);
  }
}

/** The sequence number of the latest snapshot taken before the first destructive event. */
export function lastGoodSnapshot(demo: StoryDemo): number {
  const first = demo.moments.find((m) => m.key === 'firstDestructive');
  const before = demo.snapshots.filter(
    (s) => first === undefined || Date.parse(s.createdAt) < first.at,
  );
  const last = before.at(-1);
  if (last === undefined) throw new Error('demo:status lists no snapshot before the damage');
  return last.seq;
}

/**
 * The Diff view against the live demo forge (its form filled by Open): every piece of the
 * demo's damage shown, then all of it added to the restore plan. Returns how many.
 */
export async function diffAndChooseAll(page: Page, demo: StoryDemo): Promise<number> {
  const diff = new DiffPage(page);
  await diff.link.click();
  await expect(diff.apiUrl).toHaveValue(demo.apiUrl);
  await expect(diff.owner).toHaveValue(demo.owner);
  // The baseline is the last snapshot before the damage, chosen by Open.
  await expect(diff.snapshot).toHaveValue(String(lastGoodSnapshot(demo)));
  await diff.run.click();
  await expect(diff.blastRadius).toBeVisible({ timeout: storyTimeouts.step });
  for (const damage of demo.damage) {
    const { kind, text } = diffItemOf(damage);
    await expect(diff.item(kind, text), `the diff shows "${damage.label}"`).toHaveCount(1);
  }
  const total = await diff.items.count();
  const addAll = page.getByTestId('diff-add-all');
  await expect(addAll).toHaveText(`Add all ${total} to the restore plan`);
  await addAll.click();
  await expect(diff.items.filter({ hasText: 'in plan' })).toHaveCount(total);
  return total;
}

/** The Restore view, planned from every chosen difference. */
export async function planRestore(page: Page, chosen: number): Promise<RestorePage> {
  const restore = new RestorePage(page);
  await restore.link.click();
  await expect(restore.items).toHaveCount(chosen);
  await expect(restore.incident).toHaveValue('demo');
  await restore.makePlan.click();
  await expect(restore.plan).toBeVisible({ timeout: storyTimeouts.step });
  return restore;
}

/**
 * The restore user's token, offered by Open, into the vault twice (the API and git),
 * sealed with `passphrase` where the host asks for one.
 */
export async function addRestoreCredential(
  restore: RestorePage,
  demo: StoryDemo,
  passphrase: string,
): Promise<void> {
  if ((await restore.passphrase.count()) > 0) await restore.passphrase.fill(passphrase);
  const label = `demo restore user (${demo.people.restore})`;
  await expect(restore.addLabel).toHaveValue(label);
  await expect(restore.addTokenRef).toHaveValue(demo.restoreTokenFile);
  const kind = restore.page.getByTestId('vault-add-kind');
  await expect(kind).toHaveValue('github-token');
  await restore.addSubmit.click();
  await expect(restore.credentials).toHaveCount(1, { timeout: storyTimeouts.step });
  await expect(kind).toHaveValue('git-token');
  await expect(restore.addTokenRef).toHaveValue(demo.restoreTokenFile);
  await restore.addSubmit.click();
  await expect(restore.credentials).toHaveCount(2, { timeout: storyTimeouts.step });
  await expect(restore.credentials.getByRole('checkbox', { checked: true })).toHaveCount(2);
}

/** The isolation proof: neither restore credential appears anywhere in the loaded trails. */
export async function proveIsolation(restore: RestorePage): Promise<void> {
  await restore.prove.click();
  await expect(restore.verdict).toHaveAttribute('data-reason', 'isolated', {
    timeout: storyTimeouts.step,
  });
  await expect(restore.verdict).toContainText('None of the 2 chosen credentials appears');
}

/** The dry run: every operation's preconditions checked, none blocked. */
export async function dryRun(restore: RestorePage): Promise<void> {
  await restore.dryRun.click();
  await expect(restore.dryRunSummary).toContainText('0 blocked', { timeout: storyTimeouts.step });
}

/** The approval: the phrase typed as shown. Returns the phrase. */
export async function approve(restore: RestorePage): Promise<string> {
  await restore.approveOpen.click();
  await expect(restore.dialog).toBeVisible();
  const phrase = (await restore.phraseExpected.textContent()) ?? '';
  await restore.phrase.fill(phrase);
  await restore.approve.click();
  return phrase;
}

/** The run through the restore credential, to its verification: zero drift. */
export async function awaitVerified(restore: RestorePage): Promise<void> {
  await expect(restore.verification).toHaveAttribute('data-ok', 'true', {
    timeout: storyTimeouts.restore,
  });
  await expect(restore.verification).toContainText('Every target equals the snapshot');
  await expect(restore.verification).toContainText('0 drift');
}

/** The restore into the report, and the Report view showing it. */
export async function openReport(page: Page): Promise<void> {
  const restore = new RestorePage(page);
  await restore.addToReport.click();
  await expect(restore.addToReport).toHaveText('In the report (update)');
  await page
    .getByTestId('sidebar')
    .getByRole('link', { name: /^Report/ })
    .click();
  await expect(page.getByTestId('report-restore')).toContainText('verified');
}

/** Clicks an export button and returns the downloaded file's text. */
export async function downloadText(page: Page, testId: string): Promise<string> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(testId).click(),
  ]);
  const stream = await file.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
