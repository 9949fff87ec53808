import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '../../shared/ingest/columnar/event-store';
import { analyse, type Analysis } from '../../shared/ingest/analysis';
import type { Difference } from '../../shared/diff/diff-model';
import { assertNever } from '../../shared/util/assert-never';
import { hashToken } from '../sandbox/forge/auth';
import { openStore } from '../services/catalog/catalog-store';
import { openCatalog, openSnapshot } from '../services/catalog/catalog-reader';
import { verifyCatalog } from '../services/catalog/catalog-verifier';
import type { CatalogLocation, Progress } from '../services/catalog/catalog-types';
import { diffCore } from '../services/diff/diff-core';
import { createDiffService, type DiffOutcome } from '../services/diff/diff-service';
import { createGitHubAdapter } from '../services/github/github-adapter';
import { createRestoreService } from '../services/restore/restore-service';
import { readSourceFile } from '../services/ingest/ingest-files';
import { demoManifestName, demoPath, readDemoManifest, type DemoManifest } from './demo-manifest';
import { demoServeLockName, startDemoServers, type DemoServers } from './demo-servers';
import { ensureDemoIncident, generateDemoIncident } from './generate-demo';
import { pulls, repos } from './demo-story';

// The demo incident as the app will get it: generated once against the real sandbox forge,
// git over smart HTTP and the snapshot producer, then read back through the product's own
// catalog verifier, diff service, ingest pipeline and analysis.

let root: string;
let dir: string;
let manifest: DemoManifest;
let generationMs: number;
let servers: DemoServers | undefined;
let readToken: string;

const progress = (): Progress => ({
  signal: new AbortController().signal,
  report: () => undefined,
});

interface AuditRecord {
  readonly '@timestamp': number;
  readonly action: string;
  readonly actor?: string;
  readonly repo?: string;
  readonly hashed_token?: string;
  readonly data?: Record<string, unknown>;
}

async function auditRecords(): Promise<AuditRecord[]> {
  const text = await readFile(demoPath(dir, manifest.paths.auditLog), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditRecord);
}

function catalogLocation(): CatalogLocation {
  if (manifest.catalog.kind !== 'directory') throw new Error('the test generates a directory');
  return { kind: 'directory', path: demoPath(dir, manifest.catalog.path) };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-demo-test-'));
  dir = path.join(root, 'profile', 'demo');
  const started = Date.now();
  manifest = await generateDemoIncident({ dir });
  generationMs = Date.now() - started;
  process.stdout.write(`demo generation: ${generationMs} ms\n`);
  readToken = (await readFile(demoPath(dir, manifest.paths.readToken), 'utf8')).trim();
}, 120_000);

