import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { valueDigest } from '../../../shared/diff/resource-keys';
import {
  planHash,
  type PutConfigKeyOp,
  type RestorePlan,
} from '../../../shared/restore/plan-model';
import { createEtcdClient } from '../config/etcd-client';
import { startEtcd, type EtcdServer } from '../../sandbox/launchers/etcd-launcher';
import { generateSigningKey } from '../catalog/catalog-keys';
import { dryRun } from './dry-run';
import { executePlan } from './executor';
import { openJournal } from './journal';
import { connectTarget, type RestoreCredentials } from './restore-target';
import type { SnapshotSource } from './snapshot-source';
import { verifyRestore } from './verify';

// put-config-key against a real etcd with auth on: the restore user may write under
// /env/ only. Snapshots do not capture etcd yet, so the values come from a source in
// memory, as the capture will give them.

let etcd: EtcdServer;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-restore-etcd-'));
  etcd = await startEtcd({
    baseDir: root,
    auth: {
      rootPassword: 'r00t-pw',
      users: [{ name: 'restore', password: 'restore-pw-9', prefix: '/env/' }],
    },
  });
}, 60_000);

afterAll(async () => {
  await etcd?.stop();
  await rm(root, { recursive: true, force: true });
});

const values = new Map([
  ['/env/prod/API_URL', 'https://api.example.test'],
  ['/env/prod/REPLICAS', '3'],
  ['/other/SECRET_PLACE', 'nope'],
]);

function op(key: string): PutConfigKeyOp {
  return {
    kind: 'put-config-key',
    id: `put-config-key:config:${key}`,
    repo: 'acme/api',
    repairs: [],
    preconditions: [],
    fidelity: 'faithful',
    note: `put ${key} back`,
    dependsOn: [],
    store: 'config',
    key,
    valueDigest: valueDigest(values.get(key) ?? ''),
  };
}

describe('put-config-key', () => {
  it('writes etcd keys with the restore user, refuses one outside its prefix, and verifies', async () => {
    const admin = createEtcdClient({ endpoint: etcd.endpoint, user: 'root', password: 'r00t-pw' });
    await admin.put('/env/prod/REPLICAS', '1');
    const plan: RestorePlan = {
      version: 1,
      incident: 'etcd',
      catalog: { catalogId: 'c', snapshotSeq: 1, snapshotId: null },
      target: { apiUrl: 'http://127.0.0.1:9/api/v3', owner: 'acme', gitUrl: 'http://127.0.0.1:9' },
      operations: [...values.keys()].map(op),
      unrepaired: [],
      createdAt: '2026-11-21T10:00:00Z',
    };
    const hash = planHash(plan);
    const credentials: RestoreCredentials = {
      github: { apiUrl: plan.target.apiUrl, token: 'unused' },
      git: { username: 'x-access-token', token: 'unused' },
      etcd: { config: { endpoint: etcd.endpoint, user: 'restore', password: 'restore-pw-9' } },
    };
    const source: SnapshotSource = {
      gitDir: () => Promise.reject(new Error('no git data here')),
      hasObject: () => Promise.resolve(false),
      variableValue: () => null,
      secretValue: () => Promise.resolve(null),
      state: () => null,
      configValue: (store, key) => (store === 'config' ? (values.get(key) ?? null) : null),
    };
    const target = connectTarget(plan.target, credentials, {});
    const dry = await dryRun(plan, hash, target, source);
    expect(dry.items.map((i) => i.status)).toEqual(['ok', 'ok', 'ok']);
    const noCredential = await dryRun(
      plan,
      hash,
      connectTarget(plan.target, { ...credentials, etcd: {} }, {}),
      source,
    );
    expect(noCredential.items[0]).toMatchObject({
      status: 'blocked',
      reason: 'no etcd credential was given for the config store config',
    });

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
    expect(result.steps.map((s) => s.outcome)).toEqual(['done', 'done', 'failed']);
    expect(JSON.stringify(result.steps[2]?.result)).toMatch(
      /put-config-key:config:\/other\/SECRET_PLACE: .*\/other\/SECRET_PLACE/,
    );
    expect(await admin.get('/env/prod/API_URL')).toBe('https://api.example.test');
    expect(await admin.get('/env/prod/REPLICAS')).toBe('3');
    expect(await admin.get('/other/SECRET_PLACE')).toBeNull();

    const verification = await verifyRestore({
      plan,
      planHash: hash,
      target,
      source,
      records: journal.records,
      key: generateSigningKey(),
    });
    await journal.close();
    expect(verification.checks.map((c) => c.status)).toEqual(['ok', 'ok', 'mismatch']);
    // SECURITY: neither a value nor the password is in what the journal or the result say.
    const text = JSON.stringify([journal.records, verification]);
    for (const secret of ['https://api.example.test', 'restore-pw-9', 'nope']) {
      expect(text).not.toContain(secret);
    }
  }, 60_000);
});
