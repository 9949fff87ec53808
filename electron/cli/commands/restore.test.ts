import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreMarker } from '../../../shared/restore/plan-model';
import { writeSigningKeyFiles } from '../../services/catalog/catalog-keys';
import { journalDir, journalFile, readJournal } from '../../services/restore/journal';
import { startRestoreWorld, type RestoreWorld } from '../../services/restore/test-support';
import { bulkheadBin, runBulkhead } from '../test-support';

// `bulkhead restore` as a user runs it, and the crash test: the built command line
// applying a plan against the sandbox forge, killed with SIGKILL at random moments while
// its journal grows, resumed each time; the end state must equal the snapshot with no PR
// or comment posted twice.

let world: RestoreWorld;
let env: NodeJS.ProcessEnv;
let profile: string;

beforeAll(async () => {
  world = await startRestoreWorld('bulkhead-restore-cli-');
  profile = path.join(world.root, 'profile');
  env = {
    BULKHEAD_TOKEN: world.org.backupToken,
    BULKHEAD_RESTORE_TOKEN: world.restoreToken,
    BULKHEAD_PROFILE: profile,
  };
}, 120_000);

afterAll(async () => {
  await world?.close();
});

const run = (args: ReadonlyArray<string>) =>
  runBulkhead(args, { cwd: world.root, env, timeoutMs: 120_000 });

/** Journal lines so far (0 when the file does not exist yet). */
async function journalLines(file: string): Promise<number> {
  try {
    if ((await stat(file)).size === 0) return 0;
    return (await readFile(file, 'utf8')).split('\n').length - 1;
  } catch {
    return 0;
  }
}

/**
 * Runs the command and SIGKILLs it once the journal has `lines` more lines (plus a
 * jitter), or with `lines` null after `jitterMs` whatever it is doing (opening the
 * catalog, unbundling the snapshot's git data, creating the journal).
 */
function runAndKill(
  args: ReadonlyArray<string>,
  file: string,
  lines: number | null,
  jitterMs: number,
): Promise<{ readonly killed: boolean; readonly code: number | null; readonly stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bulkheadBin, ...args], {
      cwd: world.root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let killed = false;
    let start: number | null = null;
    if (lines === null) {
      killed = true;
      setTimeout(() => child.kill('SIGKILL'), jitterMs);
    }
    const timer = setInterval(() => {
      if (lines === null) return;
      void journalLines(file).then((now) => {
        start ??= now;
        if (!killed && now >= start + lines) {
          killed = true;
          clearInterval(timer);
          setTimeout(() => child.kill('SIGKILL'), jitterMs);
        }
      });
    }, 2);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ killed: killed && code === null, code, stderr });
    });
  });
}

/** Variables deleted and restored: enough steps that twenty kills land inside the run. */
const variableCount = 120;