afterAll(async () => {
  await servers?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('the generated demo', () => {
  it('is generated in well under a minute and leaves no temporary folder behind', async () => {
    // Measured 12-15 s alone on the two-core build machine, up to 26 s beside other test
    // runs; the bound guards against a regression without failing on a busy machine.
    expect(generationMs).toBeLessThan(60_000);
    expect(manifest.generationMs).toBeLessThanOrEqual(generationMs);
    expect(await readdir(path.dirname(dir))).toEqual(['demo']);
  });

  it('writes a manifest that reads back, holds no port and no token, and owner-only token files', async () => {
    const again = await readDemoManifest(dir);
    expect(again).toEqual(manifest);
    const text = await readFile(path.join(dir, demoManifestName), 'utf8');
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}\//);
    const tokens = await Promise.all(
      [manifest.paths.readToken, manifest.paths.restoreToken].map(async (file) => {
        const full = demoPath(dir, file);
        expect((await stat(full)).mode & 0o777).toBe(0o600);
        return (await readFile(full, 'utf8')).trim();
      }),
    );
    for (const token of tokens) expect(text).not.toContain(token);
    // No usable token value in anything the app loads: the transcript masks the .env's.
    const loaded = [manifest.paths.auditLog, ...manifest.paths.transcripts].map((file) =>
      readFile(demoPath(dir, file), 'utf8'),
    );
    for (const content of [text, ...(await Promise.all(loaded))]) {
      expect(content).not.toMatch(/ghp_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{20,}/);
    }
    expect(hashToken(tokens[1]!)).toBe(manifest.credentials.restore.hashedToken);
    expect(hashToken(tokens[0]!)).toBe(manifest.credentials.reader.hashedToken);
    // The key moments in story order, the burst within about nine seconds.
    const { firstError, envRead, firstDestructive, last } = manifest.moments;
    expect(firstError.at).toBeLessThan(envRead.at);
    expect(envRead.at).toBeLessThan(firstDestructive.at);
    expect(last.at - firstDestructive.at).toBeLessThanOrEqual(9_000);
    // The incident is in the recent past; the last snapshot the day before.
    expect(last.at).toBeLessThan(Date.now());
    expect(Date.now() - last.at).toBeLessThan(6 * 3_600_000);
    expect(Date.parse(manifest.snapshots[2]!.createdAt)).toBeLessThan(firstDestructive.at);
    expect(new Set(manifest.damage.map((d) => d.kind))).toEqual(
      new Set([
        'repo-deleted',
        'ref-force-pushed',
        'ref-deleted',
        'pull-closed',
        'pull-edited',
        'comment-deleted',
        'variable-deleted',
        'secret-deleted',
      ]),
    );
  });

  it('holds three signed snapshots a day apart of the whole organisation, verified clean', async () => {
    const store = openStore(catalogLocation());
    const pin = { kind: 'pinned', key: manifest.signingKeyFingerprint } as const;
    const report = await verifyCatalog(store, pin, 'full', progress());
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.snapshots).toBe(3);
    const catalog = await openCatalog(store, pin, progress());
    expect(catalog.keyTrust).toBe('pinned');
    const times = catalog.snapshots.map((s) => Date.parse(s.createdAt ?? ''));
    expect(times[1]! - times[0]!).toBe(86_400_000);
    expect(times[2]! - times[1]!).toBe(86_400_000);
    expect(catalog.snapshots.every((s) => s.trust === 'signed')).toBe(true);
    // Legitimate work happened between them: more refs and pulls each night.
    const [first, , third] = catalog.snapshots;
    expect(first!.counts.repos).toBe(repos.length);
    expect(third!.counts.repos).toBe(repos.length);
    expect(third!.counts.pulls).toBe(pulls.length);
    expect(first!.counts.pulls).toBeLessThan(third!.counts.pulls);
    expect(third!.counts.refs).toBeGreaterThan(first!.counts.refs);
    // The last snapshot: real histories, branches, the backup branch, tags, sealed secrets.
    const opened = await openSnapshot(store, catalog, third!.seq);
    const api = opened.manifest.repos.find((r) => r.summary.name === 'api')!;
    const refNames = api.refs.map((r) => r.name);
    expect(refNames).toContain('refs/heads/main');
    expect(refNames.some((n) => /^refs\/heads\/backup\/main-\d{4}-\d{2}-\d{2}$/.test(n))).toBe(
      true,
    );
    expect(refNames.filter((n) => n.startsWith('refs/tags/')).length).toBeGreaterThanOrEqual(5);
    expect(refNames.filter((n) => n.startsWith('refs/heads/')).length).toBeGreaterThanOrEqual(6);
    expect(
      opened.manifest.repos.every((r) => r.secretValues !== null || r.summary.name === 'docs'),
    ).toBe(true);
  });

  it("records the damage in the forge's own audit log under the .env token, never the restore token's", async () => {
    const events = await auditRecords();
    const leaked = manifest.credentials.leaked.hashedToken;
    const restore = manifest.credentials.restore.hashedToken;
    expect(events.some((e) => e.hashed_token === restore)).toBe(false);
    // Before the session the CI token only ever read (git fetches), across several days.
    const before = events.filter(
      (e) => e.hashed_token === leaked && e['@timestamp'] < manifest.session.startedAt,
    );
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(new Set(before.map((e) => e.action))).toEqual(new Set(['git.fetch']));
    // Every piece of damage is an event of that token at the moment the manifest gives.
    const actionOf: Record<DemoManifest['damage'][number]['kind'], string> = {
      'repo-deleted': 'repo.destroy',
      'ref-force-pushed': 'git.push',
      'ref-deleted': 'git.push',
      'pull-closed': 'pull_request.close',
      'pull-edited': 'pull_request.edit',
      'comment-deleted': 'issue_comment.destroy',
      'variable-deleted': 'remove_actions_variable',
      'secret-deleted': 'remove_actions_secret',
    };
    for (const damage of manifest.damage) {
      const match = events.find(
        (e) =>
          e['@timestamp'] === damage.at &&
          e.action.endsWith(actionOf[damage.kind]) &&
          e.repo === damage.repo,
      );
      expect(match, `${damage.kind} ${damage.repo} at ${damage.at}`).toBeDefined();
      expect(match!.hashed_token).toBe(leaked);
      expect(match!.actor).toBe(manifest.credentials.leaked.login);
    }
    const forced = events.find(
      (e) => e.action === 'git.push' && e.data?.['ref'] === 'refs/heads/main' && e.data['forced'],
    );
    expect(forced?.hashed_token).toBe(leaked);
    const damageTimes = manifest.damage.map((d) => d.at);
    expect(Math.max(...damageTimes) - Math.min(...damageTimes)).toBeLessThanOrEqual(9_000);
  });
});

