import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  idOfObjectKey,
  manifestKey,
  objectKey,
  parseManifest,
  signatureKey,
} from '../../../../shared/catalog/catalog-format';
import { PullRequestState } from '../../../../shared/domain/forge-state';
import { materialiseRepo, readJsonObject } from '../catalog-reader';
import type { Progress } from '../catalog-types';
import { verifyCatalog } from '../catalog-verifier';
import { detectBackup, openImportedBackup } from './import-backup';
import {
  fingerprintTree,
  fixtureGit,
  fixtureToken,
  headsAndTags,
  makeGitFolder,
  makePythonGithubBackup,
  makeUpstream,
  setWritable,
} from './import-fixtures';
import type { ImportedBackup } from './imported-snapshot';

// Real git, real files: backups made the way python-github-backup and `git bundle` make
// them, imported read-only (the folders are chmod -R a-w while they are read).
let scratch: string;
let upstream: string;
let pgb: string;
let bundles: string;

function progress(signal = new AbortController().signal) {
  const reports: Array<{ done: number; total: number | null; message?: string }> = [];
  const value: Progress = {
    signal,
    report: (done, total, message) => reports.push({ done, total, message }),
  };
  return { value, reports };
}

async function streamBytes(imported: ImportedBackup, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await imported.store.stream(key)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-importers-'));
  upstream = await makeUpstream(scratch);
  pgb = await makePythonGithubBackup(scratch, upstream);
  bundles = await makeGitFolder(scratch, upstream);
}, 60_000);

afterAll(async () => {
  await setWritable(scratch, true);
  await rm(scratch, { recursive: true, force: true });
});

describe('detectBackup', () => {
  it('tells the layouts apart and answers null for anything else', async () => {
    expect(await detectBackup(pgb)).toBe('python-github-backup');
    expect(await detectBackup(bundles)).toBe('git-bundles');
    const mirrors = path.join(scratch, 'mirrors');
    await mkdir(mirrors);
    fixtureGit(['clone', '--quiet', '--mirror', upstream, path.join(mirrors, 'one.git')]);
    expect(await detectBackup(mirrors)).toBe('git-mirrors');
    const empty = path.join(scratch, 'empty');
    await mkdir(empty);
    expect(await detectBackup(empty)).toBeNull();
    expect(await detectBackup(path.join(scratch, 'nowhere'))).toBeNull();
    expect(
      await detectBackup(path.join(pgb, 'repositories', 'widgets', 'pulls', '1.json')),
    ).toBeNull();
  });
});

