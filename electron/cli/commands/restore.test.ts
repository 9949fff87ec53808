import { spawn } from 'node:child_process';
import { copyFile, readFile, stat } from 'node:fs/promises';
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
// or comment posted twice. Then the vault: a restore through leased vault credentials,
// and the isolation proof against the forge's own audit log (GitHub's format, with the
// hashed_token of every call): the agent's token refused, overridden only by the phrase.

let world: RestoreWorld;
let env: NodeJS.ProcessEnv;
let profile: string;
/** The forge's audit log as it was when the damage was found: the incident's trail. */
let incidentTrail: string;

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
    // The incident's trail: the audit log up to now, before the restore token is used.
    await new Promise((resolve) => setTimeout(resolve, 200));
    incidentTrail = path.join(world.root, 'incident-audit.ndjson');
    await copyFile(path.join(world.root, 'forge', 'audit.ndjson'), incidentTrail);

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
    // No trail: nothing proves the restore token is not the agent's; refused before any use.
    const blind = await run([
      'restore',
      'apply',
      world.catalog.kind === 'directory' ? world.catalog.path : '',
      '--plan',
      planFile,
      '--confirm',
      phrase,
    ]);
    expect(blind.code).toBe(2);
    expect(blind.stderr).toContain('Isolation proof: REFUSED: no trail');
    expect(blind.stderr).toContain(
      'add: --override "I accept the risk of restoring without an isolation proof"',
    );
    await expect(stat(journalFile(journalDir(profile, hash)))).rejects.toThrow();

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
    const common = [
      '--restore-key',
      world.restoreKeyFile,
      '--write-spacing-ms',
      '0',
      '--trail',
      incidentTrail,
    ];
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
      approval: {
        phrase,
        approver: { fingerprint: expect.stringMatching(/^sha256:/) },
        isolation: { ok: true, reason: 'isolated', credentialIds: ['env:BULKHEAD_RESTORE_TOKEN'] },
        overrideAcknowledgement: null,
      },
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

  it('applies through leased vault credentials after proving them isolated, and refuses the agent token until the exact phrase is typed', async () => {
    const { org } = world;
    const catalogPath = world.catalog.kind === 'directory' ? world.catalog.path : '';
    const common = ['--restore-key', world.restoreKeyFile, '--write-spacing-ms', '0'];
    const passphrase = 'correct horse battery staple';
    const vaultEnv = {
      ...env,
      BULKHEAD_RESTORE_TOKEN: '',
      BULKHEAD_VAULT_PASSPHRASE: passphrase,
      RESTORE_TOKEN: world.restoreToken,
      AGENT_TOKEN: org.adminToken,
    };
    const outputs: string[] = [];
    const runVault = async (args: ReadonlyArray<string>, extra: NodeJS.ProcessEnv = {}) => {
      const result = await runBulkhead(args, {
        cwd: world.root,
        env: { ...vaultEnv, ...extra },
        timeoutMs: 120_000,
      });
      outputs.push(result.stdout, result.stderr);
      return result;
    };
    const add = async (args: ReadonlyArray<string>) => {
      const added = await runVault(['vault', 'add', ...args, '--json']);
      expect(added.code, added.stderr).toBe(0);
      return (JSON.parse(added.stdout) as { id: string }).id;
    };
    const restoreApi = await add([
      '--kind',
      'github-token',
      '--label',
      'restore bot',
      '--api-url',
      world.forge.apiUrl,
      '--owner',
      org.owner,
      '--token-env',
      'RESTORE_TOKEN',
    ]);
    const restoreGit = await add([
      '--kind',
      'git-token',
      '--label',
      'restore push',
      '--git-url',
      world.forge.url,
      '--username',
      'restore-bot',
      '--token-env',
      'RESTORE_TOKEN',
    ]);
    const agentApi = await add([
      '--kind',
      'github-token',
      '--label',
      'ops deploy token',
      '--api-url',
      world.forge.apiUrl,
      '--owner',
      org.owner,
      '--token-env',
      'AGENT_TOKEN',
    ]);

    /** Damages one variable and plans its restore; answers the plan file, hash and phrase. */
    const damageAndPlan = async (name: string) => {
      await org.admin.deleteVariable({ owner: org.owner, repo: 'api' }, name);
      world.tick();
      const file = path.join(world.root, `plan-${name}.json`);
      const planned = await runVault([
        'restore',
        'plan',
        catalogPath,
        '--live',
        world.forge.apiUrl,
        '--owner',
        org.owner,
        '--incident',
        `inc-${name}`,
        '--all',
        '--out',
        file,
      ]);
      expect(planned.code, planned.stderr).toBe(0);
      const saved = JSON.parse(await readFile(file, 'utf8')) as {
        planHash: string;
        confirmationPhrase: string;
      };
      return { file, hash: saved.planHash, phrase: saved.confirmationPhrase };
    };

    // 1. The restore bot's own token, from the vault: isolated, applied and verified.
    const first = await damageAndPlan('VAR_0');
    const applyFirst = [
      'restore',
      'apply',
      catalogPath,
      '--plan',
      first.file,
      '--confirm',
      first.phrase,
      '--credential',
      restoreApi,
      '--credential',
      restoreGit,
      ...common,
    ];
    const noTrail = await runVault(applyFirst);
    expect(noTrail.code).toBe(2);
    expect(noTrail.stderr).toContain('Isolation proof: REFUSED: no trail to prove');
    const noPassphrase = await runVault([...applyFirst, '--trail', incidentTrail], {
      BULKHEAD_VAULT_PASSPHRASE: '',
    });
    expect(noPassphrase.code).toBe(2);
    expect(noPassphrase.stderr).toContain('no passphrase: set BULKHEAD_VAULT_PASSPHRASE');
    const wrongPassphrase = await runVault([...applyFirst, '--trail', incidentTrail], {
      BULKHEAD_VAULT_PASSPHRASE: 'not the passphrase',
    });
    expect(wrongPassphrase.code).toBe(2);
    expect(wrongPassphrase.stderr).toContain('wrong passphrase for this vault');
    const bothSources = await runVault([
      ...applyFirst,
      '--trail',
      incidentTrail,
      '--restore-token-env',
      'RESTORE_TOKEN',
    ]);
    expect(bothSources.code).toBe(2);
    expect(bothSources.stderr).toContain('give --credential or --restore-token-env, not both');
    const firstFile = journalFile(journalDir(profile, first.hash));
    await expect(stat(firstFile)).rejects.toThrow();

    const applied = await runVault([...applyFirst, '--trail', incidentTrail]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain(
      'Isolation proof: isolated: "restore bot", "restore push" appear in none of the',
    );
    expect(applied.stderr).toMatch(/Least privilege: restore-bot holds repo; the plan needs /);
    expect(applied.stdout).toMatch(/the target equals the snapshot/);
    expect((await org.admin.getVariable({ owner: org.owner, repo: 'api' }, 'VAR_0'))?.value).toBe(
      'value-0',
    );
    const firstJournal = await readJournal(firstFile);
    expect(firstJournal.records[1]).toMatchObject({
      type: 'approval',
      approval: {
        phrase: first.phrase,
        isolation: { ok: true, reason: 'isolated', credentialIds: [restoreApi, restoreGit] },
        overrideAcknowledgement: null,
      },
    });
    const verified = await runVault([
      'restore',
      'verify',
      catalogPath,
      '--plan',
      first.file,
      '--credential',
      restoreApi,
      ...common,
    ]);
    expect(verified.code, verified.stderr).toBe(0);

    // 2. The agent's own token (the one that did the damage): its hashed_token is in the
    // forge's audit log, so the proof refuses it, from the environment or the vault.
    const second = await damageAndPlan('VAR_1');
    const applySecond = [
      'restore',
      'apply',
      catalogPath,
      '--plan',
      second.file,
      '--confirm',
      second.phrase,
      '--trail',
      incidentTrail,
      ...common,
    ];
    const fromEnv = await runVault(applySecond, { BULKHEAD_RESTORE_TOKEN: org.adminToken });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain(
      'Restore credential "the token in BULKHEAD_RESTORE_TOKEN" (hashed_token',
    );
    const refused = await runVault([...applySecond, '--credential', agentApi]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'Isolation proof: REFUSED: 1 of the 1 restore credentials appears in the trails (incident-audit.ndjson)',
    );
    expect(refused.stderr).toMatch(
      /Restore credential "ops deploy token" \(hashed_token .{12}…\) appears in the loaded trails: used \d+ times by ops, from 2026-03-01 10:00:\d\d UTC to 2026-03-01 \d\d:\d\d:\d\d UTC, including \d+ destructive events?\./,
    );
    const overridePhrase = 'I accept the risk of using ops deploy token';
    expect(refused.stderr).toContain(`add: --override "${overridePhrase}"`);
    const secondFile = journalFile(journalDir(profile, second.hash));
    await expect(stat(secondFile)).rejects.toThrow();
    const mistyped = await runVault([
      ...applySecond,
      '--credential',
      agentApi,
      '--override',
      'I accept the risk',
    ]);
    expect(mistyped.code).toBe(2);
    expect(mistyped.stderr).toContain('the --override typed is not the phrase');

    const overridden = await runVault([
      ...applySecond,
      '--credential',
      agentApi,
      '--override',
      overridePhrase,
    ]);
    expect(overridden.code, overridden.stderr).toBe(0);
    expect(overridden.stderr).toContain(`Override accepted: "${overridePhrase}"`);
    const secondJournal = await readJournal(secondFile);
    expect(secondJournal.records[1]).toMatchObject({
      type: 'approval',
      approval: {
        phrase: second.phrase,
        overrideAcknowledgement: overridePhrase,
        isolation: {
          ok: false,
          reason: 'shared',
          conflicts: [{ credentialId: agentApi, label: 'ops deploy token' }],
        },
      },
    });

    // A resume with the same credential is proven again: refused, then overridden, and the
    // override of the resume is journalled beside the original approval.
    const resumeSecond = [
      'restore',
      'resume',
      catalogPath,
      '--plan',
      second.file,
      '--trail',
      incidentTrail,
      '--credential',
      agentApi,
      ...common,
    ];
    const resumeRefused = await runVault(resumeSecond);
    expect(resumeRefused.code).toBe(2);
    expect(resumeRefused.stderr).toContain(`add: --override "${overridePhrase}"`);
    const resumed = await runVault([...resumeSecond, '--override', overridePhrase]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const approvals = (await readJournal(secondFile)).records.filter((r) => r.type === 'approval');
    expect(approvals).toHaveLength(2);
    expect(approvals[1]).toMatchObject({
      approval: {
        phrase: second.phrase,
        overrideAcknowledgement: overridePhrase,
        resumed: true,
        isolation: { reason: 'shared' },
      },
    });

    // Ctrl+C mid-apply through the vault: cancelled safely (the lease is released with the
    // command), then resumed with a new lease to a verified end.
    const names = Array.from({ length: 8 }, (_, i) => `VAR_${20 + i}`);
    for (const name of names.slice(1)) {
      await org.admin.deleteVariable({ owner: org.owner, repo: 'api' }, name);
    }
    const third = await damageAndPlan(names[0]!);
    const thirdFile = journalFile(journalDir(profile, third.hash));
    const interrupted = await new Promise<{ code: number | null; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            bulkheadBin,
            'restore',
            'apply',
            catalogPath,
            '--plan',
            third.file,
            '--confirm',
            third.phrase,
            '--credential',
            restoreApi,
            '--trail',
            incidentTrail,
            '--restore-key',
            world.restoreKeyFile,
            '--write-spacing-ms',
            '300',
            '--concurrency',
            '1',
          ],
          {
            cwd: world.root,
            env: { ...process.env, ...vaultEnv },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stderr = '';
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setInterval(() => {
          void journalLines(thirdFile).then((lines) => {
            if (lines >= 4) {
              clearInterval(timer);
              child.kill('SIGINT');
            }
          });
        }, 5);
        child.on('error', reject);
        child.on('exit', (code) => {
          clearInterval(timer);
          outputs.push(stdout, stderr);
          resolve({ code, stderr });
        });
      },
    );
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const afterCancel = await readJournal(thirdFile);
    expect(afterCancel.records.some((r) => r.type === 'cancelled')).toBe(true);
    expect(afterCancel.records.some((r) => r.type === 'finished')).toBe(false);
    const resumedThird = await runVault([
      'restore',
      'resume',
      catalogPath,
      '--plan',
      third.file,
      '--credential',
      restoreApi,
      '--trail',
      incidentTrail,
      ...common,
    ]);
    expect(resumedThird.code, resumedThird.stderr).toBe(0);
    expect(resumedThird.stdout).toMatch(/the target equals the snapshot/);
    for (const [i, name] of names.entries()) {
      const v = await org.admin.getVariable({ owner: org.owner, repo: 'api' }, name);
      expect(v?.value).toBe(`value-${20 + i}`);
    }

    // No token anywhere a person or a log could read it.
    const journals =
      (await readFile(firstFile, 'utf8')) +
      (await readFile(secondFile, 'utf8')) +
      (await readFile(thirdFile, 'utf8'));
    for (const token of [world.restoreToken, org.adminToken]) {
      for (const text of outputs) expect(text).not.toContain(token);
      expect(journals).not.toContain(token);
    }
  }, 300_000);
});