describe('bulkhead restore', () => {
  let planFile: string;
  let phrase: string;
  let hash: string;
  let approvalFile: string;

  it('plans from the catalog against the damaged owner and refuses a wrong confirmation', async () => {
    const { org } = world;
    const owner = org.owner;
    const api = { owner, repo: 'api' };
    // Enough to restore that twenty kills land inside the run: 120 variables and five
    // comments beside the seeded organisation.
    for (let i = 0; i < variableCount; i++)
      await org.admin.setVariable(api, `VAR_${i}`, `value-${i}`);
    for (let i = 0; i < 5; i++) await org.admin.createIssueComment(owner, 'api', 1, `note ${i}`);
    expect(await world.snapshot()).toBe(1);
    world.tick();

    await org.admin.deleteRepo(owner, 'web');
    await org.git('api', ['checkout', '--quiet', '-B', 'rewrite', 'main~2']);
    await org.commit('api', 'README.md', '# api, rewritten\n', 'Rewrite');
    await org.git('api', ['push', '--quiet', '--force', 'origin', 'rewrite:main']);
    await org.admin.updatePull(owner, 'api', 1, { title: 'Backoff (abandoned)', state: 'closed' });
    const pull = await org.admin.getPull(owner, 'api', 1);
    for (const c of pull!.comments) await org.admin.deleteIssueComment(owner, 'api', c.id);
    for (let i = 0; i < variableCount; i++) await org.admin.deleteVariable(api, `VAR_${i}`);
    await org.admin.deleteSecret(api, 'DEPLOY_KEY');
    world.tick();

    const usage = await run(['restore']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/restore needs one of: plan, dry-run/);

    planFile = path.join(world.root, 'plan.json');
    const planned = await run([
      'restore',
      'plan',
      world.catalog.kind === 'directory' ? world.catalog.path : '',
      '--live',
      world.forge.apiUrl,
      '--owner',
      owner,
      '--incident',
      'inc-9',
      '--all',
      '--out',
      planFile,
    ]);
    expect(planned.stderr).not.toContain(world.org.backupToken);
    expect(planned.code).toBe(0);
    const saved = JSON.parse(await readFile(planFile, 'utf8')) as {
      planHash: string;
      confirmationPhrase: string;
      plan: { operations: unknown[] };
    };
    phrase = saved.confirmationPhrase;
    hash = saved.planHash;
    expect(saved.plan.operations.length).toBeGreaterThan(variableCount + 10);
    expect(planned.stdout).toContain(`To apply, type: --confirm "${phrase}"`);

    const dry = await run([
      'restore',
      'dry-run',
      world.catalog.kind === 'directory' ? world.catalog.path : '',
      '--plan',
      planFile,
      '--restore-key',
      world.restoreKeyFile,
      '--write-spacing-ms',
      '0',
    ]);
    expect(dry.stdout).toMatch(/\d+ ok, 0 conflicts, 0 blocked; nothing was written/);
    expect(dry.code).toBe(0);

    const wrong = await run([
      'restore',
      'apply',
      world.catalog.kind === 'directory' ? world.catalog.path : '',
      '--plan',
      planFile,
      '--confirm',
      'restore it all',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`not approved: the confirmation typed is not "${phrase}"`);
    // A second approver signs the plan's hash; apply can be told to require it.
    const keys = await writeSigningKeyFiles(path.join(world.root, 'approver'));
    approvalFile = path.join(world.root, 'approval.json');
    const approve = await run([
      'restore',
      'approve',
      '--plan',
      planFile,
      '--key',
      keys.privateKeyFile,
      '--out',
      approvalFile,
    ]);
    expect(approve.code).toBe(0);
    expect(JSON.parse(await readFile(approvalFile, 'utf8'))).toMatchObject({
      fingerprint: keys.key.fingerprint,
    });
    const unsigned = await run([
      'restore',
      'apply',
      world.catalog.kind === 'directory' ? world.catalog.path : '',
      '--plan',
      planFile,
      '--confirm',
      phrase,
      '--require-approver',
    ]);
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toContain('not approved: a second approver must sign the plan hash');

    const noToken = await runBulkhead(
      [
        'restore',
        'dry-run',
        world.catalog.kind === 'directory' ? world.catalog.path : '',
        '--plan',
        planFile,
      ],
      { cwd: world.root, env: { ...env, BULKHEAD_RESTORE_TOKEN: '' } },
    );
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(
      /restore token is not set: put it in the environment variable BULKHEAD_RESTORE_TOKEN/,
    );
  }, 180_000);

  it('survives twenty SIGKILLs at random moments: resumed, it ends equal to the snapshot, nothing twice', async () => {
    const catalogPath = world.catalog.kind === 'directory' ? world.catalog.path : '';
    const common = ['--restore-key', world.restoreKeyFile, '--write-spacing-ms', '0'];
    const file = journalFile(journalDir(profile, hash));
    let kills = 0;
    let runs = 0;
    let torn = 0;
    let blindKills = 0;
    for (let round = 0; kills < 20 && round < 60; round++) {
      // Killed before its approval was journalled, the restore is applied again (that
      // asks the phrase again); after, it is resumed from the journal.
      const approved = (await journalLines(file)) >= 2;
      const args = approved
        ? ['restore', 'resume', catalogPath, '--plan', planFile, ...common]
        : [
            'restore',
            'apply',
            catalogPath,
            '--plan',
            planFile,
            '--confirm',
            phrase,
            '--approval',
            approvalFile,
            '--require-approver',
            ...common,
          ];
      // Every third run dies at a random time instead, wherever it is (startup included).
      const blind = round % 3 === 2;
      const outcome = blind
        ? await runAndKill(args, file, null, 50 + Math.floor(Math.random() * 650))
        : await runAndKill(
            args,
            file,
            1 + Math.floor(Math.random() * 5),
            Math.floor(Math.random() * 15),
          );
      runs++;
      if (outcome.killed && blind) blindKills++;
      else if (outcome.killed) kills++;
      else {
        expect(outcome.code, outcome.stderr).toBe(0);
        break; // it finished before the kill
      }
      if ((await journalLines(file)) > 0 && (await readJournal(file)).torn) torn++;
    }
    expect(kills).toBeGreaterThanOrEqual(20);

    const last = await run([
      'restore',
      'resume',
      catalogPath,
      '--plan',
      planFile,
      ...common,
      '--json',
    ]);
    expect(last.stderr).not.toMatch(/bulkhead:/);
    expect(last.code).toBe(0);
    const outcome = JSON.parse(last.stdout) as {
      execution: { status: string; failed: number };
      verification: { ok: boolean; checks: Array<{ status: string }> };
    };
    expect(outcome.execution).toMatchObject({ status: 'completed', failed: 0 });
    expect(outcome.verification.ok).toBe(true);
    expect(outcome.verification.checks.filter((c) => c.status === 'mismatch')).toEqual([]);

    // No duplicate: one recreated PR in web, each re-posted comment once.
    const { org } = world;
    const webPulls = await org.admin.listPulls(org.owner, 'web');
    expect(webPulls).toHaveLength(1);
    const apiPull = await org.admin.getPull(org.owner, 'api', 1);
    for (let i = 0; i < 5; i++) {
      expect(apiPull!.comments.filter((c) => c.body.includes(`> note ${i}`))).toHaveLength(1);
    }
    const markers = apiPull!.comments.map((c) => /bulkhead-restore:[^ ]+/.exec(c.body)?.[0]);
    expect(new Set(markers).size).toBe(markers.length);
    expect(webPulls[0]!.body).toContain(restoreMarker(hash, 'recreate-pr:acme/web#1'));
    for (let i = 0; i < variableCount; i++) {
      const v = await org.admin.getVariable({ owner: org.owner, repo: 'api' }, `VAR_${i}`);
      expect(v?.value).toBe(`value-${i}`);
    }
    expect(world.forge.admin.readSecret(org.owner, 'api', 'DEPLOY_KEY')).toBe(org.plaintexts[0]);

    // The journal says what happened: every kill shows as a resume.
    const read = await readJournal(file);
    expect(read.records[1]).toMatchObject({
      type: 'approval',
      approval: { phrase, approver: { fingerprint: expect.stringMatching(/^sha256:/) } },
    });
    expect(read.records.filter((r) => r.type === 'resumed').length).toBeGreaterThanOrEqual(
      kills - 2,
    );
    expect(blindKills).toBeGreaterThan(0);
    const verify = await run(['restore', 'verify', catalogPath, '--plan', planFile, ...common]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/the target equals the snapshot/);
    console.log(
      `crash test: ${kills} kills mid-restore and ${blindKills} at random times over ${runs} runs, ${torn} torn journal lines`,
    );
  }, 600_000);
});
