import { valueDigest } from '../../../shared/diff/resource-keys';
import { Octokit } from '@octokit/rest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Difference } from '../../../shared/diff/diff-model';
import { createDispatcher } from '../../../shared/ipc/registry';
import { startForge, type Forge } from '../../sandbox/forge/forge';
import { installOpenApiValidation } from '../../sandbox/openapi/install-openapi-validation';
import { loadGitHubOpenApi } from '../../sandbox/openapi/load-github-openapi';
import { createOpenApiValidator } from '../../sandbox/openapi/openapi-validator';
import { writeSigningKeyFiles } from '../catalog/catalog-keys';
import type { CatalogLocation, Progress } from '../catalog/catalog-types';
import { takeSnapshot } from '../catalog/producer/snapshot-service';
import { openImportedBackup } from '../catalog/importers/import-backup';
import { git } from '../catalog/producer/git-runner';
import { seedOrg, type SeededOrg } from '../catalog/producer/test-support';
import { createHandlers } from '../handlers';
import { diffCore } from './diff-core';
import {
  createDiffService,
  baselineTargetOf,
  type DiffOutcome,
  type DiffService,
} from './diff-service';

// The diff as it runs for real: the sandbox forge in-process (its API checked against
// GitHub's OpenAPI description) with its git server, a signed snapshot in a directory
// catalog, then damage done through the forge's API and git, and the diff asked to find
// every piece of it.
const validator = createOpenApiValidator(loadGitHubOpenApi());

let root: string;
let forge: Forge;
let org: SeededOrg;
let signingKeyFile: string;
let catalog: CatalogLocation;
let service: DiffService;
/** The forge's clock: advanced by hand so an update lands in a later second than its snapshot. */
let now = Date.parse('2026-03-01T10:00:00Z');
const messages: string[] = [];

function progress(signal: AbortSignal = new AbortController().signal): Progress {
  return { signal, report: (_d, _t, message) => void messages.push(message ?? '') };
}

async function snapshot(): Promise<number> {
  const result = await takeSnapshot({
    apiUrl: forge.apiUrl,
    token: org.backupToken,
    owner: org.owner,
    destination: catalog,
    signingKeyFile,
    workDir: path.join(root, 'snapshot-cache'),
    progress: progress(),
  });
  return result.seq;
}

async function diff(extra: Partial<Parameters<DiffService['run']>[0]> = {}): Promise<DiffOutcome> {
  return service.run(
    {
      catalog: { location: catalog, pin: { kind: 'trust-on-first-use' } },
      live: { apiUrl: forge.apiUrl, owner: org.owner, token: org.backupToken },
      session: 'test',
      ...extra,
    },
    progress(),
  );
}

function find(outcome: DiffOutcome, kind: Difference['kind'], key: string): Difference {
  const found = outcome.differences.find((d) => d.kind === kind && d.resource.key === key);
  if (!found) {
    const listed = outcome.differences.map((d) => `${d.kind} ${d.resource.key}`).join('\n');
    throw new Error(`no ${kind} of ${key}; the diff said:\n${listed}`);
  }
  return found;
}

/** A history of its own: five commits on main, no tags, and a branch to delete. */
async function seedHistory(): Promise<void> {
  await org.admin.createRepo(org.owner, { name: 'history', private: true });
  await org.admin.createRepo(org.owner, { name: 'doomed', private: false });
  const dir = path.join(root, 'work', 'history');
  await git('init', ['init', '--quiet', '-b', 'main', dir]);
  await git('remote', ['remote', 'add', 'origin', forge.gitUrl(org.owner, 'history')], {
    gitDir: dir,
  });
  (org.work as Record<string, string>).history = dir;
  for (let i = 1; i <= 5; i++) {
    await org.commit('history', `notes/${i}.md`, `note ${i}\n`, `Note ${i}`);
  }
  await org.git('history', ['branch', 'old', 'HEAD~1']);
  await org.git('history', ['push', '--quiet', 'origin', 'main', 'old']);
  const api = { owner: org.owner, repo: 'api' };
  await org.admin.setSecret(api, 'API_KEY', 'api-key-plaintext-1');
  await org.admin.setVariable(api, 'FEATURE_FLAG', 'on');
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-diff-'));
  forge = await startForge({
    dataDir: path.join(root, 'forge'),
    clock: () => now,
    log: () => undefined,
  });
  org = await seedOrg(forge, root);
  await seedHistory();
  // Another tool's backup of `history`, before any damage: a folder of git mirrors.
  await org.git('history', [
    'clone',
    '--quiet',
    '--mirror',
    forge.gitUrl(org.owner, 'history'),
    path.join(root, 'mirrors', org.owner, 'history.git'),
  ]);
  signingKeyFile = (await writeSigningKeyFiles(path.join(root, 'keys'))).privateKeyFile;
  catalog = { kind: 'directory', path: path.join(root, 'catalog') };
  service = createDiffService({
    core: diffCore,
    cacheDir: path.join(root, 'diff-cache'),
    clock: Date.now,
    adapterOptions: {
      instrument: (octokit) =>
        void installOpenApiValidation(octokit, validator, { baseUrl: forge.apiUrl }),
    },
  });
}, 120_000);