describe('python-github-backup import', () => {
  let imported: ImportedBackup;
  let before: Map<string, string>;

  beforeAll(async () => {
    await setWritable(pgb, false);
    before = await fingerprintTree(pgb);
    const { value } = progress();
    imported = await openImportedBackup(pgb, value);
  }, 60_000);

  afterAll(async () => {
    await imported.dispose();
    await setWritable(pgb, true);
  });

  it('leaves the backup byte-for-byte untouched (read-only while imported)', async () => {
    expect(await fingerprintTree(pgb)).toEqual(before);
  });

  it('is one unsigned snapshot of both repositories, with the source named', () => {
    expect(imported.format).toBe('python-github-backup');
    expect(imported.catalog.keyTrust).toBe('unsigned');
    expect(imported.catalog.identity).toBeNull();
    expect(imported.catalog.worm).toBe(false);
    expect(imported.catalog.snapshots).toHaveLength(1);
    const [summary] = imported.catalog.snapshots;
    expect(summary?.trust).toBe('unsigned');
    expect(summary?.scope).toEqual(['acme/gadgets', 'acme/widgets']);
    expect(imported.manifest.source).toEqual({
      kind: 'import',
      format: 'python-github-backup',
      path: pgb,
    });
    expect(imported.catalog.warnings.join('\n')).toMatch(/unsigned/);
    expect(imported.catalog.warnings.join('\n')).toMatch(/variables, secrets and environments/);
    expect(imported.catalog.warnings.join('\n')).toMatch(/reviews: not in 1 of 2/);
    expect(imported.catalog.warnings.join('\n')).toMatch(/starred/);
  });

  it("takes the provider's branches and tags from a working clone and from a mirror", () => {
    const expected = headsAndTags(upstream);
    const byName = new Map(imported.manifest.repos.map((repo) => [repo.summary.name, repo]));
    expect(byName.get('widgets')?.refs).toEqual(expected);
    expect(byName.get('gadgets')?.refs).toEqual(expected);
    expect(byName.get('widgets')?.summary).toMatchObject({
      owner: 'acme',
      id: 4242,
      private: true,
      defaultBranch: 'main',
      description: 'Widgets for everyone',
    });
    expect(byName.get('gadgets')?.summary.owner).toBe('acme');
    expect(imported.catalog.warnings.join('\n')).toContain('gadgets:refs/pull/1/head');
  });

  it('never carries the token from the clone’s remote URL', async () => {
    const text = new TextDecoder().decode(await imported.store.read(manifestKey(1)));
    expect(text).not.toContain(fixtureToken);
    expect(JSON.stringify(imported.catalog)).not.toContain(fixtureToken);
  });

  it('maps pull requests with reviews, comments and review comments', async () => {
    const widgets = imported.manifest.repos.find((repo) => repo.summary.name === 'widgets');
    expect(widgets?.pulls.map((pull) => pull.number)).toEqual([1, 2]);
    const first = widgets?.pulls[0];
    if (!first) throw new Error('no pull 1');
    const pull = PullRequestState.parse(
      JSON.parse(new TextDecoder().decode(await imported.store.read(objectKey(first.object)))),
    );
    const headSha = fixtureGit(['rev-parse', 'feature'], upstream).trim();
    expect(pull).toMatchObject({
      number: 1,
      title: 'Add feature #1',
      body: 'Adds **feature**.',
      state: 'open',
      merged: false,
      draft: false,
      author: 'ada',
      base: { ref: 'main' },
      head: { ref: 'feature', sha: headSha, repo: 'acme/widgets' },
      labels: ['enhancement'],
      requestedReviewers: ['grace'],
      reviews: [{ id: 401, author: 'grace', state: 'APPROVED', commitId: headSha }],
      comments: [{ id: 501, author: 'grace', body: 'Looks fine overall' }],
      reviewComments: [
        { id: 301, path: 'feature.txt', line: 1, inReplyToId: null },
        { id: 302, line: null, inReplyToId: 301 },
      ],
      closedAt: null,
    });
    const second = widgets?.pulls[1];
    if (!second) throw new Error('no pull 2');
    const merged = PullRequestState.parse(
      JSON.parse(new TextDecoder().decode(await imported.store.read(objectKey(second.object)))),
    );
    expect(merged).toMatchObject({
      state: 'closed',
      merged: true,
      draft: true,
      body: '',
      reviews: [],
    });
  });

  it('reports the malformed pull file with where it breaks, and imports the rest', () => {
    const problem = imported.catalog.problems.find((entry) =>
      entry.object.endsWith('pulls/3.json'),
    );
    expect(problem?.object).toBe('repositories/widgets/pulls/3.json');
    expect(problem?.problem).toBe(
      'not valid JSON at the end (truncated?) (position 40): Unterminated string',
    );
    expect(imported.catalog.snapshots[0]?.problems.join('\n')).toContain('pulls/3.json');
  });

  it('serves every listed object under its key, hashing to its name, and the manifest without a signature', async () => {
    const manifestBytes = await imported.store.read(manifestKey(1));
    const parsed = parseManifest(manifestBytes);
    expect(parsed.ok).toBe(true);
    expect(await imported.store.size(signatureKey(1))).toBeNull();
    const kinds = new Set<string>();
    for (const object of imported.manifest.objects) {
      const bytes = await streamBytes(imported, objectKey(object.id));
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(object.id);
      expect(bytes.byteLength).toBe(object.size);
      kinds.add(object.kind);
    }
    expect([...kinds].sort()).toEqual(['git-bundle', 'imported-file', 'pull']);
    const listed: string[] = [];
    for await (const entry of imported.store.list('objects/')) listed.push(entry.key);
    expect(listed.map(idOfObjectKey).sort()).toEqual(imported.manifest.objects.map((o) => o.id));
  });

  it("bundles each repository's refs under the provider's names, outside the backup", async () => {
    for (const repo of imported.manifest.repos) {
      expect(repo.git.bundles).toHaveLength(1);
      const [bundleId] = repo.git.bundles;
      if (!bundleId) throw new Error('no bundle');
      const file = path.join(scratch, `${repo.summary.name}-check.bundle`);
      await writeFile(file, await imported.store.read(objectKey(bundleId)));
      const clone = path.join(scratch, `${repo.summary.name}-check.git`);
      fixtureGit(['init', '--quiet', '--bare', clone]);
      fixtureGit(['fetch', '--quiet', file, '+refs/*:refs/*'], clone);
      expect(headsAndTags(clone)).toEqual(repo.refs);
      fixtureGit(['fsck', '--no-dangling'], clone);
    }
  });
});

