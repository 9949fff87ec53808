import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '../../shared/ingest/columnar/event-store';
import type { Envelope } from '../../shared/ipc/registry';
import { createDispatcher, type Dispatcher } from '../../shared/ipc/registry';
import { credentialUses, type TrailCredentialUse } from '../../shared/restore/isolation';
import { createHandlers } from './handlers';
import { readSourceFile } from './ingest/ingest-files';
import { startRestoreWorld, type RestoreWorld } from './restore/test-support';

// The vault and restore channels as every host serves them: one dispatcher over the real
// handlers, the sandbox forge and its git server, a signed snapshot, damage done by the
// `ops` token (the agent), the forge's own audit log read through the product's ingest.
// What the host itself enforces is tested here, below the page: the isolation proof
// before any apply, the override phrase, the confirmation phrase, safe cancel and a
// resume that finishes, and no token or passphrase in any answer, event or log line.

let world: RestoreWorld;
let dispatcher: Dispatcher;
let shutdown: () => Promise<void>;
const seen: string[] = [];
const passphrase = 'channel test passphrase';
let readTokenFile: string;
let restoreTokenFile: string;
let agentTokenFile: string;

async function call<T>(channel: string, request: unknown): Promise<T> {
  const answer = await dispatcher.invoke(channel, request);
  seen.push(JSON.stringify(answer));
  if (!answer.ok) throw new Error(`${channel}: ${answer.error.code}: ${answer.error.message}`);
  return answer.value as T;
}

async function refused(channel: string, request: unknown): Promise<Envelope & { ok: false }> {
  const answer = await dispatcher.invoke(channel, request);
  seen.push(JSON.stringify(answer));
  if (answer.ok) throw new Error(`${channel} answered ok where a refusal was expected`);
  return answer;
}

beforeAll(async () => {
  world = await startRestoreWorld('bulkhead-restore-channels-');
  expect(await world.snapshot()).toBe(1);
  world.tick();
  const { org } = world;
  await org.admin.deleteRepo(org.owner, 'web');
  await org.admin.deleteVariable({ owner: org.owner, repo: 'api' }, 'REGION');
  await org.admin.updatePull(org.owner, 'api', 1, { state: 'closed' });
  world.tick();
  const file = async (name: string, token: string) => {
    const where = path.join(world.root, name);
    await writeFile(where, `${token}\n`, { mode: 0o600 });
    return where;
  };
  readTokenFile = await file('read-token', org.backupToken);
  restoreTokenFile = await file('restore-token', world.restoreToken);
  agentTokenFile = await file('agent-token', org.adminToken);
  const built = createHandlers({
    host: 'browser',
    version: 'test',
    profileDir: path.join(world.root, 'profile'),
    electronVersion: null,
    clock: Date.now,
    env: {},
  });
  shutdown = built.shutdown;
  dispatcher = createDispatcher(built.handlers, {
    clock: Date.now,
    logError: (line) => void seen.push(line),
    progressIntervalMs: 0,
  });
  dispatcher.onDidEmit((_channel, payload) => void seen.push(JSON.stringify(payload)));
}, 120_000);

afterAll(async () => {
  await shutdown?.();
  await world?.close();
});

/** The loaded trail, as the page's worker answers `credential-uses`. */
async function trail(): Promise<{
  uses: ReadonlyArray<TrailCredentialUse>;
  sources: Array<{ id: string; name: string; events: number }>;
}> {
  const read = await readSourceFile(path.join(world.root, 'forge', 'audit.ndjson'));
  if (read.kind !== 'read' || read.outcome.kind !== 'complete') {
    throw new Error("the forge's audit log was not read");
  }
  const store = new EventStore();
  store.addChunks(read.outcome.source.chunks);
  return {
    uses: credentialUses(store),
    sources: [{ id: read.outcome.source.sourceId, name: 'audit.ndjson', events: store.size }],
  };
}

interface Meta {
  readonly id: string;
  readonly fingerprint: string;
}