afterAll(async () => {
  await forge?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the diff service against the sandbox forge', () => {
  let clean: DiffOutcome;
  let damaged: DiffOutcome;
  let lostMain: string[];
  let commentId: number;

  it('finds nothing when live state equals the snapshot', async () => {
    expect(await snapshot()).toBe(1);
    clean = await diff();
    expect(clean.differences).toEqual([]);
    expect(clean.blastRadius.total).toBe(0);
    expect(clean.baseline.seq).toBe(1);
    expect(clean.baseline.snapshotId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(clean.baseline.takenAt).not.toBeNull();
    expect(clean.notes).toEqual([]);
  }, 60_000);

  it('finds every kind of damage done through the API and git', async () => {
    now += 60_000;
    const owner = org.owner;
    const api = { owner, repo: 'api' };

    // Repositories and refs.
    await org.admin.deleteRepo(owner, 'doomed');
    const before = (await org.git('api', ['rev-list', 'main'])).trim().split('\n');
    await org.git('api', ['checkout', '--quiet', '-B', 'rewrite', 'main~2']);
    await org.commit('api', 'README.md', '# api, rewritten\n', 'Rewrite');
    await org.git('api', ['push', '--quiet', '--force', 'origin', 'rewrite:main']);
    lostMain = before.slice(0, 2);
    await org.admin.deleteRef(owner, 'history', 'refs/heads/old');

    // The pull request: edited, closed, a comment deleted.
    const pull = await org.admin.getPull(owner, 'api', 1);
    commentId = pull?.comments[0]?.id ?? 0;
    await org.admin.updatePull(owner, 'api', 1, { title: 'Backoff (abandoned)', state: 'closed' });
    await org.admin.deleteIssueComment(owner, 'api', commentId);

    // Actions: a variable deleted and one changed, a secret deleted and one rotated, an
    // environment deleted (with its variable and secret).
    await org.admin.deleteVariable(api, 'REGION');
    await org.admin.setVariable(api, 'LOG_LEVEL', 'debug-verbose-42');
    await org.admin.deleteSecret(api, 'DEPLOY_KEY');
    await org.admin.setSecret(api, 'API_KEY', 'api-key-plaintext-2');
    await new Octokit({ auth: org.adminToken, baseUrl: forge.apiUrl }).request(
      'DELETE /repos/{owner}/{repo}/environments/{environment_name}',
      { owner, repo: 'api', environment_name: 'production' },
    );

    damaged = await diff();
    const kinds = damaged.differences.map((d) => `${d.kind} ${d.resource.key}`).sort();
    expect(kinds).toEqual(
      [
        'environment-deleted acme/api:environment:production',
        'files-changed acme/api@refs/heads/main',
        'pr-closed acme/api#1',
        'pr-comment-deleted acme/api#1',
        'pr-edited acme/api#1',
        'ref-deleted acme/history@refs/heads/old',
        'ref-force-pushed acme/api@refs/heads/main',
        'repo-deleted acme/doomed',
        'secret-deleted acme/api:secret:DEPLOY_KEY',
        'secret-rotated acme/api:secret:API_KEY',
        'variable-changed acme/api:variable:LOG_LEVEL',
        'variable-deleted acme/api:variable:REGION',
      ].sort(),
    );

    const forced = find(damaged, 'ref-force-pushed', 'acme/api@refs/heads/main');
    expect(forced.refFacts?.forced).toBe(true);
    expect(forced.refFacts?.lostCount).toBe(2);
    expect(forced.refFacts?.lost.map((c) => c.sha)).toEqual(lostMain);
    expect(forced.refFacts?.lost.map((c) => c.message.trim())).toEqual([
      'Add retries',
      'Add the server',
    ]);
    const files = find(damaged, 'files-changed', 'acme/api@refs/heads/main').files ?? [];
    expect(files.map((f) => `${f.status} ${f.path}`)).toEqual([
      'modified README.md',
      'deleted src/retry.ts',
      'deleted src/server.ts',
    ]);
    expect(find(damaged, 'pr-edited', 'acme/api#1').fields).toEqual(['title']);
    expect(find(damaged, 'pr-comment-deleted', 'acme/api#1').subject).toEqual({
      kind: 'comment',
      id: commentId,
    });
    expect(find(damaged, 'ref-deleted', 'acme/history@refs/heads/old').before).toMatchObject({
      name: 'refs/heads/old',
    });

    expect(damaged.blastRadius.total).toBe(damaged.differences.length);
    expect(damaged.blastRadius.byRepo).toEqual({
      'acme/api': 10,
      'acme/doomed': 1,
      'acme/history': 1,
    });
    expect(damaged.blastRadius.byKind['variable-deleted']).toBe(1);

    // SECURITY: neither the token nor a variable value or secret is in the answer.
    const text = JSON.stringify(damaged);
    expect(text).not.toContain(org.backupToken);
    for (const value of ['eu-west-1', 'debug-verbose-42', 'api-key-plaintext', ...org.plaintexts]) {
      expect(text).not.toContain(value);
    }
  }, 90_000);

  it('reveals one variable value on request, from either side', () => {
    const changed = find(damaged, 'variable-changed', 'acme/api:variable:LOG_LEVEL');
    expect(
      service.revealVariable({ session: 'test', differenceId: changed.id, side: 'baseline' }),
    ).toMatchObject({ name: 'LOG_LEVEL', value: 'info' });
    expect(
      service.revealVariable({ session: 'test', differenceId: changed.id, side: 'current' }),
    ).toMatchObject({ name: 'LOG_LEVEL', value: 'debug-verbose-42' });
    const deleted = find(damaged, 'variable-deleted', 'acme/api:variable:REGION');
    expect(
      service.revealVariable({ session: 'test', differenceId: deleted.id, side: 'current' }).value,
    ).toBeNull();
    const ref = find(damaged, 'repo-deleted', 'acme/doomed');
    expect(() =>
      service.revealVariable({ session: 'test', differenceId: ref.id, side: 'baseline' }),
    ).toThrow(/not about a variable/);
    expect(() =>
      service.revealVariable({ session: 'other', differenceId: ref.id, side: 'baseline' }),
    ).toThrow(/No diff has been run/);
  });

  it('gives the text diff of one changed file', async () => {
    const files = find(damaged, 'files-changed', 'acme/api@refs/heads/main');
    const readme = await service.fileDiff({
      session: 'test',
      differenceId: files.id,
      path: 'README.md',
    });
    expect(JSON.stringify(readme)).toContain('rewritten');
    await expect(
      service.fileDiff({ session: 'test', differenceId: files.id, path: 'nope.md' }),
    ).rejects.toThrow(/changes no file nope.md/);
  });

  it('compares one resource against its own snapshot when asked', async () => {
    // A second snapshot after the damage: against it nothing differs, except FEATURE_FLAG
    // compared with the first snapshot's value after a legitimate change.
    now += 60_000;
    await org.admin.setVariable({ owner: org.owner, repo: 'api' }, 'FEATURE_FLAG', 'off');
    const second = await snapshot();
    await org.admin.setVariable({ owner: org.owner, repo: 'api' }, 'FEATURE_FLAG', 'on');
    const plain = await diff({ snapshotId: String(second) });
    expect(plain.differences.map((d) => d.id)).toEqual([
      'variable-changed:acme/api:variable:FEATURE_FLAG',
    ]);
    const overridden = await diff({
      snapshotId: String(second),
      baselineOverrides: [{ resource: 'acme/api:variable:FEATURE_FLAG', snapshotId: '1' }],
    });
    expect(overridden.differences).toEqual([]);
    expect(overridden.overrides).toEqual([
      { resource: 'acme/api:variable:FEATURE_FLAG', snapshotId: '1', seq: 1 },
    ]);
    // No snapshot named: the latest verified one, or the latest before the first finding.
    expect((await diff()).baseline.seq).toBe(second);
    const beforeFinding = await diff({ firstFindingAt: Date.parse(plain.baseline.takenAt ?? '') });
    expect(beforeFinding.baseline.seq).toBe(1);
    await expect(diff({ firstFindingAt: 0 })).rejects.toThrow(
      /no verified snapshot taken before the first finding/,
    );
    const wholeRepo = await diff({
      snapshotId: String(second),
      baselineOverrides: [{ resource: 'acme/doomed', snapshotId: '1' }],
    });
    expect(wholeRepo.differences.map((d) => d.id)).toContain('repo-deleted:acme/doomed');
  }, 90_000);

  it("takes an import of another tool's backup as the baseline, saying it is unsigned", async () => {
    const imported = await openImportedBackup(
      path.join(root, 'mirrors'),
      progress(new AbortController().signal),
      { cacheDir: path.join(root, 'import-cache') },
    );
    try {
      const outcome = await service.run(
        {
          catalog: {
            opened: {
              store: imported.store,
              catalog: imported.catalog,
              openSnapshot: async (seq) => {
                const summary = imported.catalog.snapshots.find((s) => s.seq === seq)!;
                return { summary, manifest: imported.manifest };
              },
              importFormat: imported.format,
              secrets: [],
            },
          },
          live: { apiUrl: forge.apiUrl, owner: org.owner, token: org.backupToken },
          repos: ['history'],
        },
        progress(new AbortController().signal),
      );
      expect(outcome.notes[0]).toMatch(/import of a git-mirrors backup: unsigned/);
      // Only git data is in a mirror: its pull requests and Actions are left out, not
      // reported as created.
      expect(outcome.differences.map((d) => d.id)).toEqual([
        'ref-deleted:acme/history@refs/heads/old',
      ]);
    } finally {
      await imported.dispose();
    }
  }, 60_000);

  it('gives the page the baseline alone, values as digests, and reveals its values on request', async () => {
    const read = await service.baseline(
      {
        catalog: { location: catalog, pin: { kind: 'trust-on-first-use' } },
        snapshotId: '1',
        owner: org.owner,
        baselineOverrides: [{ resource: 'acme/api:variable:FEATURE_FLAG', snapshotId: '1' }],
        session: 'cursor',
      },
      progress(new AbortController().signal),
    );
    expect(read.baseline.seq).toBe(1);
    expect(read.overrides).toEqual([
      { resource: 'acme/api:variable:FEATURE_FLAG', snapshotId: '1', seq: 1 },
    ]);
    const api = read.states.find((s) => s.name === 'api')!;
    expect(api.refs.length).toBeGreaterThan(0);
    const flag = api.variables.find((v) => v.name === 'FEATURE_FLAG')!;
    expect(flag.value).toMatch(/^sha256:[0-9a-f]{64}$/);
    // SECURITY: no value of the snapshot crosses to the page.
    const values = api.variables.map((v) => v.value);
    expect(values.every((v) => v.startsWith('sha256:'))).toBe(true);
    const revealed = service.revealVariable({
      session: 'cursor',
      differenceId: 'variable-deleted:acme/api:variable:FEATURE_FLAG',
      side: 'baseline',
    });
    expect(valueDigest(revealed.value ?? '')).toBe(flag.value);
    expect(() =>
      service.revealVariable({
        session: 'cursor',
        differenceId: 'variable-deleted:acme/api:variable:FEATURE_FLAG',
        side: 'current',
      }),
    ).toThrow(/holds no variable values/);
  }, 60_000);

  it('names the repository and step when a step fails, and never the token', async () => {
    await expect(
      diff({ live: { apiUrl: forge.apiUrl, owner: org.owner, token: 'ghp_wrong-token-1234' } }),
    ).rejects.toThrow(/401/);
    await expect(diff({ snapshotId: '99' })).rejects.toThrow(/has no snapshot 99/);
    await expect(
      diff({ baselineOverrides: [{ resource: 'other/x', snapshotId: '1' }] }),
    ).rejects.toThrow(/not a resource of acme/);
    const controller = new AbortController();
    controller.abort();
    await expect(
      service.run(
        {
          catalog: { location: catalog, pin: { kind: 'trust-on-first-use' } },
          live: { apiUrl: forge.apiUrl, owner: org.owner, token: org.backupToken },
        },
        progress(controller.signal),
      ),
    ).rejects.toThrow(/cancelled/);
  });
});

describe('resource keys for per-resource baselines', () => {
  it('takes every resource but a ref, and refuses anything else', () => {
    expect(baselineTargetOf('acme/api')).toEqual({ kind: 'repository', repo: 'acme/api' });
    expect(baselineTargetOf('acme/api#12')).toMatchObject({ kind: 'pull_request', number: 12 });
    expect(baselineTargetOf('acme/api:environment:prod:secret:Y')).toMatchObject({
      kind: 'secret',
      name: 'Y',
      scope: { kind: 'environment', name: 'prod' },
    });
    expect(() => baselineTargetOf('acme/api@refs/heads/main')).toThrow(/not a resource key/);
    expect(() => baselineTargetOf('nothing')).toThrow(/not a resource key/);
  });
});

describe('the diff channels through the one dispatcher', () => {
  it('runs diff:run with the token read in the main process, then diff:reveal and diff:file', async () => {
    const tokenFile = path.join(root, 'token.txt');
    await writeFile(tokenFile, `${org.backupToken}\n`, { mode: 0o600 });
    const { handlers, shutdown } = createHandlers({
      host: 'cli',
      version: 'test',
      profileDir: path.join(root, 'profile'),
      electronVersion: null,
      clock: Date.now,
      env: { BULKHEAD_TOKEN: org.backupToken, AWS_SECRET_ACCESS_KEY: 'not-a-token-at-all' },
    });
    const logged: string[] = [];
    const dispatcher = createDispatcher(handlers, {
      clock: Date.now,
      logError: (line) => void logged.push(line),
    });
    const events: string[] = [];
    dispatcher.onDidEmit((_channel, payload) => void events.push(JSON.stringify(payload)));
    try {
      const opened = await dispatcher.invoke('catalog:open', {
        taskId: 'open-catalog-1',
        location: { kind: 'directory', path: catalog.kind === 'directory' ? catalog.path : '' },
      });
      if (!opened.ok) throw new Error(opened.error.message);
      const { catalogId } = opened.value as { catalogId: string };
      const live = { apiUrl: forge.apiUrl, owner: org.owner };

      const ran = await dispatcher.invoke('diff:run', {
        taskId: 'diff-run-1',
        catalogId,
        snapshotId: '1',
        live: { ...live, tokenFile },
      });
      if (!ran.ok) throw new Error(ran.error.message);
      const result = ran.value as DiffOutcome;
      expect(result.baseline.seq).toBe(1);
      expect(result.differences.map((d) => d.id)).toContain(
        'variable-deleted:acme/api:variable:REGION',
      );
      const done = events.map((e) => JSON.parse(e) as { taskId: string; state: string });
      expect(done.filter((e) => e.taskId === 'diff-run-1').at(-1)?.state).toBe('done');

      const byEnv = await dispatcher.invoke('diff:run', {
        taskId: 'diff-run-2',
        catalogId,
        snapshotId: '1',
        live,
      });
      expect(byEnv.ok).toBe(true);

      const changed = result.differences.find((d) => d.kind === 'variable-changed');
      const revealed = await dispatcher.invoke('diff:reveal', {
        catalogId,
        differenceId: changed?.id ?? '',
        side: 'current',
      });
      expect(revealed).toMatchObject({
        ok: true,
        value: { name: 'LOG_LEVEL', value: 'debug-verbose-42' },
      });

      const files = result.differences.find((d) => d.kind === 'files-changed');
      const file = await dispatcher.invoke('diff:file', {
        catalogId,
        differenceId: files?.id ?? '',
        path: 'README.md',
      });
      expect(file).toMatchObject({ ok: true, value: { path: 'README.md', binary: false } });
      expect((file as { value: { patch: string } }).value.patch).toContain('+# api, rewritten');

      // SECURITY: a token may only come from a *TOKEN* variable or a token-shaped file.
      const foreign = await dispatcher.invoke('diff:run', {
        taskId: 'diff-run-3',
        catalogId,
        live: { ...live, tokenEnv: 'AWS_SECRET_ACCESS_KEY' },
      });
      expect(foreign).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      const notAToken = await dispatcher.invoke('diff:run', {
        taskId: 'diff-run-4',
        catalogId,
        live: { ...live, tokenFile: path.join(root, 'catalog', 'bulkhead-catalog.json') },
      });
      expect(notAToken).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      expect(JSON.stringify(notAToken)).not.toContain('publicKey');
      const unknownHandle = await dispatcher.invoke('diff:run', {
        taskId: 'diff-run-5',
        catalogId: 'cat-0123456789abcdef0123456789abcdef',
        live,
      });
      expect(unknownHandle).toMatchObject({ ok: false, error: { code: 'not_found' } });

      await dispatcher.invoke('catalog:close', { catalogId });
      const afterClose = await dispatcher.invoke('diff:reveal', {
        catalogId,
        differenceId: changed?.id ?? '',
        side: 'current',
      });
      expect(afterClose).toMatchObject({ ok: false, error: { code: 'not_found' } });

      const everything = JSON.stringify([result, events, logged]);
      expect(everything).not.toContain(org.backupToken);
      expect(logged).toEqual([]);
    } finally {
      await dispatcher.shutdown();
      await shutdown();
    }
  }, 90_000);
});
