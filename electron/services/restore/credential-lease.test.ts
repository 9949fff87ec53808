import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkheadError } from '../../../shared/ipc/errors';
import { planHash, RestorePlan } from '../../../shared/restore/plan-model';
import { createPassphraseBox } from '../vault/secret-box';
import { createVaultService, type VaultLease, type VaultService } from '../vault/vault-service';
import type { CredentialMeta } from '../vault/vault-types';
import {
  credentialMetas,
  envTokenCredential,
  pickCredentials,
  scopeReport,
  withRestoreLease,
} from './credential-lease';

// The lease of one plan's restore credentials on a real vault (real scrypt at a low cost,
// real AES-256-GCM files): what is leased, for which hash, and that every way out of the
// use (its end, an error, an abort) releases the lease. The vault's own `unlock` is
// wrapped only to keep a reference to the lease it hands out, so the test can look at it.

const apiUrl = 'http://127.0.0.1:3000/api/v3';
const token = `ghp_${randomBytes(27).toString('base64url')}`;
const gitToken = `ghp_${randomBytes(27).toString('base64url')}`;
const etcdPassword = randomBytes(18).toString('base64url');

const plan: RestorePlan = RestorePlan.parse({
  version: 1,
  incident: 'inc-1',
  catalog: { catalogId: 'cat', snapshotSeq: 1, snapshotId: null },
  target: { apiUrl, owner: 'acme', gitUrl: 'http://127.0.0.1:3000/git' },
  operations: [
    {
      kind: 'put-config-key',
      id: 'put-config-key:http://127.0.0.1:2379/env/a',
      repo: '',
      repairs: [],
      preconditions: [],
      fidelity: 'faithful',
      note: 'put /env/a',
      dependsOn: [],
      store: 'http://127.0.0.1:2379',
      key: '/env/a',
      valueDigest: `sha256:${'0'.repeat(64)}`,
    },
  ],
  unrepaired: [],
  createdAt: '2026-03-01T10:00:00.000Z',
});
const hash = planHash(plan);

let root: string;
let vault: VaultService;
let leases: VaultLease[];
const metas: Record<'api' | 'git' | 'etcd' | 'other', CredentialMeta> = {} as never;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-lease-'));
  const real = createVaultService({
    dir: path.join(root, 'vault'),
    box: createPassphraseBox(() => 'lease test passphrase', { cost: { N: 2 ** 12, r: 8, p: 1 } }),
  });
  leases = [];
  vault = {
    ...real,
    async unlock(request) {
      const lease = await real.unlock(request);
      leases.push(lease);
      return lease;
    },
  };
  metas.api = await vault.add({
    kind: 'github-token',
    label: 'restore bot',
    target: { apiBaseUrl: apiUrl, owner: 'acme' },
    secret: { token },
  });
  metas.git = await vault.add({
    kind: 'git-token',
    label: 'restore push',
    target: { baseUrl: 'http://127.0.0.1:3000' },
    secret: { username: 'restorer', token: gitToken },
  });
  metas.etcd = await vault.add({
    kind: 'etcd-user',
    label: 'config writer',
    target: { endpoints: ['http://127.0.0.1:2379'] },
    secret: { username: 'restore', password: etcdPassword },
  });
  metas.other = await vault.add({
    kind: 'github-token',
    label: 'other org bot',
    target: { apiBaseUrl: apiUrl, owner: 'globex' },
    secret: { token: `ghp_${randomBytes(27).toString('base64url')}` },
  });
}, 30_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pickCredentials', () => {
  it('picks by role, and refuses another owner, two API tokens or etcd unless allowed, by name', async () => {
    const all = await credentialMetas(vault, [metas.api.id, metas.git.id, metas.etcd.id]);
    expect(pickCredentials(all, plan.target, { allowEtcd: true })).toEqual({
      api: metas.api,
      git: metas.git,
      etcd: [metas.etcd],
    });
    expect(() => pickCredentials(all, plan.target)).toThrow(
      '"config writer" is a etcd-user credential; this restore writes to GitHub and git only',
    );
    expect(() => pickCredentials([metas.other], plan.target)).toThrow(
      `"other org bot" is for globex at ${apiUrl}, not the plan's acme at ${apiUrl}`,
    );
    expect(() => pickCredentials([metas.api, metas.other], plan.target)).toThrow(
      'choose one GitHub token',
    );
    await expect(credentialMetas(vault, ['cred_000000000000000000000000'])).rejects.toThrow(
      'No credential cred_000000000000000000000000 in the vault.',
    );
  });
});