describe('the vault and restore channels through the one dispatcher', () => {
  let restoreCred: Meta;
  let agentCred: Meta;
  let planHash: string;
  let phrase: string;
  let operations: number;

  it('adds credentials read by the host from files, only with the passphrase', async () => {
    const listed = await call<{ credentials: unknown[]; box: string; passphraseFromEnv: boolean }>(
      'vault:list',
      {},
    );
    expect(listed).toMatchObject({ credentials: [], box: 'passphrase', passphraseFromEnv: false });
    const target = { apiBaseUrl: world.forge.apiUrl, owner: world.org.owner };
    const noPassphrase = await refused('vault:add', {
      kind: 'github-token',
      label: 'restore bot',
      target,
      tokenFile: restoreTokenFile,
    });
    expect(noPassphrase.error).toMatchObject({ code: 'unauthorized' });
    expect(noPassphrase.error.message).toContain('BULKHEAD_VAULT_PASSPHRASE');
    const noSource = await refused('vault:add', {
      kind: 'github-token',
      label: 'restore bot',
      target,
      passphrase,
    });
    expect(noSource.error.message).toMatch(/token file or the token variable/);

    restoreCred = await call<Meta>('vault:add', {
      kind: 'github-token',
      label: 'restore bot',
      target,
      tokenFile: restoreTokenFile,
      passphrase,
    });
    expect(restoreCred.fingerprint).toBe(
      createHash('sha256').update(world.restoreToken).digest('base64'),
    );
    agentCred = await call<Meta>('vault:add', {
      kind: 'github-token',
      label: 'ops token',
      target,
      tokenFile: agentTokenFile,
      passphrase,
    });
    const after = await call<{ credentials: Meta[] }>('vault:list', {});
    expect(after.credentials.map((c) => c.id)).toEqual([restoreCred.id, agentCred.id]);
  });

  it('plans from the differences given, and keeps the plan by its hash', async () => {
    const opened = await call<{ catalogId: string }>('catalog:open', {
      taskId: 'open-catalog-1',
      location: {
        kind: 'directory',
        path: world.catalog.kind === 'directory' ? world.catalog.path : '',
      },
    });
    const live = { apiUrl: world.forge.apiUrl, owner: world.org.owner, tokenFile: readTokenFile };
    const diff = await call<{ differences: Array<{ id: string; kind: string }> }>('diff:run', {
      taskId: 'diff-run-1',
      catalogId: opened.catalogId,
      live,
    });
    expect(diff.differences.map((d) => d.kind).sort()).toEqual([
      'pr-closed',
      'repo-deleted',
      'variable-deleted',
    ]);
    const planned = await call<{
      planHash: string;
      confirmationPhrase: string;
      plan: { operations: Array<{ id: string; fidelity: string }> };
    }>('restore:plan', {
      taskId: 'restore-plan-1',
      catalogId: opened.catalogId,
      live,
      incident: 'inc-9',
      differences: diff.differences,
    });
    planHash = planned.planHash;
    phrase = planned.confirmationPhrase;
    operations = planned.plan.operations.length;
    expect(phrase).toBe(`restore ${operations} operations to acme`);
    expect(planned.plan.operations.find((o) => o.id === 'recreate-repo:acme/web')).toMatchObject({
      fidelity: 'recreated',
    });
    const unknown = await refused('restore:dry-run', {
      taskId: 'restore-dry-0',
      planHash: 'f'.repeat(64),
      credentialIds: [restoreCred.id],
      passphrase,
    });
    expect(unknown.error).toMatchObject({ code: 'not_found' });
    expect(unknown.error.message).toContain('plan again');
  });

  it('refuses to apply before the isolation proof, and refuses the agent token without the typed override', async () => {
    const approval = { phrase };
    const unproven = await refused('restore:apply', {
      taskId: 'restore-apply-0',
      planHash,
      credentialIds: [restoreCred.id],
      approval,
      passphrase,
    });
    expect(unproven.error).toMatchObject({ code: 'forbidden' });
    expect(unproven.error.message).toContain('prove the isolation');

    const { uses, sources } = await trail();
    const shared = await call<{
      verdict: { ok: boolean; reason: string; conflicts: Array<{ explanation: string }> };
      overridePhrase: string;
      leastPrivilege: { login: string; excess: string[] };
    }>('restore:isolation', {
      planHash,
      credentialIds: [agentCred.id],
      uses,
      sources,
      passphrase,
    });
    expect(shared.verdict).toMatchObject({ ok: false, reason: 'shared' });
    expect(shared.verdict.conflicts[0]?.explanation).toMatch(/^Restore credential "ops token"/);
    expect(shared.overridePhrase).toBe('I accept the risk of using ops token');
    expect(shared.leastPrivilege).toMatchObject({ login: 'ops', excess: ['delete_repo'] });

    const noOverride = await refused('restore:apply', {
      taskId: 'restore-apply-1',
      planHash,
      credentialIds: [agentCred.id],
      approval: { phrase, overrideAcknowledgement: 'I accept the risk' },
      passphrase,
    });
    expect(noOverride.error).toMatchObject({ code: 'forbidden' });
    expect(noOverride.error.message).toContain(shared.overridePhrase);
    // The proof was for the agent's token: it does not stand for another credential.
    const other = await refused('restore:apply', {
      taskId: 'restore-apply-2',
      planHash,
      credentialIds: [restoreCred.id],
      approval,
      passphrase,
    });
    expect(other.error.message).toContain('prove the isolation');
  });

  it('refuses a credential for another owner by name, and a proof without any trail', async () => {
    const elsewhere = await call<Meta>('vault:add', {
      kind: 'github-token',
      label: 'token for elsewhere',
      target: { apiBaseUrl: world.forge.apiUrl, owner: 'elsewhere' },
      tokenFile: readTokenFile,
      passphrase,
    });
    const wrongTarget = await refused('restore:dry-run', {
      taskId: 'restore-dry-2',
      planHash,
      credentialIds: [elsewhere.id],
      passphrase,
    });
    expect(wrongTarget.error.message).toContain(
      `"token for elsewhere" is for elsewhere at ${world.forge.apiUrl}, not the plan's acme`,
    );
    await call('vault:remove', { id: elsewhere.id });

    const noTrail = await call<{
      verdict: { ok: boolean; reason: string };
      overridePhrase: string;
    }>('restore:isolation', {
      planHash,
      credentialIds: [restoreCred.id],
      uses: [],
      sources: [],
      passphrase,
    });
    expect(noTrail).toMatchObject({
      verdict: { ok: false, reason: 'no-trail' },
      overridePhrase: 'I accept the risk of restoring without an isolation proof',
    });
    const unproven = await refused('restore:apply', {
      taskId: 'restore-apply-6',
      planHash,
      credentialIds: [restoreCred.id],
      approval: { phrase },
      passphrase,
    });
    expect(unproven.error.message).toContain(
      'type "I accept the risk of restoring without an isolation proof" to override',
    );
  });

  it('proves the restore token isolated, dry-runs, refuses a wrong phrase, cancels safely and resumes to a verified restore', async () => {
    const { uses, sources } = await trail();
    const isolated = await call<{
      verdict: { ok: boolean; reason: string };
      overridePhrase: string | null;
      leastPrivilege: { login: string; ok: boolean };
    }>('restore:isolation', {
      planHash,
      credentialIds: [restoreCred.id],
      uses,
      sources,
      passphrase,
    });
    expect(isolated).toMatchObject({
      verdict: { ok: true, reason: 'isolated' },
      overridePhrase: null,
      leastPrivilege: { login: 'restore-bot', ok: true },
    });
    const dry = await call<{ ok: number; blocked: number }>('restore:dry-run', {
      taskId: 'restore-dry-1',
      planHash,
      credentialIds: [restoreCred.id],
      passphrase,
    });
    expect(dry).toMatchObject({ ok: operations, blocked: 0 });

    const wrong = await refused('restore:apply', {
      taskId: 'restore-apply-3',
      planHash,
      credentialIds: [restoreCred.id],
      approval: { phrase: 'restore everything' },
      passphrase,
    });
    expect(wrong.error.message).toContain(
      `not approved: the confirmation typed is not "${phrase}"`,
    );

    // Cancel as soon as the first step reports: the run stops between steps.
    const stop = dispatcher.onDidEmit((_channel, payload) => {
      const p = payload as { taskId: string; state: string; done: number };
      if (p.taskId === 'restore-apply-4' && p.state === 'running' && p.done >= 1) {
        void dispatcher.invoke('task:cancel', { taskId: 'restore-apply-4' });
      }
    });
    const cancelled = await refused('restore:apply', {
      taskId: 'restore-apply-4',
      planHash,
      credentialIds: [restoreCred.id],
      approval: { phrase },
      passphrase,
    });
    stop();
    expect(cancelled.error.code).toBe('cancelled');
    const midway = await call<{
      journal: boolean;
      running: boolean;
      cancelled: boolean;
      finished: boolean;
      operations: Array<{ state: string }>;
      approval: { phrase: string; isolation: string | null };
    }>('restore:status', { planHash });
    expect(midway).toMatchObject({
      journal: true,
      running: false,
      cancelled: true,
      finished: false,
    });
    expect(midway.approval).toMatchObject({ phrase, isolation: 'isolated' });
    expect(midway.operations.some((o) => o.state === 'pending')).toBe(true);
    expect(midway.operations.some((o) => o.state === 'done')).toBe(true);

    const applied = await call<{
      execution: { status: string; done: number; already: number; failed: number };
      verification: { ok: boolean; counts: { mismatch: number } };
    }>('restore:apply', {
      taskId: 'restore-apply-5',
      planHash,
      credentialIds: [restoreCred.id],
      approval: { phrase },
      passphrase,
    });
    expect(applied.execution).toMatchObject({ status: 'completed', failed: 0 });
    expect(applied.verification).toMatchObject({ ok: true, counts: { mismatch: 0 } });
    const status = await call<{
      finished: boolean;
      operations: Array<{ state: string }>;
      verification: { ok: boolean } | null;
    }>('restore:status', { planHash });
    expect(status.finished).toBe(true);
    expect(status.operations.every((o) => o.state === 'done' || o.state === 'already')).toBe(true);
    expect(status.verification?.ok).toBe(true);

    const again = await call<{ ok: boolean; planHash: string }>('restore:verify', {
      taskId: 'restore-verify-1',
      planHash,
      credentialIds: [restoreCred.id],
      passphrase,
    });
    expect(again).toMatchObject({ ok: true, planHash });
    expect((await world.org.admin.getRepo(world.org.owner, 'web'))?.name).toBe('web');
    expect((await world.org.admin.getPull(world.org.owner, 'api', 1))?.state).toBe('open');
  }, 120_000);

  it('never lets a token or the passphrase out: answers, progress events, logs, the journal', async () => {
    const journal = await readFile(
      path.join(world.root, 'profile', 'restores', planHash.slice(0, 16), 'journal.jsonl'),
      'utf8',
    );
    for (const text of [...seen, journal]) {
      for (const secret of [world.restoreToken, world.org.adminToken, world.org.backupToken]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toContain(passphrase);
    }
    expect(seen.length).toBeGreaterThan(20);
  });
});