describe('the demo through the product', () => {
  let analysis: Analysis;
  let store: EventStore;

  beforeAll(async () => {
    store = new EventStore();
    const files = [
      demoPath(dir, manifest.paths.auditLog),
      ...manifest.paths.transcripts.map((f) => demoPath(dir, f)),
    ];
    for (const file of files) {
      const read = await readSourceFile(file);
      if (read.kind !== 'read' || read.outcome.kind !== 'complete') {
        throw new Error(`${file} was not read: ${JSON.stringify(read)}`);
      }
      expect(read.outcome.source.counts.errors ?? 0).toBe(0);
      store.addChunks(read.outcome.source.chunks);
    }
    analysis = await analyse(store);
  });

  it('detects both files in their formats', async () => {
    const audit = await readSourceFile(demoPath(dir, manifest.paths.auditLog));
    const transcript = await readSourceFile(demoPath(dir, manifest.paths.transcripts[0]!));
    expect(audit.kind === 'read' && audit.detected.format).toBe('github-audit');
    expect(transcript.kind === 'read' && transcript.detected.format).toBe('claude-code');
  });

  it('finds the destructive burst, the misused credential, the backup deletion and the retry loop', () => {
    const kinds = analysis.findings.map((f) => f.kind);
    expect(kinds).toContain('destructive-burst');
    expect(kinds).toContain('credential-out-of-scope');
    expect(kinds).toContain('backup-deletion');
    expect(kinds).toContain('retry-loop-escalation');
    const burst = analysis.findings.find((f) => f.kind === 'destructive-burst')!;
    const burstTimes = burst.events.map((row) => store.get(row).time);
    expect(burstTimes.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...burstTimes) - Math.min(...burstTimes)).toBeLessThanOrEqual(9_000);
    const misuse = analysis.findings.find((f) => f.kind === 'credential-out-of-scope')!;
    const fingerprints = new Set(
      misuse.events.map((row) => store.get(row).credential?.fingerprint),
    );
    expect(fingerprints).toEqual(new Set([manifest.credentials.leaked.hashedToken]));
    const backup = analysis.findings.find((f) => f.kind === 'backup-deletion')!;
    const deletedRef = manifest.damage.find((d) => d.kind === 'ref-deleted');
    expect(deletedRef?.kind === 'ref-deleted' && deletedRef.ref).toMatch(/^refs\/heads\/backup\//);
    expect(backup.events.map((row) => store.get(row).target?.key)).toEqual([
      `${deletedRef?.repo}@${deletedRef?.kind === 'ref-deleted' ? deletedRef.ref : ''}`,
    ]);
    const loop = analysis.findings.find((f) => f.kind === 'retry-loop-escalation')!;
    expect(loop.at).toBeGreaterThanOrEqual(manifest.moments.firstError.at);
  });

  it('joins every damaging audit event to the tool call that made it, and leaves nothing unexplained', () => {
    const linked = new Map<number, number>();
    for (const link of analysis.correlation.links) {
      for (const effect of link.effects) linked.set(effect, link.toolCall);
    }
    const leaked = manifest.credentials.leaked.hashedToken;
    const damaging: number[] = [];
    for (let row = 0; row < store.size; row++) {
      const event = store.get(row);
      if (
        event.credential?.fingerprint === leaked &&
        event.time >= manifest.moments.firstDestructive.at
      ) {
        damaging.push(row);
      }
    }
    expect(damaging.length).toBe(manifest.damage.length);
    for (const row of damaging) {
      const call = linked.get(row);
      const event = store.get(row);
      expect(call, `${event.action.provider} ${event.target?.key}`).toBeDefined();
      const tool = store.get(call!);
      expect(tool.agent?.session).toBe(manifest.session.id);
      expect(tool.time).toBeLessThanOrEqual(event.time);
      expect(event.time - tool.time).toBeLessThan(5_000);
    }
    expect(analysis.correlation.unexplained).toEqual([]);
    expect(analysis.correlation.unconfirmed).toEqual([]);
    const session = analysis.correlation.sessions.find((s) => s.session === manifest.session.id);
    expect(session?.credentials).toContain(leaked);
  });
});