describe('withRestoreLease', () => {
  const picked = () => ({ api: metas.api, git: metas.git, etcd: [metas.etcd] });

  it('leases exactly the plan hash and assembles the credentials, then releases', async () => {
    leases.length = 0;
    const seen = await withRestoreLease(
      vault,
      { plan, planHash: hash, picked: picked(), ttlMs: 60_000 },
      async (credentials) => {
        expect(leases[0]?.released).toBe(false);
        return credentials;
      },
    );
    expect(seen).toEqual({
      github: { apiUrl, token },
      git: { username: 'restorer', token: gitToken },
      etcd: {
        'http://127.0.0.1:2379': {
          endpoint: 'http://127.0.0.1:2379',
          user: 'restore',
          password: etcdPassword,
        },
      },
    });
    expect(leases).toHaveLength(1);
    expect(leases[0]!.planHash).toBe(hash);
    expect([...leases[0]!.ids].sort()).toEqual([metas.api.id, metas.git.id, metas.etcd.id].sort());
    expect(leases[0]!.released).toBe(true);
    expect(() => leases[0]!.get(metas.api.id)).toThrow(/was released/);
  });

  it('maps a named config store to the etcd user labelled with its name, among several', async () => {
    const named = await vault.add({
      kind: 'etcd-user',
      label: 'prod-config',
      target: { endpoints: ['http://127.0.0.1:2380'] },
      secret: { username: 'prod-writer', password: etcdPassword },
    });
    const op = plan.operations[0]!;
    const namedPlan = RestorePlan.parse({
      ...plan,
      operations: [{ ...op, id: 'put-config-key:prod-config:/env/a', store: 'prod-config' }],
    });
    const seen = await withRestoreLease(
      vault,
      {
        plan: namedPlan,
        planHash: planHash(namedPlan),
        picked: { api: metas.api, git: null, etcd: [metas.etcd, named] },
        ttlMs: 60_000,
      },
      async (credentials) => credentials.etcd,
    );
    expect(seen).toEqual({
      'prod-config': {
        endpoint: 'http://127.0.0.1:2380',
        user: 'prod-writer',
        password: etcdPassword,
      },
    });
    await vault.remove(named.id);
  });

  it('uses the API token for git when no git token is picked', async () => {
    const seen = await withRestoreLease(
      vault,
      { plan, planHash: hash, picked: { api: metas.api, git: null, etcd: [] }, ttlMs: 60_000 },
      async (credentials) => credentials,
    );
    expect(seen).toEqual({
      github: { apiUrl, token },
      git: { username: 'x-access-token', token },
    });
  });

  it('releases when the use throws', async () => {
    leases.length = 0;
    await expect(
      withRestoreLease(vault, { plan, planHash: hash, picked: picked(), ttlMs: 60_000 }, () =>
        Promise.reject(new BulkheadError('internal', 'the step failed')),
      ),
    ).rejects.toThrow('the step failed');
    expect(leases[0]!.released).toBe(true);
  });

  it('releases at once on abort (Ctrl+C), while the use is still running', async () => {
    leases.length = 0;
    const controller = new AbortController();
    let releasedDuringUse: boolean | null = null;
    await withRestoreLease(
      vault,
      { plan, planHash: hash, picked: picked(), ttlMs: 60_000, signal: controller.signal },
      async () => {
        controller.abort();
        releasedDuringUse = leases[0]!.released;
      },
    );
    expect(releasedDuringUse).toBe(true);
  });

  it('does not unlock at all with a signal already aborted', async () => {
    leases.length = 0;
    const controller = new AbortController();
    controller.abort();
    let used = false;
    await expect(
      withRestoreLease(
        vault,
        { plan, planHash: hash, picked: picked(), ttlMs: 60_000, signal: controller.signal },
        async () => {
          used = true;
        },
      ),
    ).rejects.toThrow('cancelled before the vault was unlocked');
    expect(used).toBe(false);
    expect(leases).toHaveLength(0);
  });
});

describe('fingerprints and scopes', () => {
  it("fingerprints an environment token as the vault does (GitHub's hashed_token)", () => {
    expect(envTokenCredential('BULKHEAD_RESTORE_TOKEN', token)).toEqual({
      id: 'env:BULKHEAD_RESTORE_TOKEN',
      label: 'the token in BULKHEAD_RESTORE_TOKEN',
      fingerprint: metas.api.fingerprint,
      fingerprintKind: 'github-hashed-token',
    });
  });

  it('reports missing, excess and optional needs against the plan scopes', () => {
    const needs = [
      { scope: 'repo', required: true, reason: '', operations: [] },
      { scope: 'workflow', required: false, reason: '', operations: [] },
    ];
    expect(scopeReport(['repo', 'admin:org', 'workflow'], needs)).toMatchObject({
      ok: true,
      held: ['repo', 'admin:org', 'workflow'],
      excess: ['admin:org'],
      optionalMissing: [],
    });
    expect(scopeReport(['public_repo'], needs)).toMatchObject({
      ok: false,
      missing: ['repo'],
      optionalMissing: ['workflow'],
    });
    expect(scopeReport(null, needs)).toMatchObject({ ok: false, unknown: true, held: null });
  });
});
