import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runBulkhead, type CliRun } from '../test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectKey, type ObjectEntry } from '../../../shared/catalog/catalog-format';
import type { PullRequestState } from '../../../shared/domain/forge-state';
import { generateSigningKey } from '../../services/catalog/catalog-keys';
import { openStore, openWriteStore } from '../../services/catalog/catalog-store';
import { appendSnapshot, putJsonObject, putObject } from '../../services/catalog/catalog-writer';
import {
  fixtureGit,
  headsAndTags,
  makeGitFolder,
  makePythonGithubBackup,
  makeUpstream,
  setWritable,
} from '../../services/catalog/importers/import-fixtures';
import { parseCatalogLocation, resolveKeyPin } from './catalog';

// `bulkhead catalog` as users run it: the built command line against a directory catalog
// written by the catalog writer, and against backup folders it imports read-only.
let scratch: string;
let catalogDir: string;
let fingerprint: string;
let bundleId: string;
let pgb: string;
let bundles: string;

function bulkhead(args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runBulkhead(args, {
    cwd: scratch,
    timeoutMs: 60_000,
    env: {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      BULKHEAD_PROFILE: path.join(scratch, 'profile'),
      ...env,
    },
  });
}

function samplePull(headSha: string, baseSha: string): PullRequestState {
  return {
    number: 7,
    title: 'Seven',
    body: '',
    state: 'open',
    merged: false,
    draft: false,
    author: 'ada',
    base: { ref: 'main', sha: baseSha },
    head: { ref: 'feature', sha: headSha, repo: 'acme/widgets' },
    labels: [],
    requestedReviewers: [],
    reviews: [],
    comments: [],
    reviewComments: [],
    createdAt: '2026-01-05T10:00:00Z',
    updatedAt: '2026-01-05T10:00:00Z',
    closedAt: null,
  };
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-catalog-cli-'));
  const upstream = await makeUpstream(scratch);
  pgb = await makePythonGithubBackup(scratch, upstream);
  bundles = await makeGitFolder(scratch, upstream);

  catalogDir = path.join(scratch, 'catalog');
  const location = { kind: 'directory', path: catalogDir } as const;
  const write = openWriteStore(location);
  const read = openStore(location);
  const key = generateSigningKey();
  fingerprint = key.fingerprint;
  const bundleFile = path.join(scratch, 'widgets.bundle');
  fixtureGit(['bundle', 'create', '--quiet', bundleFile, '--branches', '--tags'], upstream);
  const bundle = await putObject(write, { path: bundleFile }, 'git-bundle');
  bundleId = bundle.id;
  const refs = headsAndTags(upstream);
  const head = refs.find((ref) => ref.name === 'refs/heads/feature')?.sha ?? '';
  const base = refs.find((ref) => ref.name === 'refs/heads/main')?.sha ?? '';
  const pull = await putJsonObject(write, samplePull(head, base), 'pull');
  const objects: ObjectEntry[] = [bundle, pull].sort((a, b) => (a.id < b.id ? -1 : 1));
  await appendSnapshot(write, read, {
    signingKey: key,
    source: { kind: 'github', apiUrl: 'https://api.github.example', readBy: 'ops' },
    createdAt: '2026-02-01T00:00:00.000Z',
    repos: [
      {
        summary: {
          owner: 'acme',
          name: 'widgets',
          id: 1,
          private: true,
          archived: false,
          description: '',
          defaultBranch: 'main',
          createdAt: '2025-01-01T00:00:00Z',
          updatedAt: '2026-01-01T00:00:00Z',
          pushedAt: null,
        },
        refs,
        git: { bundles: [bundle.id] },
        pulls: [{ number: 7, object: pull.id }],
        variables: null,
        secrets: null,
        environments: null,
        secretValues: null,
      },
    ],
    objects,
  });
  await setWritable(pgb, false);
  await setWritable(bundles, false);
}, 120_000);

afterAll(async () => {
  await setWritable(scratch, true);
  await rm(scratch, { recursive: true, force: true });
});

