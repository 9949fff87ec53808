import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkheadBin, runBulkhead, type CliRun } from '../test-support';

// `bulkhead vault` as a user runs it: the built command line, secrets from a variable, a
// file, a pipe and a terminal (a real pseudo-terminal through util-linux `script`).
let dir: string;
const passphrase = 'a long vault passphrase';
const token = `ghp_${randomBytes(27).toString('base64url')}`;
const s3Secret = randomBytes(30).toString('base64');
const etcdPassword = randomBytes(18).toString('base64url');
const secrets = [token, s3Secret, etcdPassword, passphrase];

function bulkhead(args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runBulkhead(args, {
    cwd: dir,
    env: {
      BULKHEAD_PROFILE: path.join(dir, 'profile'),
      BULKHEAD_VAULT_PASSPHRASE: passphrase,
      ...env,
    },
  });
}

/** Runs the command line with `input` piped to its stdin. */
function bulkheadWithInput(
  args: ReadonlyArray<string>,
  input: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bulkheadBin, ...args], {
      cwd: dir,
      env: {
        ...process.env,
        BULKHEAD_PROFILE: path.join(dir, 'profile'),
        BULKHEAD_VAULT_PASSPHRASE: passphrase,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

function expectNoSecret(...texts: string[]): void {
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
}

async function everyFileText(root: string): Promise<string> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    entries.filter((e) => e.isFile()).map((e) => readFile(path.join(e.parentPath, e.name), 'utf8')),
  );
  return texts.join('\n');
}

