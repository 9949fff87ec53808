import { execFile } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPassphraseBox,
  createSafeStorageBox,
  defaultScryptCost,
  type SafeStorageLike,
} from './secret-box';
import { createVaultService, type VaultService } from './vault-service';
import type { NewCredential } from './vault-types';

const run = promisify(execFile);

// The vault on real temporary folders and real crypto. scrypt runs at a low cost here
// (N = 2^12) except where the default cost itself is under test.
const cheap = { cost: { N: 2 ** 12, r: 8, p: 1 } };
const planHash = 'a'.repeat(64);
const token = `ghp_${randomBytes(27).toString('base64url')}`;
const gitToken = `ghp_${randomBytes(27).toString('base64url')}`;
const s3Secret = randomBytes(30).toString('base64');
const etcdPassword = randomBytes(18).toString('base64url');
const secrets = [token, gitToken, s3Secret, etcdPassword];

const github: NewCredential = {
  kind: 'github-token',
  label: 'restore bot (acme)',
  target: { apiBaseUrl: 'http://127.0.0.1:3000/api/v3', owner: 'acme' },
  secret: { token },
};
const git: NewCredential = {
  kind: 'git-token',
  label: 'git push',
  target: { baseUrl: 'http://127.0.0.1:3000' },
  secret: { username: 'restorer', token: gitToken },
};
const s3: NewCredential = {
  kind: 's3-keys',
  label: 'catalog reader',
  target: { endpoint: 'http://127.0.0.1:7480', bucket: 'catalog' },
  secret: { accessKeyId: 'AKIAREADONLY000001', secretAccessKey: s3Secret },
};
const etcd: NewCredential = {
  kind: 'etcd-user',
  label: 'config writer',
  target: { endpoints: ['http://127.0.0.1:2379'] },
  secret: { username: 'restore', password: etcdPassword },
};

let root: string;
let n = 0;
async function freshDir(): Promise<string> {
  n += 1;
  return path.join(root, `vault-${n}`);
}

function passphraseVault(
  dir: string,
  passphrase = 'correct horse battery staple',
  clock?: () => number,
) {
  return createVaultService({
    dir,
    box: createPassphraseBox(() => passphrase, cheap),
    ...(clock ? { clock } : {}),
  });
}

/** Asserts that no secret of this file appears in `text`. */
function expectNoSecret(text: string): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