describe('the catalog core on an import, unchanged', () => {
  let imported: ImportedBackup;

  beforeAll(async () => {
    await setWritable(pgb, false);
    imported = await openImportedBackup(pgb, progress().value);
  }, 60_000);

  afterAll(async () => {
    await imported.dispose();
    await setWritable(pgb, true);
  });

  it('materialiseRepo builds each repository with exactly its refs', async () => {
    const cache = await mkdtemp(path.join(scratch, 'materialised-'));
    for (const repo of imported.manifest.repos) {
      const gitDir = await materialiseRepo(
        imported.store,
        imported.manifest,
        repo.summary.owner,
        repo.summary.name,
        cache,
      );
      expect(headsAndTags(gitDir)).toEqual(headsAndTags(upstream));
      expect(fixtureGit(['symbolic-ref', 'HEAD'], gitDir).trim()).toBe('refs/heads/main');
    }
  });

  it('readJsonObject reads the pull objects, checked against their names', async () => {
    const widgets = imported.manifest.repos.find((repo) => repo.summary.name === 'widgets');
    const first = widgets?.pulls[0];
    if (!first) throw new Error('no pull');
    const pull = await readJsonObject(imported.store, first.object, PullRequestState);
    expect(pull.title).toBe('Add feature #1');
  });

  it('verifyCatalog full finds nothing wrong but the identity and signature an import lacks', async () => {
    const report = await verifyCatalog(
      imported.store,
      { kind: 'trust-on-first-use' },
      'full',
      progress().value,
    );
    expect(report.problems.map((problem) => problem.object).sort()).toEqual([
      'bulkhead-catalog.json',
      signatureKey(1),
    ]);
    expect(report.objects).toBe(imported.manifest.objects.length);
  });
});