const githubArgs = [
  'vault',
  'add',
  '--kind',
  'github-token',
  '--label',
  'restore bot',
  '--api-url',
  'http://127.0.0.1:3000/api/v3',
  '--owner',
  'acme',
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-vault-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bulkhead vault', () => {
  it('adds a token from a variable into <profile>/vault and prints metadata only', async () => {
    const added = await bulkhead([...githubArgs, '--token-env', 'RESTORE_TOKEN', '--json'], {
      RESTORE_TOKEN: token,
    });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const meta = JSON.parse(added.stdout);
    expect(meta).toMatchObject({
      kind: 'github-token',
      label: 'restore bot',
      target: { apiBaseUrl: 'http://127.0.0.1:3000/api/v3', owner: 'acme' },
      fingerprint: createHash('sha256').update(token).digest('base64'),
      fingerprintKind: 'github-hashed-token',
    });
    const vaultDir = path.join(dir, 'profile', 'vault');
    expect((await stat(path.join(vaultDir, 'credentials', `${meta.id}.json`))).mode & 0o777).toBe(
      0o600,
    );
    expectNoSecret(added.stdout, await everyFileText(vaultDir));
  });

  it('reads S3 keys from a pipe and an etcd password from a file', async () => {
    const s3 = await bulkheadWithInput(
      [
        'vault',
        'add',
        '--kind',
        's3-keys',
        '--label',
        'catalog reader',
        '--endpoint',
        'http://127.0.0.1:7480',
        '--bucket',
        'catalog',
        '--access-key-id',
        'AKIAREADONLY01',
      ],
      `${s3Secret}\n`,
    );
    expect(s3.stderr).toBe('');
    expect(s3.stdout).toMatch(
      /^added cred_[0-9a-f]{24} \(s3-keys, "catalog reader"\), fingerprint AKIAREADONLY01\n$/,
    );
    const file = path.join(dir, 'etcd-password');
    await writeFile(file, `${etcdPassword}\n`, { mode: 0o600 });
    const etcd = await bulkhead([
      'vault',
      'add',
      '--kind',
      'etcd-user',
      '--label',
      'config writer',
      '--endpoint',
      'http://127.0.0.1:2379',
      '--endpoint',
      'http://127.0.0.1:22379',
      '--username',
      'restore',
      '--token-file',
      'etcd-password',
    ]);
    expect(etcd.stderr).toBe('');
    expect(etcd.stdout).toMatch(/fingerprint restore@http:\/\/127\.0\.0\.1:2379\n$/);
    expectNoSecret(s3.stdout, etcd.stdout);
  });

  it('lists metadata as a table and as JSON, without asking for the passphrase', async () => {
    const table = await bulkhead(['vault', 'list'], { BULKHEAD_VAULT_PASSPHRASE: '' });
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+kind\s+label\s+target\s+created\s+fingerprint$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual([
      'github-token',
      's3-keys',
      'etcd-user',
    ]);
    const json = await bulkhead(['vault', 'list', '--json']);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.vault).toBe(path.join(dir, 'profile', 'vault'));
    expect(parsed.problems).toEqual([]);
    expect(parsed.credentials.map((c: { label: string }) => c.label)).toEqual([
      'restore bot',
      'catalog reader',
      'config writer',
    ]);
    expectNoSecret(table.stdout, json.stdout);
  });

  it('says "wrong passphrase", and what to do when there is no passphrase and no terminal', async () => {
    const wrong = await bulkhead([...githubArgs, '--label', 'other', '--token-env', 'T'], {
      T: 'ghp_another',
      BULKHEAD_VAULT_PASSPHRASE: 'nope',
    });
    expect(wrong).toMatchObject({ code: 1, stderr: 'bulkhead: wrong passphrase for this vault\n' });
    const none = await bulkheadWithInput([...githubArgs, '--token-env', 'T'], '', {
      T: 'ghp_another',
      BULKHEAD_VAULT_PASSPHRASE: '',
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      'bulkhead: no passphrase: set BULKHEAD_VAULT_PASSPHRASE, or run in a terminal to be asked\n',
    );
  });

  it('never takes a secret from the command line, and names what is missing', async () => {
    const flag = await bulkhead([...githubArgs, '--token', token]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^bulkhead: vault: Unknown option '--token'/);
    expectNoSecret(flag.stderr);
    const positional = await bulkhead([...githubArgs, token]);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toMatch(/^bulkhead: vault add: unexpected argument/);
    const missing = await bulkhead([
      'vault',
      'add',
      '--kind',
      'git-token',
      '--label',
      'x',
      '--git-url',
      'http://h',
    ]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toMatch(/^bulkhead: vault add --kind git-token needs --username/);
    const empty = await bulkheadWithInput(githubArgs, '');
    expect(empty).toMatchObject({ code: 1, stderr: 'bulkhead: stdin: empty\n' });
    const twoLines = await bulkheadWithInput(githubArgs, `${token}\nmore\n`);
    expect(twoLines).toMatchObject({ code: 1, stderr: 'bulkhead: stdin: more than one line\n' });
  });

  it('names a damaged file in list, keeps listing the rest, and removes by id', async () => {
    const vaultDir = path.join(dir, 'profile', 'vault');
    const before = JSON.parse((await bulkhead(['vault', 'list', '--json'])).stdout);
    const [first, second] = before.credentials as Array<{ id: string }>;
    const damaged = path.join(vaultDir, 'credentials', `${second!.id}.json`);
    const text = await readFile(damaged, 'utf8');
    await writeFile(damaged, text.slice(0, 100));
    const listed = await bulkhead(['vault', 'list']);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toBe(`bulkhead: ${damaged}: not valid JSON (truncated or damaged)\n`);
    expect(listed.stdout).toContain(first!.id);
    expect(listed.stdout).not.toContain(second!.id);
    await writeFile(damaged, text);

    const removed = await bulkhead(['vault', 'remove', first!.id]);
    expect(removed).toMatchObject({ code: 0, stdout: `removed ${first!.id}\n` });
    const again = await bulkhead(['vault', 'remove', first!.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`bulkhead: no credential ${first!.id} in the vault at ${vaultDir}\n`);
    const after = JSON.parse((await bulkhead(['vault', 'list', '--json'])).stdout);
    expect(after.credentials.map((c: { id: string }) => c.id)).not.toContain(first!.id);
    expect(after.credentials).toHaveLength(2);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  if (!hasScript)
    console.warn('skipping the terminal prompt test: util-linux `script` is not installed');
  it.skipIf(!hasScript)(
    'asks on a terminal without echo: the secret, then a new passphrase twice',
    async () => {
      const vaultDir = path.join(dir, 'tty-vault');
      const command = [process.execPath, bulkheadBin, ...githubArgs, '--vault', vaultDir]
        .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
        .join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        cwd: dir,
        env: { ...process.env, BULKHEAD_VAULT_PASSPHRASE: '' },
      });
      let seen = '';
      const answers: Array<[RegExp, string]> = [
        [/Token: $/, token],
        [/New vault passphrase: $/, passphrase],
        [/Same passphrase again: $/, passphrase],
      ];
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        const next = answers[0];
        if (next && next[0].test(seen)) {
          answers.shift();
          child.stdin.write(`${next[1]}\r`);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(answers).toEqual([]);
      expect(code).toBe(0);
      expect(seen).toMatch(/added cred_[0-9a-f]{24} \(github-token, "restore bot"\)/);
      expectNoSecret(seen);
      const listed = await bulkhead(['vault', 'list', '--vault', vaultDir, '--json']);
      expect(JSON.parse(listed.stdout).credentials[0].fingerprint).toBe(
        createHash('sha256').update(token).digest('base64'),
      );
      // And the vault opens with what was typed.
      const wrong = await bulkhead([...githubArgs, '--vault', vaultDir, '--token-env', 'T'], {
        T: 'ghp_x',
        BULKHEAD_VAULT_PASSPHRASE: 'typo',
      });
      expect(wrong.stderr).toBe('bulkhead: wrong passphrase for this vault\n');
    },
    30_000,
  );
});