describe('bulkhead catalog list', () => {
  it('lists a directory catalog, trusting its key on first use with a warning', async () => {
    const result = await bulkhead(['catalog', 'list', catalogDir]);
    expect(result.stderr).not.toMatch(/bulkhead: /);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^SEQ\s+TIME\s+TRUST\s+REPOS\s+REFS\s+PRS\s+VARIABLES\s+SECRETS\s+SIZE/m,
    );
    expect(result.stdout).toMatch(
      /^1\s+2026-02-01T00:00:00\.000Z\s+signed\s+1\s+3\s+1\s+0\s+0\s+\S+/m,
    );
    expect(result.stdout).toMatch(/was trusted on first use/);
  });

  it('lists with a pinned key, and refuses a key that is not the catalog’s', async () => {
    const pinned = await bulkhead(['catalog', 'list', catalogDir, '--key', fingerprint]);
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).toContain('(pinned)');
    expect(pinned.stdout).not.toContain('first use');
    const other = generateSigningKey();
    const keyFile = path.join(scratch, 'other.pub');
    await writeFile(keyFile, `${other.publicKeyBase64}\n`);
    const wrong = await bulkhead(['catalog', 'list', catalogDir, '--key', keyFile, '--json']);
    expect(wrong.code).toBe(1);
    const json = JSON.parse(wrong.stdout) as { ok: boolean; keyTrust: string };
    expect(json).toMatchObject({ ok: false, keyTrust: 'mismatch' });
  });

  it('lists an imported backup as unsigned', async () => {
    const result = await bulkhead(['catalog', 'list', bundles, '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as {
      kind: string;
      format: string;
      keyTrust: string;
      snapshots: Array<{ trust: string; counts: { repos: number } }>;
    };
    expect(json).toMatchObject({ kind: 'import', format: 'git-bundles', keyTrust: 'unsigned' });
    expect(json.snapshots).toEqual([
      expect.objectContaining({ trust: 'unsigned', counts: expect.objectContaining({ repos: 3 }) }),
    ]);
    const text = await bulkhead(['catalog', 'list', pgb]);
    expect(text.stdout).toContain('Imported python-github-backup backup');
    expect(text.stdout).toMatch(/^1\s+\S+\s+unsigned\s+2\s+6\s+2\s+0\s+0/m);
    expect(text.stdout).toContain('repositories/widgets/pulls/3.json: not valid JSON');
    expect(text.code).toBe(1);
  });
});

describe('bulkhead catalog verify', () => {
  it('prints the JSON report with exactly the promised keys, and exits 0 when clean', async () => {
    const result = await bulkhead(['catalog', 'verify', catalogDir, '--level', 'full', '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      ok: true,
      snapshots: 1,
      objects: 2,
      problems: [],
      worm: { locked: 0, mode: null, minRetainUntil: null },
      level: 'full',
    });
    expect(Object.keys(json.worm as object).sort()).toEqual([
      'locked',
      'minRetainUntil',
      'mode',
      'unlocked',
    ]);
    expect(result.stderr).toMatch(/verifying/);
  });

  it('finds a flipped byte in an object with --level full, names it and exits 1', async () => {
    const file = path.join(catalogDir, objectKey(bundleId as `sha256:${string}`));
    const original = await readFile(file);
    const flipped = Buffer.from(original);
    flipped[flipped.length - 30] = (flipped[flipped.length - 30] ?? 0) ^ 0x01;
    await chmod(file, 0o600);
    await writeFile(file, flipped);
    try {
      const quick = await bulkhead(['catalog', 'verify', catalogDir, '--key', fingerprint]);
      expect(quick.code).toBe(0);
      const full = await bulkhead([
        'catalog',
        'verify',
        catalogDir,
        '--level',
        'full',
        '--json',
        '--key',
        fingerprint,
      ]);
      expect(full.code).toBe(1);
      const json = JSON.parse(full.stdout) as {
        ok: boolean;
        problems: Array<{ object: string; problem: string }>;
      };
      expect(json.ok).toBe(false);
      expect(json.problems.map((problem) => problem.object)).toContain(
        objectKey(bundleId as `sha256:${string}`),
      );
      const text = await bulkhead(['catalog', 'verify', catalogDir, '--level', 'full']);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/^FAILED/);
    } finally {
      await writeFile(file, original);
    }
  });

  it('verifies an import: clean bundles exit 0, the malformed pull file exits 1 naming it', async () => {
    const clean = await bulkhead(['catalog', 'verify', bundles, '--level', 'full', '--json']);
    expect(clean.stderr).not.toMatch(/bulkhead: /);
    const json = JSON.parse(clean.stdout) as {
      ok: boolean;
      problems: unknown[];
      warnings: string[];
    };
    expect(json.problems).toEqual([]);
    expect(json.ok).toBe(true);
    expect(clean.code).toBe(0);
    expect(json.warnings.join('\n')).toMatch(/unsigned/);
    const broken = await bulkhead(['catalog', 'verify', pgb, '--json']);
    expect(broken.code).toBe(1);
    const report = JSON.parse(broken.stdout) as { problems: Array<{ object: string }> };
    expect(report.problems.map((problem) => problem.object)).toEqual([
      'repositories/widgets/pulls/3.json',
    ]);
  });
});

