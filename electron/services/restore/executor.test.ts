import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal, journalProgress } from './journal';
import { createRestoreService, type RestoreService } from './restore-service';
import { startRestoreWorld, type RestoreWorld } from './test-support';

// The executor under the faults a provider throws at it (a 503, a 429 with Retry-After, a
// dropped connection), a cancel in the middle, and a target that moved after the plan:
// the sandbox forge behind a small proxy that injects the faults on the way.

let world: RestoreWorld;
let service: RestoreService;
let proxy: http.Server;
let proxyUrl: string;
/** Faults still to inject on the next writes whose path matches, in order. */
const faults: Array<{ readonly kind: '503' | '429' | 'drop' | 'lost'; readonly on: RegExp }> = [];
const injected: string[] = [];

beforeAll(async () => {
  world = await startRestoreWorld('bulkhead-restore-faults-');
  const forge = new URL(world.forge.url);
  proxy = http.createServer((req, res) => {
    const write = req.method === 'POST' || req.method === 'PATCH';
    const at = write ? faults.findIndex((f) => f.on.test(req.url ?? '')) : -1;
    const fault = at < 0 ? null : faults.splice(at, 1)[0]!.kind;
    if (fault !== null) injected.push(`${fault} ${req.method} ${req.url}`);
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === '503' || fault === '429') {
      req.resume();
      if (fault === '503') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Service Unavailable' }));
      } else {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ message: 'You have exceeded a secondary rate limit' }));
      }
      return;
    }
    const upstream = http.request(
      {
        host: forge.hostname,
        port: forge.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: forge.host },
      },
      (answer) => {
        if (fault === 'lost') {
          // The forge did it; its answer never reaches the client.
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  service = createRestoreService({
    profileDir: path.join(world.root, 'profile'),
    cacheDir: path.join(world.root, 'restore-cache'),
  });
  const api = { owner: world.org.owner, repo: 'api' };
  for (let i = 0; i < 30; i++) await world.org.admin.setVariable(api, `V_${i}`, `v${i}`);
  await world.snapshot();
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await world?.close();
});

const catalogRef = () => ({
  location: world.catalog,
  pin: { kind: 'trust-on-first-use' as const },
});
/** The restore credential, for the target as the proxy serves it. */
const credentials = () => ({
  github: { apiUrl: `${proxyUrl}/api/v3`, token: world.restoreToken },
  git: { username: 'x-access-token', token: world.restoreToken },
});

async function planVariables(incident: string, only?: (id: string) => boolean) {
  const planned = await service.plan({
    catalog: catalogRef(),
    live: { apiUrl: `${proxyUrl}/api/v3`, owner: world.org.owner, token: world.org.backupToken },
    incident,
    choose: 'all',
  });
  const chosen = planned.differences.filter((d) => !only || only(d.id)).map((d) => d.id);
  return service.plan({
    catalog: catalogRef(),
    live: { apiUrl: `${proxyUrl}/api/v3`, owner: world.org.owner, token: world.org.backupToken },
    incident,
    choose: chosen,
    differences: planned.differences,
  });
}

