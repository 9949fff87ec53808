import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { Difference } from '../../../shared/diff/diff-model';
import type { RestorePlan } from '../../../shared/restore/plan-model';
import { generateSigningKey } from '../catalog/catalog-keys';
import { signApproval } from './approval-keys';
import { readJournal } from './journal';
import { createRestoreService, type RestoreService } from './restore-service';
import { startRestoreWorld, type RestoreWorld } from './test-support';
import { verificationSignatureValid } from './verify';

// The restore engine as it runs for real: the sandbox forge (its API checked against
// GitHub's OpenAPI description) and its git server, a signed snapshot with sealed secret
// values, damage done through the API and git, then plan, dry run, apply with the
// restore credential only, verify, and a diff that finds nothing left but what a
// provider can only recreate.

let world: RestoreWorld;
let service: RestoreService;

beforeAll(async () => {
  world = await startRestoreWorld();
  service = createRestoreService({
    profileDir: path.join(world.root, 'profile'),
    cacheDir: path.join(world.root, 'restore-cache'),
    clock: Date.now,
    adapterOptions: { instrument: world.instrument },
  });
}, 120_000);

afterAll(async () => {
  await world?.close();
});

const catalogRef = () => ({
  location: world.catalog,
  pin: { kind: 'trust-on-first-use' as const },
});
const live = () => ({
  apiUrl: world.forge.apiUrl,
  owner: world.org.owner,
  token: world.org.backupToken,
});
const quick = { writeSpacingMs: 0, contentSpacingMs: 0 };

/** Kinds a provider can only recreate, so a diff after the restore still lists them. */
const recreatedOnly = new Set(['pr-comment-deleted', 'secret-rotated', 'pr-edited']);