describe('the demo servers', () => {
  it('refuses clearly without a demo, or with one from another version', async () => {
    const empty = path.join(root, 'empty');
    await expect(startDemoServers({ dir: empty })).rejects.toThrow(/demo\.json is missing/);
    const old = path.join(root, 'old');
    await mkdir(old, { recursive: true });
    await writeFile(
      path.join(old, demoManifestName),
      JSON.stringify({ format: 'bulkhead-demo', version: 0 }),
    );
    await expect(startDemoServers({ dir: old })).rejects.toThrow(/version 0/);
    // A manifest without its files: refused up front, naming what is missing.
    const bare = path.join(root, 'bare');
    await mkdir(bare, { recursive: true });
    await writeFile(path.join(bare, demoManifestName), JSON.stringify(manifest));
    await expect(startDemoServers({ dir: bare })).rejects.toThrow(
      /is incomplete: forge\/state\.json, forge\/audit\.ndjson, .* missing/,
    );
  });

  it('starts from disk on fresh ports and serves the damaged organisation; the diff finds every kind of damage', async () => {
    servers = await startDemoServers({ dir });
    expect(servers.owner).toBe('acme');
    const reader = createGitHubAdapter({ baseUrl: servers.apiUrl, token: readToken });
    const live = (await reader.listRepos('acme')).map((r) => r.name).sort();
    expect(live).toEqual(['api', 'infra', 'mobile', 'web']);

    const service = createDiffService({
      core: diffCore,
      cacheDir: path.join(root, 'diff-cache'),
      clock: Date.now,
    });
    const outcome: DiffOutcome = await service.run(
      {
        catalog: {
          location: catalogLocation(),
          pin: { kind: 'pinned', key: manifest.signingKeyFingerprint },
        },
        live: { apiUrl: servers.apiUrl, owner: 'acme', token: readToken },
      },
      progress(),
    );
    expect(outcome.baseline.seq).toBe(3);
    const has = (kind: Difference['kind'], key: string) => {
      const found = outcome.differences.some(
        (d) => d.kind === kind && (d.resource.key === key || d.resource.key.startsWith(key)),
      );
      if (!found) {
        const listed = outcome.differences.map((d) => `${d.kind} ${d.resource.key}`).join('\n');
        throw new Error(`no ${kind} of ${key}; the diff said:\n${listed}`);
      }
    };
    for (const damage of manifest.damage) {
      switch (damage.kind) {
        case 'repo-deleted':
          has('repo-deleted', damage.repo);
          break;
        case 'ref-force-pushed':
          has('ref-force-pushed', `${damage.repo}@${damage.ref}`);
          break;
        case 'ref-deleted':
          has('ref-deleted', `${damage.repo}@${damage.ref}`);
          break;
        case 'pull-closed':
          has('pr-closed', `${damage.repo}#${damage.number}`);
          break;
        case 'pull-edited':
          has('pr-edited', `${damage.repo}#${damage.number}`);
          break;
        case 'comment-deleted':
          has('pr-comment-deleted', `${damage.repo}#${damage.number}`);
          break;
        case 'variable-deleted':
          has('variable-deleted', damage.repo);
          break;
        case 'secret-deleted':
          has('secret-deleted', damage.repo);
          break;
        default:
          assertNever(damage, 'damage');
      }
    }
    // Nothing legitimate differs: only the damage, every difference accounted for.
    const unexpected = outcome.differences.filter(
      (d) =>
        !manifest.damage.some((damage) => d.repo === damage.repo) ||
        d.kind === 'variable-changed' ||
        d.kind === 'secret-rotated',
    );
    expect(unexpected.map((d) => `${d.kind} ${d.resource.key}`)).toEqual([]);
  }, 60_000);

  it('restarts from disk and serves the same state', async () => {
    const reader = (url: string) => createGitHubAdapter({ baseUrl: url, token: readToken });
    const first = await reader(servers!.apiUrl).readOwnerState('acme');
    const firstUrl = servers!.apiUrl;
    // One process serves a demo at a time; a lock left by a dead one is taken over.
    await expect(startDemoServers({ dir })).rejects.toThrow(
      new RegExp(`already being served by process ${process.pid} \\(this one\\)`),
    );
    await servers!.stop();
    await writeFile(path.join(dir, demoServeLockName), '4194303\n');
    servers = await startDemoServers({ dir });
    const second = await reader(servers.apiUrl).readOwnerState('acme');
    expect(second).toEqual(first);
    void firstUrl;
  }, 60_000);

  it('ensureDemoIncident reuses an intact demo as it is', async () => {
    const ensured = await ensureDemoIncident({ dir });
    expect(ensured.generated).toBe(false);
    expect(ensured.manifest).toEqual(manifest);
  });
});