describe('git bundles and mirrors import', () => {
  let imported: ImportedBackup;
  let before: Map<string, string>;

  beforeAll(async () => {
    await setWritable(bundles, false);
    before = await fingerprintTree(bundles);
    imported = await openImportedBackup(bundles, progress().value);
  }, 60_000);

  afterAll(async () => {
    await imported.dispose();
    await setWritable(bundles, true);
  });

  it('imports each bundle and mirror, owners from folders, and leaves the folder untouched', async () => {
    expect(await fingerprintTree(bundles)).toEqual(before);
    expect(imported.manifest.source).toMatchObject({ format: 'git-bundles' });
    expect(imported.catalog.snapshots[0]?.scope).toEqual([
      'acme/tools',
      'unknown/gadgets',
      'unknown/widgets',
    ]);
    const expected = headsAndTags(upstream);
    for (const repo of imported.manifest.repos) expect(repo.refs).toEqual(expected);
    expect(imported.catalog.problems).toEqual([]);
    expect(imported.catalog.warnings.join('\n')).toMatch(/git data only/);
  });

  it('serves a clean bundle from its own file, and rebuilds one holding refs/pull/*', async () => {
    const tools = imported.manifest.repos.find((repo) => repo.summary.name === 'tools');
    const widgets = imported.manifest.repos.find((repo) => repo.summary.name === 'widgets');
    const fileHash = (file: string) =>
      `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
    expect(tools?.git.bundles[0]).toBe(fileHash(path.join(bundles, 'acme', 'tools.bundle')));
    expect(widgets?.git.bundles[0]).not.toBe(fileHash(path.join(bundles, 'widgets.bundle')));
    const listHeads = fixtureGit(['bundle', 'list-heads', path.join(bundles, 'widgets.bundle')]);
    expect(listHeads).toContain('refs/pull/1/head');
  });
});

describe('a backup changed after its import', () => {
  it('is caught by full verification, naming the object', async () => {
    const imported = await openImportedBackup(pgb, progress().value);
    const file = path.join(pgb, 'repositories', 'widgets', 'issues', '4.json');
    const original = readFileSync(file);
    try {
      const id = `sha256:${createHash('sha256').update(original).digest('hex')}` as const;
      expect(imported.manifest.objects).toContainEqual({
        id,
        size: original.byteLength,
        kind: 'imported-file',
      });
      const flipped = Buffer.from(original);
      flipped[10] = (flipped[10] ?? 0) ^ 0x01;
      await writeFile(file, flipped);
      const report = await verifyCatalog(
        imported.store,
        { kind: 'trust-on-first-use' },
        'full',
        progress().value,
      );
      expect(report.problems).toContainEqual({
        object: objectKey(id),
        problem: expect.stringMatching(/content hashes to sha256:[0-9a-f]{64}, not its name/),
      });
    } finally {
      await writeFile(file, original);
      await imported.dispose();
    }
  });
});

describe('import robustness', () => {
  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(openImportedBackup(pgb, progress(controller.signal).value)).rejects.toThrow();
  });

  it('refuses a folder that is no backup, and a missing one, by name', async () => {
    const empty = await mkdtemp(path.join(scratch, 'none-'));
    await expect(openImportedBackup(empty, progress().value)).rejects.toThrow(
      /not a backup Bulkhead can import/,
    );
    await expect(
      openImportedBackup(path.join(scratch, 'missing'), progress().value),
    ).rejects.toThrow(/no such folder/);
  });

  it('reports progress per repository', async () => {
    const { value, reports } = progress();
    const imported = await openImportedBackup(pgb, value);
    await imported.dispose();
    expect(reports.map((report) => report.message)).toContain('repositories/widgets');
    expect(reports.at(-1)).toMatchObject({ done: 2, total: 2 });
  });

  it('survives random pull files and random trees without throwing', async () => {
    const json = fc.oneof(
      fc.json(),
      fc.string(),
      fc
        .record({
          number: fc.oneof(fc.integer(), fc.string()),
          state: fc.constantFrom('open', 'closed', 'merged', 3),
          base: fc.oneof(fc.constant(null), fc.record({ ref: fc.string(), sha: fc.string() })),
          head: fc.oneof(fc.constant(null), fc.record({ ref: fc.string(), sha: fc.string() })),
          review_data: fc.array(fc.anything(), { maxLength: 3 }),
          comment_data: fc.anything(),
        })
        .map((value) => JSON.stringify(value)),
    );
    const tree = fc.array(
      fc.record({
        folder: fc.constantFrom('pulls', 'issues', 'labels', 'hooks', 'repository', 'milestones'),
        name: fc.oneof(
          fc.integer({ min: 0, max: 99 }).map((n) => `${n}.json`),
          fc.stringMatching(/^[a-z0-9_.-]{1,12}$/),
        ),
        content: json,
      }),
      { minLength: 1, maxLength: 8 },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(tree, async (files) => {
        run += 1;
        const root = path.join(scratch, `fuzz-${run}`);
        const repoDir = path.join(root, 'repositories', 'thing');
        for (const file of files) {
          const dir = path.join(repoDir, file.folder);
          await mkdir(dir, { recursive: true });
          if (file.name === '.' || file.name === '..') continue;
          await writeFile(path.join(dir, file.name), file.content).catch(() => undefined);
        }
        const imported = await openImportedBackup(root, progress().value);
        await imported.dispose();
        const pulls = (await readdir(path.join(repoDir, 'pulls')).catch(() => [])).filter((name) =>
          /^\d+\.json$/.test(name),
        );
        const repo = imported.manifest.repos[0];
        expect((repo?.pulls.length ?? 0) <= pulls.length).toBe(true);
        for (const pull of repo?.pulls ?? []) expect(pull.number).toBeGreaterThan(0);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