async function caught(promise: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-vault-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('vault service with a passphrase box', () => {
  let dir: string;
  let vault: VaultService;

  beforeAll(async () => {
    dir = await freshDir();
    vault = passphraseVault(dir);
  });

  it('adds each kind with its provider fingerprint, and lists metadata only', async () => {
    const metas = [];
    for (const c of [github, git, s3, etcd]) metas.push(await vault.add(c));
    const hashed = createHash('sha256').update(token, 'utf8').digest('base64');
    expect(metas.map((m) => [m.kind, m.fingerprintKind, m.fingerprint])).toEqual([
      ['github-token', 'github-hashed-token', hashed],
      ['git-token', 'github-hashed-token', createHash('sha256').update(gitToken).digest('base64')],
      ['s3-keys', 'aws-access-key-id', 'AKIAREADONLY000001'],
      ['etcd-user', 'etcd-user', 'restore@http://127.0.0.1:2379'],
    ]);
    const listed = await vault.list();
    expect(listed.map((m) => m.id).sort()).toEqual(metas.map((m) => m.id).sort());
    expect(Object.keys(listed[0]!).sort()).toEqual([
      'createdAt',
      'fingerprint',
      'fingerprintKind',
      'id',
      'kind',
      'label',
      'target',
    ]);
    expectNoSecret(JSON.stringify(listed));
  });

  it('keeps files 0600 in a 0700 folder, with no secret in them', async () => {
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const files = await filesUnder(dir);
    expect(files.map((f) => path.relative(dir, f)).sort()).toEqual(
      expect.arrayContaining(['vault.json']),
    );
    expect(files).toHaveLength(5);
    for (const file of files) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expectNoSecret(await readFile(file, 'utf8'));
    }
    const header = JSON.parse(await readFile(path.join(dir, 'vault.json'), 'utf8'));
    expect(header.box).toMatchObject({ kind: 'passphrase', kdf: 'scrypt', N: 4096, r: 8, p: 1 });
  });

  it('unlocks for one plan and gives each secret back, tagged with its kind', async () => {
    const metas = await vault.list();
    const lease = await vault.unlock({ ids: metas.map((m) => m.id), planHash, ttlMs: 60_000 });
    const byKind = Object.fromEntries(metas.map((m) => [m.kind, lease.get(m.id)]));
    expect(byKind['github-token']).toEqual({ kind: 'github-token', token });
    expect(byKind['git-token']).toEqual({
      kind: 'git-token',
      username: 'restorer',
      token: gitToken,
    });
    expect(byKind['s3-keys']).toEqual({
      kind: 's3-keys',
      accessKeyId: 'AKIAREADONLY000001',
      secretAccessKey: s3Secret,
    });
    expect(byKind['etcd-user']).toEqual({
      kind: 'etcd-user',
      username: 'restore',
      password: etcdPassword,
    });
    expect(lease.planHash).toBe(planHash);
    // The lease prints and serialises without its secrets.
    expectNoSecret(JSON.stringify(lease));
    expectNoSecret(inspect(lease, { depth: 10, showHidden: true }));
    expectNoSecret(String(lease));
    expectNoSecret(JSON.stringify(vault));
    expect(JSON.parse(JSON.stringify(lease))).toMatchObject({ planHash, released: false });
    lease.release();
    expect(lease.released).toBe(true);
    const error = await caught(() => lease.get(metas[0]!.id));
    expect(error.message).toMatch(/released/);
  });

  it('refuses an id the lease did not unlock, a bad plan hash and a bad time limit', async () => {
    const [first, second] = await vault.list();
    const lease = await vault.unlock({ ids: [first!.id], planHash, ttlMs: 1000 });
    expect((await caught(() => lease.get(second!.id))).message).toMatch(
      /was not unlocked for this plan/,
    );
    lease.release();
    expect(
      (await caught(vault.unlock({ ids: [first!.id], planHash: 'x', ttlMs: 1000 }))).message,
    ).toMatch(/^planHash/);
    expect(
      (await caught(vault.unlock({ ids: [first!.id], planHash, ttlMs: 2 * 60 * 60_000 }))).message,
    ).toMatch(/^ttlMs/);
    expect((await caught(vault.unlock({ ids: [], planHash, ttlMs: 1000 }))).message).toMatch(
      /^ids/,
    );
    expect(
      (await caught(vault.unlock({ ids: ['cred_' + '0'.repeat(24)], planHash, ttlMs: 1000 })))
        .message,
    ).toMatch(/no credential cred_0+ in the vault/);
  });

  it('says "wrong passphrase" for a wrong passphrase, naming no secret', async () => {
    const other = passphraseVault(dir, 'not the passphrase');
    const ids = (await other.list()).map((m) => m.id);
    expect(ids).toHaveLength(4); // metadata needs no passphrase
    const error = await caught(other.unlock({ ids, planHash, ttlMs: 1000 }));
    expect(error).toMatchObject({
      code: 'unauthorized',
      message: 'wrong passphrase for this vault',
    });
    await expect(other.add({ ...github, secret: { token: 'ghp_other' } })).rejects.toThrow(
      'wrong passphrase for this vault',
    );
  });

  it('refuses the same credential twice', async () => {
    const error = await caught(vault.add({ ...github, label: 'again' }));
    expect(error.message).toMatch(/already in the vault as "restore bot \(acme\)"/);
    expectNoSecret(error.message);
    // The same token as the git credential is another credential, with the same fingerprint.
    const other = passphraseVault(await freshDir());
    const api = await other.add(github);
    const push = await other.add({ ...git, secret: { username: 'x', token } });
    expect(push.fingerprint).toBe(api.fingerprint);
  });

  it('names the field of a bad input, never its value', async () => {
    const badUrl = await caught(
      vault.add({ ...github, target: { apiBaseUrl: 'ftp://x', owner: 'acme' } }),
    );
    expect(badUrl.message).toMatch(/^target\.apiBaseUrl: /);
    const badSecret = await caught(
      vault.add({
        ...s3,
        secret: { accessKeyId: 'AKIA2', secretAccessKey: 42 as unknown as string },
      }),
    );
    expect(badSecret.message).toMatch(/^secret\.secretAccessKey: /);
    const tooLong = `${token}`.repeat(200);
    const long = await caught(vault.add({ ...github, secret: { token: tooLong } }));
    expect(long.message).toMatch(/^secret\.token: /);
    expect(long.message).not.toContain(token);
  });

  it('removes one credential and leaves the others', async () => {
    const before = await vault.list();
    await vault.remove(before[3]!.id);
    expect((await vault.list()).map((m) => m.id)).toEqual(before.slice(0, 3).map((m) => m.id));
    await expect(vault.remove(before[3]!.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(vault.remove('../vault')).rejects.toMatchObject({ code: 'bad_request' });
  });
});

describe('lease time limits', () => {
  it('refuses after expiry by the injected clock, and wipes', async () => {
    let now = Date.parse('2026-11-21T10:00:00Z');
    const vault = passphraseVault(await freshDir(), 'pass', () => now);
    const meta = await vault.add(github);
    const lease = await vault.unlock({ ids: [meta.id], planHash, ttlMs: 5 * 60_000 });
    expect(lease.expiresAt).toBe(now + 5 * 60_000);
    now += 5 * 60_000 - 1;
    expect(lease.get(meta.id)).toEqual({ kind: 'github-token', token });
    now += 1;
    const error = await caught(() => lease.get(meta.id));
    expect(error.message).toBe(
      `the vault lease for plan ${planHash.slice(0, 12)} expired at 2026-11-21T10:05:00.000Z`,
    );
    expect(lease.released).toBe(true);
  });

  it('releases itself on a timer that does not keep the process alive', async () => {
    const vault = passphraseVault(await freshDir());
    const meta = await vault.add(github);
    const lease = await vault.unlock({ ids: [meta.id], planHash, ttlMs: 30 });
    expect(lease.released).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(lease.released).toBe(true);
    expect(() => lease.get(meta.id)).toThrow(/released/);
  });
});

describe('no secret in what leaves', () => {
  it('keeps secrets out of every error, its stack and its JSON', async () => {
    let now = 0;
    const dir = await freshDir();
    const vault = passphraseVault(dir, 'pass', () => now);
    const meta = await vault.add(github);
    const s3Meta = await vault.add(s3);
    const errors: unknown[] = [];
    const collect = async (attempt: Promise<unknown> | (() => unknown)) => {
      errors.push(await caught(attempt));
    };
    await collect(vault.add(github));
    await collect(vault.add({ ...github, label: '', secret: { token } }));
    await collect(vault.add({ ...s3, secret: { accessKeyId: '', secretAccessKey: s3Secret } }));
    await collect(passphraseVault(dir, token).unlock({ ids: [meta.id], planHash, ttlMs: 10 }));
    const lease = await vault.unlock({ ids: [meta.id, s3Meta.id], planHash, ttlMs: 10 });
    await collect(() => lease.get('cred_' + 'f'.repeat(24)));
    now += 10;
    await collect(() => lease.get(meta.id));
    await collect(() => lease.get(s3Meta.id));
    const file = path.join(dir, 'credentials', `${s3Meta.id}.json`);
    const record = JSON.parse(await readFile(file, 'utf8'));
    record.meta.label = 'renamed';
    await writeFile(file, JSON.stringify(record));
    await collect(vault.unlock({ ids: [s3Meta.id], planHash, ttlMs: 10 }));
    expect(errors).toHaveLength(8);
    for (const error of errors) {
      const e = error as Error;
      expectNoSecret(`${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e)}\n${inspect(e)}`);
    }
  });

  it('lets a process with an open lease exit: the expiry timer is unref()ed', async () => {
    const script = path.join(root, 'open-lease.mts');
    const service = path.join(import.meta.dirname, 'vault-service.ts');
    const box = path.join(import.meta.dirname, 'secret-box.ts');
    await writeFile(
      script,
      [
        `import { createVaultService } from ${JSON.stringify(service)};`,
        `import { createPassphraseBox } from ${JSON.stringify(box)};`,
        `const vault = createVaultService({ dir: process.argv[2], box: createPassphraseBox(() => 'p', ${JSON.stringify(cheap)}) });`,
        `const meta = await vault.add({ kind: 'github-token', label: 'x', target: { apiBaseUrl: 'http://127.0.0.1:1', owner: 'a' }, secret: { token: 'ghp_unref_check' } });`,
        `const lease = await vault.unlock({ ids: [meta.id], planHash: ${JSON.stringify(planHash)}, ttlMs: 10 * 60_000 });`,
        `console.log(lease.get(meta.id).kind);`,
      ].join('\n'),
    );
    const started = performance.now();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, await freshDir()], {
      timeout: 30_000,
    });
    expect(stdout.trim()).toBe('github-token');
    // With a ref'd timer the process would wait the lease's ten minutes (and time out).
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 40_000);
});

describe('damaged files', () => {
  it('reports a truncated credential file by name and keeps the others usable', async () => {
    const dir = await freshDir();
    const vault = passphraseVault(dir);
    const a = await vault.add(github);
    const b = await vault.add(s3);
    const c = await vault.add(etcd);
    const broken = path.join(dir, 'credentials', `${b.id}.json`);
    const size = (await stat(broken)).size;
    await truncate(broken, Math.floor(size / 2));
    const seen = await vault.inspect();
    expect(seen.credentials.map((m) => m.id).sort()).toEqual([a.id, c.id].sort());
    expect(seen.problems).toEqual([
      { file: broken, problem: 'not valid JSON (truncated or damaged)' },
    ]);
    const lease = await vault.unlock({ ids: [a.id, c.id], planHash, ttlMs: 1000 });
    expect(lease.get(a.id)).toMatchObject({ token });
    lease.release();
    const error = await caught(vault.unlock({ ids: [b.id], planHash, ttlMs: 1000 }));
    expect(error.message).toBe(`${broken}: not valid JSON (truncated or damaged)`);
    // Adding another never touches the damaged file.
    await vault.add(git);
    expect((await stat(broken)).size).toBe(Math.floor(size / 2));
  });

  it('refuses a record whose metadata was edited (its fingerprint swapped)', async () => {
    const dir = await freshDir();
    const vault = passphraseVault(dir);
    const meta = await vault.add(github);
    const file = path.join(dir, 'credentials', `${meta.id}.json`);
    const record = JSON.parse(await readFile(file, 'utf8'));
    record.meta.fingerprint = 'c29tZW9uZSBlbHNlJ3MgdG9rZW4gaGFzaA==';
    await writeFile(file, JSON.stringify(record));
    const error = await caught(vault.unlock({ ids: [meta.id], planHash, ttlMs: 1000 }));
    expect(error.message).toBe(
      `${file}: the record fails its integrity check (damaged, or its id, kind or metadata changed)`,
    );
  });

  it('names a damaged vault.json and never starts over beside existing credentials', async () => {
    const dir = await freshDir();
    const vault = passphraseVault(dir);
    const meta = await vault.add(github);
    const header = path.join(dir, 'vault.json');
    const text = await readFile(header, 'utf8');
    await writeFile(header, text.slice(0, 40));
    const error = await caught(vault.unlock({ ids: [meta.id], planHash, ttlMs: 1000 }));
    expect(error.message).toMatch(
      new RegExp(`^${header}: not valid JSON \\(truncated or damaged\\)`),
    );
    expect((await vault.inspect()).problems.map((p) => p.file)).toEqual([header]);
    expect((await vault.list()).map((m) => m.id)).toEqual([meta.id]);

    await rm(header);
    const missing = await caught(vault.add(s3));
    expect(missing.message).toMatch(/vault\.json is missing but 1 credential file\(s\) exist/);
    await writeFile(header, text);
    const lease = await vault.unlock({ ids: [meta.id], planHash, ttlMs: 1000 });
    expect(lease.get(meta.id)).toMatchObject({ token });
    lease.release();
  });

  it('refuses scrypt parameters that would exhaust memory, and a kind that does not fit its target', async () => {
    const dir = await freshDir();
    const vault = passphraseVault(dir);
    const meta = await vault.add(github);
    const header = path.join(dir, 'vault.json');
    const text = await readFile(header, 'utf8');
    const params = JSON.parse(text);
    params.box.N = 2 ** 22;
    params.box.r = 32;
    await writeFile(header, JSON.stringify(params));
    const error = await caught(vault.unlock({ ids: [meta.id], planHash, ttlMs: 1000 }));
    expect(error.message).toBe(`${header}: box.N: scrypt memory (128 * N * r) above 1 GiB`);
    await writeFile(header, text);

    const file = path.join(dir, 'credentials', `${meta.id}.json`);
    const record = JSON.parse(await readFile(file, 'utf8'));
    record.meta.kind = 's3-keys';
    await writeFile(file, JSON.stringify(record));
    expect((await vault.inspect()).problems).toEqual([
      {
        file,
        problem: "meta.target: the target or fingerprint kind does not fit the credential's kind",
      },
    ]);
  });

  it('lets two processes create the same vault at once without losing either credential', async () => {
    const dir = await freshDir();
    const one = passphraseVault(dir);
    const two = passphraseVault(dir);
    const [a, b] = await Promise.all([one.add(github), two.add(s3)]);
    const lease = await one.unlock({ ids: [a.id, b.id], planHash, ttlMs: 1000 });
    expect(lease.get(b.id)).toMatchObject({ secretAccessKey: s3Secret });
    lease.release();
  });
});

describe('scrypt at the default cost', () => {
  it('derives in a fraction of a second and stores its parameters', async () => {
    const dir = await freshDir();
    const vault = createVaultService({ dir, box: createPassphraseBox(() => 'pass') });
    const started = performance.now();
    await vault.add(github);
    const ms = performance.now() - started;
    const header = JSON.parse(await readFile(path.join(dir, 'vault.json'), 'utf8'));
    expect(header.box).toMatchObject(defaultScryptCost);
    expect(Buffer.from(header.box.salt, 'base64')).toHaveLength(16);
    // 0.37 s measured on this 2-core machine; generous bound for a loaded one.
    expect(ms).toBeGreaterThan(50);
    expect(ms).toBeLessThan(3000);
  });
});

/**
 * Electron's safeStorage cannot run here (no Electron binary): an edge we cannot run, so
 * a stand-in with the same contract (AES-GCM under a key of its own, failing on other
 * ciphertext), as the OS keychain would.
 */
function fakeSafeStorage(available = true): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(encrypted) {
      const decipher = createDecipheriv('aes-256-gcm', key, encrypted.subarray(0, 12));
      decipher.setAuthTag(encrypted.subarray(12, 28));
      return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}

describe('vault service with the safeStorage box', () => {
  it('round-trips through safeStorage and binds each record to its metadata', async () => {
    const dir = await freshDir();
    const storage = fakeSafeStorage();
    const vault = createVaultService({ dir, box: createSafeStorageBox(storage) });
    const a = await vault.add(github);
    const b = await vault.add(git);
    const lease = await vault.unlock({ ids: [a.id, b.id], planHash, ttlMs: 1000 });
    expect(lease.get(a.id)).toEqual({ kind: 'github-token', token });
    lease.release();
    for (const file of await filesUnder(dir)) expectNoSecret(await readFile(file, 'utf8'));
    // A's sealed data under B's metadata does not pass as B.
    const fileA = path.join(dir, 'credentials', `${a.id}.json`);
    const fileB = path.join(dir, 'credentials', `${b.id}.json`);
    const recordB = JSON.parse(await readFile(fileB, 'utf8'));
    recordB.sealed = JSON.parse(await readFile(fileA, 'utf8')).sealed;
    await writeFile(fileB, JSON.stringify(recordB));
    const error = await caught(vault.unlock({ ids: [b.id], planHash, ttlMs: 1000 }));
    expect(error.message).toMatch(/does not belong to this credential/);
    // Another machine's keychain cannot open it; a passphrase box refuses the vault.
    const elsewhere = createVaultService({ dir, box: createSafeStorageBox(fakeSafeStorage()) });
    expect(
      (await caught(elsewhere.unlock({ ids: [a.id], planHash, ttlMs: 1000 }))).message,
    ).toMatch(/system keychain could not decrypt/);
    const withPassphrase = passphraseVault(dir);
    expect(
      (await caught(withPassphrase.unlock({ ids: [a.id], planHash, ttlMs: 1000 }))).message,
    ).toMatch(/made with the safe-storage box/);
  });

  it('says so when the keychain is not available', async () => {
    const vault = createVaultService({
      dir: await freshDir(),
      box: createSafeStorageBox(fakeSafeStorage(false)),
    });
    await expect(vault.add(github)).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/system keychain is not available/),
    });
  });
});