describe('restoring the demo', () => {
  it('the restore user repairs every piece of damage through the restore engine, verified', async () => {
    const server = servers!;
    const restoreToken = (
      await readFile(demoPath(dir, manifest.paths.restoreToken), 'utf8')
    ).trim();
    const service = createRestoreService({
      profileDir: path.join(root, 'restore-profile'),
      cacheDir: path.join(root, 'restore-cache'),
      clock: Date.now,
    });
    const catalog = {
      location: catalogLocation(),
      pin: { kind: 'pinned' as const, key: manifest.signingKeyFingerprint },
    };
    const live = { apiUrl: server.apiUrl, owner: 'acme', token: readToken };
    const credentials = {
      github: { apiUrl: server.apiUrl, token: restoreToken },
      git: { username: 'x-access-token', token: restoreToken },
    };
    const quick = { writeSpacingMs: 0, contentSpacingMs: 0 };
    const restoreKeyFile = demoPath(dir, manifest.paths.restoreKey);
    const planned = await service.plan({ catalog, live, incident: 'demo', choose: 'all' });
    expect(planned.plan.unrepaired).toEqual([]);
    const dry = await service.dryRun({
      plan: planned.plan,
      catalog,
      credentials,
      restoreKeyFile,
      ...quick,
    });
    expect(dry.items.filter((i) => i.status !== 'ok')).toEqual([]);
    const applied = await service.apply({
      plan: planned.plan,
      approval: { phrase: planned.confirmationPhrase, isolation: { verdict: 'isolated' } },
      credentials,
      catalog,
      restoreKeyFile,
      ...quick,
    });
    expect(applied.execution.failed).toBe(0);
    expect(applied.execution.status).toBe('completed');
    expect(applied.verification?.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(applied.verification?.ok).toBe(true);
    // What a provider can only recreate remains: secrets set again (newer), reviews by
    // other people (never re-creatable; a re-posted review counts), and the pull requests of the
    // two recreated repositories (new numbers, provenance footers). Nothing else differs.
    const after = await service.plan({ catalog, live, incident: 'demo', choose: 'all' });
    const recreatedRepos = new Set(
      manifest.damage.flatMap((d) => (d.kind === 'repo-deleted' ? [d.repo] : [])),
    );
    const recreatedOnly = new Set(['secret-rotated', 'pr-edited', 'pr-review-deleted']);
    const left = after.differences.filter(
      (d) =>
        !recreatedOnly.has(d.kind) && !(recreatedRepos.has(d.repo) && d.kind.startsWith('pr-')),
    );
    expect(left.map((d) => `${d.kind} ${d.resource.key}`)).toEqual([]);
    expect(after.differences.some((d) => d.kind === 'repo-deleted')).toBe(false);
    // Recreated in number order, the recreated repositories' PRs are back under their
    // numbers: each is edited (the provenance footer), none deleted and created anew.
    const renumbered = after.differences.filter(
      (d) => recreatedRepos.has(d.repo) && (d.kind === 'pr-deleted' || d.kind === 'pr-created'),
    );
    expect(renumbered.map((d) => d.id)).toEqual([]);
    // The audit log now has the restore user's token, after the incident only.
    const events = await auditRecords();
    const restored = events.filter(
      (e) => e.hashed_token === manifest.credentials.restore.hashedToken,
    );
    expect(restored.length).toBeGreaterThan(0);
    expect(Math.min(...restored.map((e) => e['@timestamp']))).toBeGreaterThan(
      manifest.moments.last.at,
    );
  }, 180_000);
});