describe('restore against the sandbox forge', () => {
  let plan: RestorePlan;
  let damageDiff: ReadonlyArray<Difference>;

  it('plans, dry-runs, applies, verifies: every kind of damage repaired', async () => {
    expect(await world.snapshot()).toBe(1);
    world.tick();
    const { org, octokit } = world;
    const owner = org.owner;
    const api = { owner, repo: 'api' };

    // Damage: a repository deleted (with its PR, branch and variable), main force-pushed,
    // a branch deleted (the PR's head), the PR closed and retitled and its comment
    // deleted, variables and secrets deleted or changed, an environment deleted.
    await org.admin.deleteRepo(owner, 'web');
    await org.git('api', ['checkout', '--quiet', '-B', 'rewrite', 'main~2']);
    await org.commit('api', 'README.md', '# api, rewritten\n', 'Rewrite');
    await org.git('api', ['push', '--quiet', '--force', 'origin', 'rewrite:main']);
    const pull = await org.admin.getPull(owner, 'api', 1);
    const comment = pull!.comments[0]!;
    await org.admin.updatePull(owner, 'api', 1, { title: 'Backoff (abandoned)', state: 'closed' });
    await org.admin.deleteRef(owner, 'api', 'refs/heads/feature');
    const tag = await org.admin.getRef(owner, 'api', 'refs/tags/v1');
    expect(tag?.sha).toMatch(/^[0-9a-f]{40}$/);
    await org.admin.deleteRef(owner, 'api', 'refs/tags/v1');
    await org.admin.deleteIssueComment(owner, 'api', comment.id);
    await org.admin.deleteVariable(api, 'REGION');
    await org.admin.setVariable(api, 'LOG_LEVEL', 'debug-verbose-42');
    await org.admin.deleteSecret(api, 'DEPLOY_KEY');
    await octokit.request('DELETE /repos/{owner}/{repo}/environments/{environment_name}', {
      owner,
      repo: 'api',
      environment_name: 'production',
    });
    world.tick();

    const planned = await service.plan({
      catalog: catalogRef(),
      live: live(),
      incident: 'inc-42',
      choose: 'all',
    });
    plan = planned.plan;
    damageDiff = planned.differences;
    expect(planned.differences.map((d) => d.kind).sort()).toEqual(
      [
        'environment-deleted',
        'files-changed',
        'pr-closed',
        'pr-comment-deleted',
        'pr-edited',
        'ref-deleted',
        'ref-deleted',
        'ref-force-pushed',
        'repo-deleted',
        'secret-deleted',
        'variable-changed',
        'variable-deleted',
      ].sort(),
    );
    expect(plan.unrepaired).toEqual([]);
    const byId = new Map(plan.operations.map((o) => [o.id, o]));
    expect(byId.get('push-ref:acme/api@refs/heads/main')).toMatchObject({ mode: 'force' });
    expect(byId.get('push-ref:acme/api@refs/heads/feature')).toMatchObject({ mode: 'create' });
    expect(byId.get('reopen-pr:acme/api#1')?.dependsOn).toEqual([
      'push-ref:acme/api@refs/heads/feature',
    ]);
    expect(byId.get('recreate-repo:acme/web')).toMatchObject({ fidelity: 'recreated' });
    expect(byId.get('set-secret:acme/api:secret:DEPLOY_KEY')).toMatchObject({
      source: 'catalog-sealed',
      fidelity: 'faithful',
    });
    expect(planned.confirmationPhrase).toBe(`restore ${plan.operations.length} operations to acme`);
    expect(planned.scopes.map((s) => s.scope)).toEqual(['repo', 'workflow']);
    // SECURITY: no value and no token in the plan.
    const text = JSON.stringify(planned);
    for (const secret of ['eu-west-1', 'debug-verbose-42', ...org.plaintexts, world.restoreToken]) {
      expect(text).not.toContain(secret);
    }

    const dry = await service.dryRun({
      plan,
      catalog: catalogRef(),
      credentials: world.credentials,
      restoreKeyFile: world.restoreKeyFile,
      ...quick,
    });
    expect(dry.items.filter((i) => i.status !== 'ok')).toEqual([]);
    expect(dry.ok).toBe(plan.operations.length);
    // The dry run wrote nothing: the diff still finds the same damage.
    const stillDamaged = await service.plan({
      catalog: catalogRef(),
      live: live(),
      incident: 'inc-42',
      choose: 'all',
    });
    expect(stillDamaged.differences.map((d) => d.id)).toEqual(damageDiff.map((d) => d.id));

    await expect(
      service.apply({
        plan,
        approval: { phrase: 'restore everything' },
        credentials: world.credentials,
        catalog: catalogRef(),
        ...quick,
      }),
    ).rejects.toThrow(
      /not approved: the confirmation typed is not "restore \d+ operations to acme"/,
    );

    const approver = generateSigningKey();
    const progress: string[] = [];
    world.tick();
    const applied = await service.apply(
      {
        plan,
        approval: {
          phrase: planned.confirmationPhrase,
          approver: signApproval(approver, plan),
          requireSecondApprover: true,
          isolation: { verdict: 'isolated' },
        },
        credentials: world.credentials,
        catalog: catalogRef(),
        restoreKeyFile: world.restoreKeyFile,
        ...quick,
      },
      { onProgress: (p) => progress.push(`${p.phase} ${p.step?.state ?? ''}`) },
    );
    expect(applied.execution.status).toBe('completed');
    expect(applied.execution.failed).toBe(0);
    expect(applied.execution.done).toBe(plan.operations.length);
    expect(progress.filter((p) => p === 'apply done')).toHaveLength(plan.operations.length);
    const verification = applied.verification!;
    expect(verification.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(verification.ok).toBe(true);
    expect(verificationSignatureValid(verification)).toBe(true);
    expect(verificationSignatureValid({ ...verification, ok: false })).toBe(false);

    // The target equals the snapshot: the secrets' values as the forge opened them, and a
    // diff that lists only what the provider can only recreate.
    expect(world.forge.admin.readSecret(owner, 'api', 'DEPLOY_KEY')).toBe(org.plaintexts[0]);
    expect(world.forge.admin.readSecret(owner, 'api', 'DB_PASSWORD', 'production')).toBe(
      org.plaintexts[1],
    );
    const after = await service.plan({
      catalog: catalogRef(),
      live: live(),
      incident: 'inc-42',
      choose: 'all',
    });
    const left = after.differences.map((d) => `${d.kind} ${d.resource.key}`);
    expect(after.differences.filter((d) => !recreatedOnly.has(d.kind))).toEqual([]);
    // The comment is back as a quote by the restore credential, with a new id: its marker
    // names the original, so the diff counts it as there and a new plan posts nothing.
    expect(after.plan.operations.filter((op) => op.kind === 'repost-comment')).toEqual([]);
    expect(left.sort()).toEqual(
      [
        // The recreated repository's PR has the original body plus the provenance footer.
        'pr-edited acme/web#1',
        // Secrets were set again, so they are newer than the snapshot's.
        'secret-rotated acme/api:environment:production:secret:DB_PASSWORD',
        'secret-rotated acme/api:secret:DEPLOY_KEY',
      ].sort(),
    );
    // The annotated tag is back as the same tag object.
    expect(await org.admin.getRef(owner, 'api', 'refs/tags/v1')).toEqual(tag);
    const restoredPull = await org.admin.getPull(owner, 'api', 1);
    expect(restoredPull).toMatchObject({ state: 'open', title: 'Add backoff' });
    const quoted = restoredPull!.comments.find((c) => c.body.includes('Ready for review'));
    expect(quoted?.body).toContain(`**@${comment.author}** commented on ${comment.createdAt}`);
    expect(quoted?.author).toBe('restore-bot');

    // The journal: plan, approval, intent and outcome of each step, the verification.
    const journal = await readJournal(applied.journalFile);
    const types = journal.records.map((r) => r.type);
    expect(types.slice(0, 2)).toEqual(['plan', 'approval']);
    expect(types.filter((t) => t === 'step-start')).toHaveLength(plan.operations.length);
    expect(types.filter((t) => t === 'step-done')).toHaveLength(plan.operations.length);
    expect(types.at(-1)).toBe('verification');
    const raw = await readFile(applied.journalFile, 'utf8');
    for (const secret of ['eu-west-1', ...org.plaintexts, world.restoreToken]) {
      expect(raw).not.toContain(secret);
    }

    // Applying again does nothing twice: every step finds the target already so.
    const again = await service.resume({
      journalFile: applied.journalFile,
      credentials: world.credentials,
      catalog: catalogRef(),
      restoreKeyFile: world.restoreKeyFile,
      ...quick,
    });
    expect(again.execution.status).toBe('completed');
    expect(again.verification?.ok).toBe(true);
  }, 180_000);

  it('restores beside a branch that moved on with new commits since the damage', async () => {
    world.tick();
    const { org } = world;
    // Damage main again, diff it, then a developer pushes on top before the restore.
    await org.git('api', ['fetch', '--quiet', 'origin']);
    await org.git('api', ['checkout', '--quiet', '-B', 'again', 'origin/main~1']);
    await org.commit('api', 'BROKEN.md', 'oops\n', 'Agent rewrite');
    await org.git('api', ['push', '--quiet', '--force', 'origin', 'again:main']);
    const diffAtIncident = await service.plan({
      catalog: catalogRef(),
      live: live(),
      incident: 'inc-43',
      choose: 'all',
    });
    const forced = diffAtIncident.differences.find(
      (d) => d.kind === 'ref-force-pushed' && d.resource.key === 'acme/api@refs/heads/main',
    )!;
    expect(forced).toBeDefined();
    const legit = await org.commit('api', 'FIX.md', 'a legitimate fix\n', 'Legit fix');
    await org.git('api', ['push', '--quiet', 'origin', 'again:main']);

    const planned = await service.plan({
      catalog: catalogRef(),
      live: live(),
      incident: 'inc-43',
      choose: [forced.id],
      differences: diffAtIncident.differences,
    });
    const [push] = planned.plan.operations;
    expect(push).toMatchObject({
      kind: 'push-ref',
      mode: 'beside',
      targetRef: 'refs/heads/restore/inc-43/main',
    });
    const applied = await service.apply({
      plan: planned.plan,
      approval: { phrase: planned.confirmationPhrase },
      credentials: world.credentials,
      catalog: catalogRef(),
      ...quick,
    });
    expect(applied.verification?.ok).toBe(true);
    const main = await org.admin.getRef(org.owner, 'api', 'refs/heads/main');
    expect(main?.sha).toBe(legit);
    const beside = await org.admin.getRef(org.owner, 'api', 'refs/heads/restore/inc-43/main');
    expect(beside?.sha).toBe(push?.kind === 'push-ref' ? push.sha : 'not a push');

    // Overwriting is an explicit choice for that one item.
    const overwrite = await service.plan({
      catalog: catalogRef(),
      live: live(),
      incident: 'inc-44',
      choose: [forced.id],
      differences: diffAtIncident.differences,
      overrides: { [forced.id]: 'overwrite' },
    });
    expect(overwrite.plan.operations[0]).toMatchObject({
      mode: 'force',
      targetRef: 'refs/heads/main',
      expectedSha: legit,
    });
  }, 120_000);
});
