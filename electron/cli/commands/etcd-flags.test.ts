import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForge, type Forge } from '../../sandbox/forge/forge';
import { startEtcd, type EtcdServer } from '../../sandbox/launchers/etcd-launcher';
import { createEtcdClient } from '../../services/config/etcd-client';
import { seedOrg, type SeededOrg } from '../../services/catalog/producer/test-support';
import { runBulkhead, type CliRun } from '../test-support';

// `bulkhead snapshot --etcd ...` and `bulkhead diff --etcd ...` as a user runs them: the
// built command line against the sandbox forge and a real etcd with auth on. The etcd
// password comes from BULKHEAD_ETCD_PASSWORD or a file, and is printed nowhere.

const password = 'etcd-backup-pw-5e2b';
let tmp: string;
let forge: Forge;
let org: SeededOrg;
let etcd: EtcdServer;

function bulkhead(args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<CliRun> {
  return runBulkhead(args, {
    cwd: tmp,
    env: { BULKHEAD_PROFILE: path.join(tmp, 'profile'), BULKHEAD_TOKEN: org.backupToken, ...env },
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-etcd-cli-'));
  etcd = await startEtcd({
    baseDir: tmp,
    auth: { rootPassword: 'root-pw-1', users: [{ name: 'backup', password, prefix: '/env/' }] },
  });
  const admin = createEtcdClient({ endpoint: etcd.endpoint, user: 'root', password: 'root-pw-1' });
  await admin.put('/env/prod/API_URL', 'https://api.example.test');
  await admin.put('/env/prod/REPLICAS', '3');
  forge = await startForge({ dataDir: path.join(tmp, 'forge'), log: () => undefined });
  org = await seedOrg(forge, tmp);
  expect((await bulkhead(['keys', 'generate', '--out', 'keys'])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await forge?.close();
  await etcd?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const etcdArgs = () => [
  '--etcd',
  etcd.endpoint,
  '--etcd-prefix',
  '/env/prod/',
  '--etcd-name',
  'prod-config',
  '--etcd-user',
  'backup',
];

describe('etcd flags of bulkhead snapshot and diff', () => {
  it('snapshots a prefix, then diffs it: the changed key listed, its values never printed', async () => {
    const snap = await bulkhead(
      [
        'snapshot',
        '--api',
        forge.apiUrl,
        '--owner',
        'acme',
        '--to',
        'catalog',
        '--key',
        'keys/catalog-signing-key.pem',
        ...etcdArgs(),
      ],
      { BULKHEAD_ETCD_PASSWORD: password },
    );
    expect(snap.stderr).toContain('reading etcd prod-config (/env/prod/)');
    expect(snap.code).toBe(0);
    expect(snap.stdout).toMatch(/prod-config\s+\/env\/prod\/\s+2\s+new/);

    const admin = createEtcdClient({
      endpoint: etcd.endpoint,
      user: 'root',
      password: 'root-pw-1',
    });
    await admin.put('/env/prod/REPLICAS', '0');
    await writeFile(path.join(tmp, 'etcd-password'), `${password}\n`);
    const diff = await bulkhead([
      'diff',
      'catalog',
      '--live',
      forge.apiUrl,
      '--owner',
      'acme',
      ...etcdArgs(),
      '--etcd-password-file',
      'etcd-password',
    ]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(
      /config-key-changed\s+etcd:prod-config:\/env\/prod\/REPLICAS\s+etcd prod-config: \/env\/prod\/REPLICAS changed/,
    );
    expect(diff.stdout).not.toContain('config-key-deleted');
    for (const run of [snap, diff]) {
      for (const text of [run.stdout, run.stderr]) {
        expect(text).not.toContain(password);
        expect(text).not.toContain('https://api.example.test');
      }
    }
  }, 120_000);

  it('restores the changed key with bulkhead restore, the etcd user from the flags', async () => {
    // The restore user: a GitHub token the trail never saw, and an etcd password by file.
    const restoreToken = await forge.admin.createToken({
      login: 'restore-bot',
      type: 'classic',
      scopes: ['repo'],
    });
    const env = { BULKHEAD_RESTORE_TOKEN: restoreToken, BULKHEAD_ETCD_PASSWORD: password };
    const key = 'config-key-changed:etcd:prod-config:/env/prod/REPLICAS';
    const plan = await bulkhead(
      [
        'restore',
        'plan',
        'catalog',
        '--live',
        forge.apiUrl,
        '--owner',
        'acme',
        '--incident',
        'etcd-1',
        '--only',
        key,
        ...etcdArgs(),
        '--json',
      ],
      env,
    );
    expect(plan.code).toBe(0);
    const saved = JSON.parse(plan.stdout) as {
      plan: { operations: Array<{ kind: string }> };
      confirmationPhrase: string;
    };
    expect(saved.plan.operations.map((op) => op.kind)).toEqual(['put-config-key']);
    const apply = await bulkhead(
      [
        'restore',
        'apply',
        'catalog',
        '--plan',
        'plan.json',
        '--confirm',
        saved.confirmationPhrase,
        '--trail',
        path.join(tmp, 'forge', 'audit.ndjson'),
        '--write-spacing-ms',
        '0',
        ...etcdArgs(),
      ],
      env,
    );
    expect(apply.stderr + apply.stdout).not.toContain(password);
    expect(apply.stderr + apply.stdout).not.toContain(restoreToken);
    expect(apply.code).toBe(0);
    const admin = createEtcdClient({
      endpoint: etcd.endpoint,
      user: 'root',
      password: 'root-pw-1',
    });
    expect(await admin.get('/env/prod/REPLICAS')).toBe('3');
  }, 120_000);

  it('exits 2 on etcd flag mistakes, naming the flag', async () => {
    const noPassword = await bulkhead([
      'diff',
      'catalog',
      '--live',
      forge.apiUrl,
      '--owner',
      'acme',
      ...etcdArgs(),
    ]);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain('--etcd-user backup needs a password');

    const noEndpoint = await bulkhead([
      'diff',
      'catalog',
      '--live',
      forge.apiUrl,
      '--owner',
      'acme',
      '--etcd-prefix',
      '/env/',
    ]);
    expect(noEndpoint.code).toBe(2);
    expect(noEndpoint.stderr).toContain('need --etcd <endpoint>');

    const wrongPassword = await bulkhead(
      [
        'snapshot',
        '--api',
        forge.apiUrl,
        '--owner',
        'acme',
        '--to',
        'catalog',
        '--key',
        'keys/catalog-signing-key.pem',
        ...etcdArgs(),
      ],
      { BULKHEAD_ETCD_PASSWORD: 'wrong-pw-77' },
    );
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.stderr).toContain('config store prod-config');
    expect(wrongPassword.stderr).not.toContain('wrong-pw-77');
  }, 60_000);
});