describe('the executor', () => {
  it('retries a 503, a 429 with Retry-After and a dropped connection, and journals each', async () => {
    const api = { owner: world.org.owner, repo: 'api' };
    for (const name of ['V_0', 'V_1', 'V_2']) await world.org.admin.deleteVariable(api, name);
    const planned = await planVariables('faults');
    expect(planned.plan.operations.map((o) => o.id)).toEqual([
      'set-variable:acme/api:variable:V_0',
      'set-variable:acme/api:variable:V_1',
      'set-variable:acme/api:variable:V_2',
    ]);
    const variables = /\/actions\/variables/;
    faults.push(
      { kind: '503', on: variables },
      { kind: '429', on: variables },
      { kind: 'drop', on: variables },
    );
    const applied = await service.apply({
      plan: planned.plan,
      approval: { phrase: planned.confirmationPhrase },
      credentials: credentials(),
      catalog: catalogRef(),
      writeSpacingMs: 0,
      contentSpacingMs: 0,
      concurrency: 1,
    });
    expect(injected).toHaveLength(3);
    expect(applied.execution.status).toBe('completed');
    expect(applied.verification?.ok).toBe(true);
    expect(applied.execution.retries).toBeGreaterThanOrEqual(3);
    const journal = await readJournal(applied.journalFile);
    const retries = journal.records.filter((r) => r.type === 'retry');
    expect(retries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'error', status: 503, method: 'POST' }),
        expect.objectContaining({ kind: 'secondary-rate-limit', retryAfterSeconds: 1 }),
        expect.objectContaining({ kind: 'error', status: null, method: 'POST' }),
      ]),
    );
    // Each retry is journalled against the step that made the call, before its outcome.
    for (const retry of retries) {
      expect(retry.type === 'retry' && retry.opId).toMatch(/^set-variable:acme\/api:variable:V_/);
    }
    for (const name of ['V_0', 'V_1', 'V_2']) {
      expect((await world.org.admin.getVariable(api, name))?.value).toBe(`v${name.slice(2)}`);
    }
  }, 120_000);

  it('never posts a comment twice, nor fails a variable, when the answer to a POST is lost', async () => {
    const { org } = world;
    const pull = await org.admin.getPull(org.owner, 'api', 1);
    const comment = pull!.comments.find((c) => c.body === 'Ready for review')!;
    await org.admin.deleteIssueComment(org.owner, 'api', comment.id);
    await org.admin.deleteVariable({ owner: org.owner, repo: 'api' }, 'V_29');
    const planned = await planVariables(
      'lost',
      (id) =>
        id.startsWith('pr-comment-deleted:') || id === 'variable-deleted:acme/api:variable:V_29',
    );
    expect(planned.plan.operations.map((o) => o.kind)).toEqual(['repost-comment', 'set-variable']);
    faults.push(
      { kind: 'lost', on: /\/issues\/1\/comments$/ },
      { kind: 'lost', on: /\/actions\/variables$/ },
    );
    const applied = await service.apply({
      plan: planned.plan,
      approval: { phrase: planned.confirmationPhrase },
      credentials: credentials(),
      catalog: catalogRef(),
      writeSpacingMs: 0,
      contentSpacingMs: 0,
    });
    expect(injected.slice(-2).sort()).toEqual([
      expect.stringMatching(/^lost POST .*\/actions\/variables$/),
      expect.stringMatching(/^lost POST .*\/issues\/1\/comments$/),
    ]);
    expect(applied.execution.status).toBe('completed');
    expect(applied.verification?.ok).toBe(true);
    const after = await org.admin.getPull(org.owner, 'api', 1);
    expect(after!.comments.filter((c) => c.body.includes('> Ready for review'))).toHaveLength(1);
    expect((await org.admin.getVariable({ owner: org.owner, repo: 'api' }, 'V_29'))?.value).toBe(
      'v29',
    );
    // The journal says what happened: the lost answer failed the comment's step, and the
    // next attempt found the comment by its marker; the variable's create, retried by the
    // adapter and refused as a duplicate, was found holding its value.
    const journal = await readJournal(applied.journalFile);
    const outcomes = (opId: string) =>
      journal.records.flatMap((r) =>
        r.type === 'step-failed' && r.opId === opId
          ? ['failed']
          : r.type === 'step-done' && r.opId === opId
            ? [r.outcome]
            : [],
      );
    expect(outcomes('repost-comment:acme/api#1:comment:' + comment.id)).toEqual([
      'failed',
      'already',
    ]);
    expect(outcomes('set-variable:acme/api:variable:V_29')).toEqual(['done']);
    expect(
      journal.records.find(
        (r) => r.type === 'step-done' && r.opId === 'set-variable:acme/api:variable:V_29',
      ),
    ).toMatchObject({ result: { how: 'created (its answer was lost)' } });
  }, 120_000);

  it('cancels between steps, never inside one, and a resume finishes the rest', async () => {
    const api = { owner: world.org.owner, repo: 'api' };
    for (let i = 3; i < 30; i++) await world.org.admin.deleteVariable(api, `V_${i}`);
    const planned = await planVariables('cancel', (id) => id.startsWith('variable-'));
    expect(planned.plan.operations).toHaveLength(27);
    const controller = new AbortController();
    let done = 0;
    const cancelled = await service.apply(
      {
        plan: planned.plan,
        approval: { phrase: planned.confirmationPhrase },
        credentials: credentials(),
        catalog: catalogRef(),
        writeSpacingMs: 0,
        contentSpacingMs: 0,
        concurrency: 2,
      },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.step?.state === 'done' && ++done === 5)
            controller.abort(new Error('user cancelled'));
        },
      },
    );
    expect(cancelled.execution.status).toBe('cancelled');
    expect(cancelled.verification).toBeNull();
    const journal = await readJournal(cancelled.journalFile);
    const progress = journalProgress(journal.records);
    // Steps already running finished; none was left between its intent and its outcome.
    expect(progress.inFlight.size).toBe(0);
    expect(progress.done.size).toBeGreaterThanOrEqual(5);
    expect(progress.done.size).toBeLessThan(27);
    expect(journal.records.at(-1)).toMatchObject({ type: 'cancelled', reason: 'user cancelled' });

    const resumed = await service.resume({
      journalFile: cancelled.journalFile,
      credentials: credentials(),
      catalog: catalogRef(),
      writeSpacingMs: 0,
      contentSpacingMs: 0,
    });
    expect(resumed.execution.status).toBe('completed');
    // The result covers the whole plan; only the steps not done before ran again.
    expect(resumed.execution.done).toBe(27);
    const after = (await readJournal(cancelled.journalFile)).records.slice(journal.records.length);
    const started = after.flatMap((r) => (r.type === 'step-start' ? [r.opId] : []));
    expect(started).toHaveLength(27 - progress.done.size);
    for (const id of started) expect(progress.done.has(id)).toBe(false);
    expect(resumed.verification?.ok).toBe(true);
  }, 120_000);

  it('finds a ref moved after the plan in the dry run, and leaves it alone when applying', async () => {
    const { org } = world;
    await org.admin.deleteRef(org.owner, 'web', 'refs/heads/topic');
    const planned = await planVariables('moved', (id) => id.startsWith('ref-deleted:'));
    expect(planned.plan.operations.map((o) => o.id)).toEqual([
      'push-ref:acme/web@refs/heads/topic',
    ]);
    // Someone recreates the branch at main before the restore runs.
    const main = await org.admin.getRef(org.owner, 'web', 'refs/heads/main');
    await org.admin.createRef(org.owner, 'web', 'refs/heads/topic', main!.sha);
    const dry = await service.dryRun({
      plan: planned.plan,
      catalog: catalogRef(),
      credentials: credentials(),
    });
    expect(dry.items[0]).toMatchObject({
      status: 'conflict',
      reason: expect.stringMatching(
        /acme\/web refs\/heads\/topic is at [0-9a-f]{7}, the plan expects it absent/,
      ),
    });
    const applied = await service.apply({
      plan: planned.plan,
      approval: { phrase: planned.confirmationPhrase },
      credentials: credentials(),
      catalog: catalogRef(),
      writeSpacingMs: 0,
    });
    expect(applied.execution.status).toBe('failed');
    expect(applied.execution.steps[0]).toMatchObject({
      outcome: 'failed',
      result: { error: expect.stringMatching(/conflict: acme\/web refs\/heads\/topic is at/) },
    });
    expect((await org.admin.getRef(org.owner, 'web', 'refs/heads/topic'))?.sha).toBe(main!.sha);
  }, 120_000);
});
