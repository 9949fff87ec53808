import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readDemoManifest } from '../electron/demo/demo-manifest';
import { expect, test } from './fixtures';
import { WelcomePage } from './pages/welcome-page';
import {
  addRestoreCredential,
  approve,
  awaitVerified,
  diffAndChooseAll,
  downloadText,
  dryRun,
  lastGoodSnapshot,
  openApp,
  openDemo,
  openReport,
  planRestore,
  proveIsolation,
  readFindings,
  timelineToFirstDestructive,
  verifyCatalog,
} from './support/story';

// The demo incident, end to end (issue 9): the host started with --demo on a fresh
// profile generates the incident, and a user, guided by the welcome, opens it, verifies
// the catalog, finds the first destructive event and the findings, diffs the live forge,
// restores every piece of damage through the restore user's credential, verifies zero
// drift and exports the report. The forge is read through its own API afterwards.

test.use({ hostArgs: ['--demo'] });

const passphrase = 'story vault passphrase, typed once';

test('the demo incident, from the welcome to a verified restore and the report', async ({
  page,
  host,
}, testInfo) => {
  test.setTimeout(420_000);
  await page.setViewportSize({ width: 1440, height: 960 });
  const shot = (name: string) =>
    page.screenshot({ path: testInfo.outputPath(`${name}.png`), animations: 'disabled' });
  const welcome = new WelcomePage(page);

  // The welcome, while the first run generates the demo, then with the story told.
  const watch = await openApp(page, host.url);
  await expect(welcome.title).toHaveText('The demo incident: an agent with a leaked token');
  // A fresh profile: the first run generates the organisation, snapshots and session.
  await expect(welcome.preparing).toContainText('Preparing the demo incident');
  const demo = await watch.ready();
  expect(demo.generated).toBe(true);
  await expect(welcome.welcome).toContainText(demo.session.prompt);
  await expect(welcome.welcome).toContainText(demo.people.agent);
  await expect(welcome.welcome).toContainText(demo.people.leaked);
  await expect(welcome.welcome).toContainText(demo.people.leakedFoundIn);
  await expect(welcome.damage).toHaveCount(demo.damage.length);
  for (const damage of demo.damage) await expect(welcome.damage).toContainText([damage.label]);
  await expect(welcome.steps).toHaveCount(7);
  await expect(welcome.steps.and(page.locator('[data-done="true"]'))).toHaveCount(0);
  await shot('01-welcome');

  await openDemo(page, demo);
  await shot('02-opened');

  await verifyCatalog(page, demo);
  await shot('03-catalog-verified');

  const { timeline } = await timelineToFirstDestructive(page, demo);
  // The first piece of damage is the repository this event deleted, by the agent's command.
  const deleted = demo.damage[0]!.label.split(':')[0]!;
  await expect(timeline.detail.getByTestId('detail-fields')).toContainText(deleted);
  await expect(timeline.toolInput).toContainText(`gh repo delete ${deleted}`);
  await shot('04-timeline-first-destructive');

  const findings = await readFindings(page, demo);
  // The burst names the deletions and the one credential that made them.
  const burst = findings.finding('destructive-burst').first();
  await expect(burst).toHaveAttribute('data-severity', 'critical');
  for (const repo of demo.damage.filter((d) => d.kind === 'repo-deleted')) {
    await expect(burst).toContainText(`repo.destroy ${repo.label.split(':')[0]!}`);
  }
  await expect(burst).toContainText(`credentials: ${demo.people.leakedFingerprint}`);
  await shot('05-findings');

  const chosen = await diffAndChooseAll(page, demo);
  expect(chosen).toBeGreaterThanOrEqual(demo.damage.length);
  await shot('06-diff');

  const restore = await planRestore(page, chosen);
  await expect(restore.plan).toContainText(`operations to ${demo.owner}`);
  await expect(restore.plan).toContainText(
    `From snapshot #${lastGoodSnapshot(demo)} into ${demo.owner}`,
  );
  for (const repo of demo.damage.filter((d) => d.kind === 'repo-deleted')) {
    const name = repo.label.split(':')[0]!;
    await expect(restore.operation(`recreate-repo:${name}`)).toHaveAttribute(
      'data-fidelity',
      'recreated',
    );
  }
  await restore.plan.scrollIntoViewIfNeeded();
  await shot('07-restore-plan');

  await addRestoreCredential(restore, demo, passphrase);
  // Only the tokens' fingerprints reach the page.
  const restoreToken = (await readFile(demo.restoreTokenFile, 'utf8')).trim();
  expect(await page.content()).not.toContain(restoreToken);
  await proveIsolation(restore);
  await expect(restore.leastPrivilege).toContainText(`signed in as ${demo.people.restore}`);
  await restore.verdict.scrollIntoViewIfNeeded();
  await shot('08-isolation');

  await dryRun(restore);
  const phrase = await approve(restore);
  expect(phrase).toMatch(new RegExp(`^restore \\d+ operations to ${demo.owner}$`));
  await awaitVerified(restore);
  await expect(restore.steps.and(page.locator('[data-state="failed"]'))).toHaveCount(0);
  await expect(restore.approvalRecord).toContainText(phrase);
  await restore.verification.scrollIntoViewIfNeeded();
  await shot('09-verified');

  await openReport(page);
  await shot('10-report');
  const markdown = await downloadText(page, 'report-export-markdown');
  expect(markdown).toContain('## Restore');
  expect(markdown).toMatch(/Verification.*every target equals the snapshot/i);
  expect(markdown).toContain(demo.people.leaked);
  const json = JSON.parse(await downloadText(page, 'report-export-json')) as {
    restore?: { verification?: { ok: boolean; drift?: unknown[] } };
  };
  expect(json.restore?.verification?.ok).toBe(true);

  // Every guided step is done.
  await welcome.overviewLink.click();
  await expect(welcome.steps.and(page.locator('[data-done="true"]'))).toHaveCount(7);
  await shot('11-welcome-done');

  // The forge itself, through its API: the damage is undone.
  const dir = path.join(host.profileDir, 'demo');
  const manifest = await readDemoManifest(dir);
  const token = (await readFile(demo.readTokenFile, 'utf8')).trim();
  const get = async (route: string) => {
    const response = await fetch(`${demo.apiUrl}${route}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  for (const damage of manifest.damage) {
    switch (damage.kind) {
      case 'repo-deleted':
        expect((await get(`/repos/${damage.repo}`)).status, damage.repo).toBe(200);
        break;
      case 'ref-force-pushed': {
        // `before` is the sha the snapshot holds: nothing was pushed between the last
        // snapshot and the force-push (the restore verified the ref against the snapshot).
        const ref = await get(`/repos/${damage.repo}/git/${damage.ref.replace(/^refs\//, 'ref/')}`);
        expect((ref.body.object as { sha: string }).sha, damage.ref).toBe(damage.before);
        break;
      }
      case 'ref-deleted': {
        const ref = await get(`/repos/${damage.repo}/git/${damage.ref.replace(/^refs\//, 'ref/')}`);
        expect(ref.status, damage.ref).toBe(200);
        expect((ref.body.object as { sha: string }).sha, damage.ref).toBe(damage.sha);
        break;
      }
      case 'pull-closed': {
        const pull = await get(`/repos/${damage.repo}/pulls/${damage.number}`);
        expect(pull.body.state, `${damage.repo}#${damage.number}`).toBe('open');
        break;
      }
      case 'variable-deleted':
      case 'secret-deleted': {
        // GitHub's routes: `/actions/variables/...` or `/environments/<env>/variables/...`.
        const scope =
          damage.environment === null ? 'actions' : `environments/${damage.environment}`;
        const type = damage.kind === 'variable-deleted' ? 'variables' : 'secrets';
        const found = await get(`/repos/${damage.repo}/${scope}/${type}/${damage.name}`);
        expect(found.status, `${damage.repo} ${type} ${damage.name}`).toBe(200);
        break;
      }
      case 'pull-edited':
      case 'comment-deleted':
        // Checked by the restore's own verification above (zero drift).
        break;
      default:
        throw new Error(
          `the story does not check damage of kind ${(damage as { kind: string }).kind}`,
        );
    }
  }
});
