import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configStoresFromFlags, etcdCredentialsOf } from './config-store-flags';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-etcd-flags-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const usage = (message: string) => new Error(`usage: ${message}`);
const base = {
  etcd: 'http://127.0.0.1:2379',
  prefixes: ['/env/prod/', '/env/staging/'],
  names: [],
};

describe('configStoresFromFlags', () => {
  it('names stores from their prefixes, takes the password from a file or the environment', async () => {
    await writeFile(path.join(dir, 'pw'), 'from-file-pw\n');
    const fromFile = await configStoresFromFlags(
      { ...base, user: 'backup', passwordFile: 'pw' },
      { BULKHEAD_ETCD_PASSWORD: 'from-env-pw' },
      dir,
      usage,
    );
    expect(fromFile).toEqual([
      {
        name: 'env-prod',
        endpoint: base.etcd,
        prefix: '/env/prod/',
        user: 'backup',
        password: 'from-file-pw',
      },
      {
        name: 'env-staging',
        endpoint: base.etcd,
        prefix: '/env/staging/',
        user: 'backup',
        password: 'from-file-pw',
      },
    ]);
    const fromEnv = await configStoresFromFlags(
      { ...base, names: ['prod', 'staging'], user: 'backup' },
      { BULKHEAD_ETCD_PASSWORD: 'from-env-pw' },
      dir,
      usage,
    );
    expect(fromEnv.map((s) => [s.name, s.password])).toEqual([
      ['prod', 'from-env-pw'],
      ['staging', 'from-env-pw'],
    ]);
    expect(etcdCredentialsOf(fromEnv)).toEqual({
      prod: { endpoint: base.etcd, user: 'backup', password: 'from-env-pw' },
      staging: { endpoint: base.etcd, user: 'backup', password: 'from-env-pw' },
    });
    expect(await configStoresFromFlags({ prefixes: [], names: [] }, {}, dir, usage)).toEqual([]);
  });

  it('refuses what it cannot read as stores, never quoting a password', async () => {
    const refused = (flags: Parameters<typeof configStoresFromFlags>[0], env = {}) =>
      configStoresFromFlags(flags, env, dir, usage).then(
        () => 'accepted',
        (e: unknown) => (e as Error).message,
      );
    expect(await refused({ ...base, names: ['only-one'] })).toBe(
      'usage: give one --etcd-name per --etcd-prefix (2 prefixes, 1 names), or none',
    );
    expect(await refused({ ...base, prefixes: [] })).toBe(
      'usage: --etcd needs at least one --etcd-prefix <prefix>',
    );
    expect(await refused({ prefixes: ['/env/'], names: [] })).toContain('need --etcd <endpoint>');
    expect(await refused({ ...base, user: 'backup' })).toBe(
      'usage: --etcd-user backup needs a password: set BULKHEAD_ETCD_PASSWORD or give --etcd-password-file',
    );
    expect(await refused({ ...base, passwordFile: 'pw' })).toBe(
      'usage: --etcd-password-file goes with --etcd-user',
    );
    expect(await refused({ ...base, user: 'backup', passwordFile: 'missing' })).toBe(
      `usage: --etcd-password-file ${path.join(dir, 'missing')}: cannot be read (ENOENT)`,
    );
  });
});