describe('bulkhead catalog errors', () => {
  it('exits 2 on usage mistakes', async () => {
    for (const args of [
      ['catalog'],
      ['catalog', 'frob', catalogDir],
      ['catalog', 'verify'],
      ['catalog', 'verify', catalogDir, '--level', 'slow'],
      ['catalog', 'list', catalogDir, '--level', 'full'],
      ['catalog', 'list', catalogDir, '--key', 'not-a-key'],
      ['catalog', 'list', catalogDir, '--s3-endpoint', 'http://127.0.0.1:1'],
      ['catalog', 'list', 's3://Bad_Bucket'],
      ['catalog', 'list', catalogDir, 'extra', 'args'],
    ]) {
      const result = await bulkhead(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('says in one line when a directory is missing, no catalog, S3 keys are missing or the bucket is unreachable', async () => {
    const plain = await mkdtemp(path.join(scratch, 'plain-'));
    await writeFile(path.join(plain, 'notes.txt'), 'not a backup\n');
    const cases: Array<[ReadonlyArray<string>, RegExp, NodeJS.ProcessEnv?]> = [
      [['catalog', 'list', path.join(scratch, 'missing')], /no such directory/],
      [['catalog', 'verify', path.join(scratch, 'profile-none'), '--json'], /no such directory/],
      [['catalog', 'list', plain], /neither a Bulkhead catalog/],
      [['catalog', 'list', 's3://bucket/prefix'], /AWS_ACCESS_KEY_ID/],
      [
        ['catalog', 'verify', 's3://bucket/prefix', '--s3-endpoint', 'http://127.0.0.1:9'],
        /127\.0\.0\.1:9/,
        { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' },
      ],
    ];
    for (const [args, message, env] of cases) {
      const result = await bulkhead(args, env);
      expect(result.code, args.join(' ')).toBe(1);
      const lines = result.stderr.split('\n').filter((line) => line.startsWith('bulkhead: '));
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
  });
});

describe('parseCatalogLocation and resolveKeyPin', () => {
  it('reads s3 locations with keys from the environment only', () => {
    expect(
      parseCatalogLocation('s3://my-bucket/some/prefix/', {
        cwd: '/',
        env: { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' },
        endpoint: 'http://127.0.0.1:7480',
      }),
    ).toEqual({
      kind: 's3',
      endpoint: 'http://127.0.0.1:7480',
      region: 'us-east-1',
      bucket: 'my-bucket',
      prefix: 'some/prefix',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
    });
    expect(parseCatalogLocation('cat', { cwd: '/work', env: {} })).toEqual({
      kind: 'directory',
      path: '/work/cat',
    });
  });

  it('takes a fingerprint, a base64 key or a file holding one', async () => {
    expect(await resolveKeyPin(undefined, '/')).toEqual({ kind: 'trust-on-first-use' });
    expect(await resolveKeyPin(fingerprint, '/')).toEqual({ kind: 'pinned', key: fingerprint });
    const key = generateSigningKey();
    expect(await resolveKeyPin(key.publicKeyBase64, '/')).toEqual({
      kind: 'pinned',
      key: key.publicKeyBase64,
    });
    const file = path.join(scratch, 'pin.txt');
    await writeFile(file, `# the catalog key\n${key.fingerprint}\n`);
    expect(await resolveKeyPin('pin.txt', scratch)).toEqual({
      kind: 'pinned',
      key: key.fingerprint,
    });
    await expect(resolveKeyPin('nonsense', scratch)).rejects.toThrow(/not a sha256/);
  });
});
