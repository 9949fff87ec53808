import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lostCommitLimit } from '../../../shared/diff/diff-model';
import { gitEnv } from '../git/git-process';
import {
  GitDiffError,
  createGitFacts,
  fileTextDiff,
  refChange,
  treeChanges,
  type GitFileChange,
} from './git-diff';

// Real repositories, written with `git fast-import` (exact history shapes, merges and
// commit times in one process) and answered by native git as the reference.

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-git-diff-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** One commit for {@link buildRepo}: parents by index, file operations on the first parent. */
interface CommitSpec {
  readonly parents: ReadonlyArray<number>;
  readonly time: number;
  readonly message?: string;
  /** path -> content (a regular file), `{ mode, data }`, or null to delete. */
  readonly files?: Readonly<Record<string, FileSpec | null>>;
}

type FileSpec = string | Buffer | { readonly mode: string; readonly data: string | Buffer };

let repoCount = 0;

/** Runs native git synchronously with binary input; throws with its stderr. */
function git(args: ReadonlyArray<string>, input?: Buffer): string {
  const result = spawnSync('git', [...args], { input, env: gitEnv(), maxBuffer: 1 << 28 });
  if (result.status !== 0) {
    throw new Error(`git ${args.join(' ')}: ${result.stderr.toString()}`);
  }
  return result.stdout.toString('utf8');
}

/** A bare repository holding `commits`; answers its folder and each commit's sha. */
async function buildRepo(
  commits: ReadonlyArray<CommitSpec>,
  options: { readonly pack?: boolean } = {},
): Promise<{ dir: string; shas: string[] }> {
  const dir = path.join(root, `repo-${++repoCount}.git`);
  git(['init', '--bare', '--quiet', dir]);
  const parts: Buffer[] = [];
  const text = (s: string) => parts.push(Buffer.from(s, 'utf8'));
  const data = (content: string | Buffer) => {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    text(`data ${bytes.length}\n`);
    parts.push(bytes);
    text('\n');
  };
  commits.forEach((commit, i) => {
    text(`commit refs/heads/c${i}\nmark :${i + 1}\n`);
    text(`author Ann Example <ann@example.com> ${commit.time} +0000\n`);
    text(`committer Ann Example <ann@example.com> ${commit.time} +0000\n`);
    data(commit.message ?? `commit ${i}\n\nbody of ${i}\n`);
    commit.parents.forEach((p, k) => text(`${k === 0 ? 'from' : 'merge'} :${p + 1}\n`));
    for (const [file, spec] of Object.entries(commit.files ?? {})) {
      if (spec === null) {
        text(`D ${file}\n`);
        continue;
      }
      const { mode, data: content } =
        typeof spec === 'string' || Buffer.isBuffer(spec) ? { mode: '100644', data: spec } : spec;
      if (mode === '160000') {
        text(`M 160000 ${String(content)} ${file}\n`);
      } else {
        text(`M ${mode} inline ${file}\n`);
        data(content);
      }
    }
    text('\n');
  });
  const marks = path.join(root, `marks-${repoCount}`);
  git(
    ['--git-dir', dir, 'fast-import', '--quiet', `--export-marks=${marks}`],
    Buffer.concat(parts),
  );
  const shas: string[] = [];
  for (const line of (await readFile(marks, 'utf8')).split('\n')) {
    const match = /^:(\d+) ([0-9a-f]{40})$/.exec(line);
    if (match) shas[Number(match[1]) - 1] = match[2]!;
  }
  if (options.pack === false) {
    // fast-import always writes a pack; unpack it so loose objects are read too.
    const packDir = path.join(dir, 'objects', 'pack');
    for (const name of await readdir(packDir)) {
      const moved = path.join(root, `${repoCount}-${name}`);
      await rename(path.join(packDir, name), moved);
      if (name.endsWith('.pack'))
        git(['--git-dir', dir, 'unpack-objects', '-q'], await readFile(moved));
    }
  }
  return { dir, shas };
}

async function revList(dir: string, args: ReadonlyArray<string>): Promise<string[]> {
  const out = git(['--git-dir', dir, 'rev-list', ...args]);
  return out.split('\n').filter((line) => line !== '');
}

/** `git diff --raw -r --no-renames -z`, parsed into our shape. */
async function nativeDiff(dir: string, a: string, b: string): Promise<GitFileChange[]> {
  const out = git([
    '--git-dir',
    dir,
    'diff',
    '--raw',
    '-r',
    '--no-renames',
    '--no-abbrev',
    '-z',
    a,
    b,
  ]);
  const fields = out.split('\0');
  const changes: GitFileChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [oldMode, newMode, oldOid, newOid, status] = fields[i]!.slice(1).split(' ');
    const file = fields[i + 1]!;
    const zero = (oid: string | undefined) => (oid === undefined || /^0+$/.test(oid) ? null : oid);
    const mode = (m: string | undefined) => (m === undefined || m === '000000' ? null : m);
    changes.push({
      path: file,
      status:
        status === 'A'
          ? 'added'
          : status === 'D'
            ? 'deleted'
            : status === 'T'
              ? 'type-changed'
              : 'modified',
      oldOid: zero(oldOid),
      newOid: zero(newOid),
      oldMode: mode(oldMode),
      newMode: mode(newMode),
    });
  }
  return changes;
}

/** A seeded generator (mulberry32), so a failing history can be replayed. */
function random(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const t0 = 1_700_000_000;

describe('refChange', () => {
  it('a fast-forward loses nothing', async () => {
    const { dir, shas } = await buildRepo([
      { parents: [], time: t0, files: { a: '1' } },
      { parents: [0], time: t0 + 10, files: { a: '2' } },
      { parents: [1], time: t0 + 20, files: { a: '3' } },
    ]);
    expect(await refChange(dir, shas[0]!, shas[2]!)).toEqual({
      forced: false,
      lostCount: 0,
      lost: [],
    });
    expect(await refChange(dir, shas[2]!, shas[2]!)).toEqual({
      forced: false,
      lostCount: 0,
      lost: [],
    });
  });

  it('a force-push lists what it lost, newest first, with message, author and time', async () => {
    const { dir, shas } = await buildRepo([
      { parents: [], time: t0, files: { a: '1' } },
      { parents: [0], time: t0 + 10, message: 'add feature\n\nlong text\n', files: { a: '2' } },
      { parents: [1], time: t0 + 20, message: 'fix feature\n', files: { a: '3' } },
      { parents: [0], time: t0 + 30, message: 'rewrite\n', files: { a: 'x' } },
    ]);
    const facts = await refChange(dir, shas[2]!, shas[3]!);
    expect(facts).toEqual({
      forced: true,
      lostCount: 2,
      lost: [
        {
          sha: shas[2],
          message: 'fix feature',
          author: 'Ann Example <ann@example.com>',
          time: (t0 + 20) * 1000,
        },
        {
          sha: shas[1],
          message: 'add feature',
          author: 'Ann Example <ann@example.com>',
          time: (t0 + 10) * 1000,
        },
      ],
    });
    // Going back (a reset to an ancestor) is forced too: the newer commits are lost.
    expect((await refChange(dir, shas[2]!, shas[0]!)).lostCount).toBe(2);
  });

  it('a deleted ref (current all zeros) loses everything the baseline reaches', async () => {
    const { dir, shas } = await buildRepo([
      { parents: [], time: t0, files: { a: '1' } },
      { parents: [0], time: t0 + 10, files: { a: '2' } },
    ]);
    const facts = await refChange(dir, shas[1]!, '0'.repeat(40));
    expect(facts.forced).toBe(true);
    expect(facts.lost.map((c) => c.sha)).toEqual([shas[1], shas[0]]);
  });

  it('lists at most the first 200 lost commits but counts them all', async () => {
    const commits: CommitSpec[] = [{ parents: [], time: t0, files: { a: '0' } }];
    for (let i = 1; i <= 260; i++)
      commits.push({ parents: [i - 1], time: t0 + i, files: { a: String(i) } });
    commits.push({ parents: [0], time: t0 + 1000, files: { a: 'new' } });
    const { dir, shas } = await buildRepo(commits);
    const facts = await refChange(dir, shas[260]!, shas[261]!);
    expect(facts.lostCount).toBe(260);
    expect(facts.lost).toHaveLength(lostCommitLimit);
    expect(facts.lost[0]!.sha).toBe(shas[260]);
    expect(facts.lost.map((c) => c.sha)).toEqual(
      (await revList(dir, [shas[260]!, `^${shas[261]!}`])).slice(0, 200),
    );
  });

  it('equals git rev-list base ^current over random histories with merges', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const next = random(seed);
      const commits: CommitSpec[] = [];
      let time = t0;
      for (let i = 0; i < 120; i++) {
        // Several commits per second, as scripts and rebases make them: ties in time; for
        // seeds 3 and 6 every commit has the same time, so only the graph can decide.
        if (seed % 3 !== 0 && next() < 0.5) time += 1 + Math.floor(next() * 3);
        const parents: number[] = [];
        if (i > 0) {
          parents.push(Math.max(0, i - 1 - Math.floor(next() * next() * 20)));
          if (i > 4 && next() < 0.25) {
            const other = Math.floor(next() * i);
            if (other !== parents[0]) parents.push(other);
          }
        }
        commits.push({ parents, time, files: { [`f${Math.floor(next() * 10)}`]: `${i}` } });
      }
      const { dir, shas } = await buildRepo(commits, { pack: seed % 2 === 0 });
      for (let k = 0; k < 8; k++) {
        const base = shas[Math.floor(next() * shas.length)]!;
        const current = shas[Math.floor(next() * shas.length)]!;
        const expected = await revList(dir, [base, `^${current}`]);
        const facts = await refChange(dir, base, current, { clockSkewSeconds: 0 });
        expect
          .soft(new Set(facts.lost.map((c) => c.sha)), `seed ${seed} ${base}..${current}`)
          .toEqual(new Set(expected));
        expect(facts.lostCount, `seed ${seed} ${base} ^${current}`).toBe(expected.length);
        expect(facts.forced).toBe(expected.length > 0);
      }
    }
  });

  it('stays exact when commit times run backwards within the allowed skew', async () => {
    // The current side reaches the shared history only through a commit dated an hour
    // before its parents; a walk that trusted commit times to the second would stop early
    // and call the shared commits lost.
    const { dir, shas } = await buildRepo([
      { parents: [], time: t0, files: { a: '0' } },
      { parents: [0], time: t0 + 100, files: { a: '1' } },
      { parents: [1], time: t0 + 200, files: { a: 'lost' } },
      { parents: [1], time: t0 + 100 - 3600, files: { a: 'skewed' } },
      { parents: [3], time: t0 + 300, files: { a: 'new' } },
    ]);
    const facts = await refChange(dir, shas[2]!, shas[4]!);
    const all = new Set(await revList(dir, [shas[2]!]));
    for (const sha of await revList(dir, [shas[4]!])) all.delete(sha);
    expect(facts.lost.map((c) => c.sha)).toEqual([...all]);
    expect(facts.lostCount).toBe(1);
  });

  it('names the repository and commit when a commit is missing, and stops when cancelled', async () => {
    const { dir, shas } = await buildRepo([{ parents: [], time: t0, files: { a: '1' } }]);
    const missing = 'f'.repeat(40);
    const error = await refChange(dir, missing, shas[0]!, { repo: 'acme/api' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GitDiffError);
    expect((error as GitDiffError).message).toContain('acme/api');
    expect((error as GitDiffError).message).toContain(missing);
    expect((error as GitDiffError).code).toBe('not_found');
    await expect(refChange(dir, 'main', shas[0]!)).rejects.toThrow(/not a full commit id/);
    const controller = new AbortController();
    controller.abort();
    await expect(
      refChange(dir, shas[0]!, shas[0]!, { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('cancellation', () => {
  it('stops a walk and a tree diff already under way', async () => {
    const commits: CommitSpec[] = [{ parents: [], time: t0, files: { a: '0' } }];
    for (let i = 1; i <= 600; i++) {
      commits.push({ parents: [i - 1], time: t0 + i, files: { [`d${i % 100}/f`]: String(i) } });
    }
    commits.push({ parents: [0], time: t0 + 1000, files: { a: 'new' } });
    const { dir, shas } = await buildRepo(commits);
    const walking = new AbortController();
    const walk = refChange(dir, shas[600]!, shas[601]!, { signal: walking.signal });
    walking.abort(); // after the walk began: only its checks between steps can see it
    await expect(walk).rejects.toMatchObject({ code: 'cancelled' });
    const diffing = new AbortController();
    const diff = treeChanges(dir, shas[0]!, shas[600]!, { signal: diffing.signal });
    diffing.abort();
    await expect(diff).rejects.toMatchObject({ code: 'cancelled' });
    // Uncancelled, the same questions are answered.
    expect((await refChange(dir, shas[600]!, shas[601]!)).lostCount).toBe(600);
    expect(await treeChanges(dir, shas[0]!, shas[600]!)).toHaveLength(100);
  });
});

describe('treeChanges', () => {
  it('equals git diff --raw -r: adds, deletes, modes, types, nested folders, renames', async () => {
    const { dir, shas } = await buildRepo([
      {
        parents: [],
        time: t0,
        files: {
          'README.md': 'hello\n',
          'src/app.ts': 'app\n',
          'src/lib/util.ts': 'util\n',
          'src/lib/deep/x.ts': 'x\n',
          'same/one.txt': 'untouched\n',
          'run.sh': 'echo\n',
          link: { mode: '120000', data: 'README.md' },
          'file-then-dir': 'file\n',
          'dir-then-file/inner.txt': 'inner\n',
          'old-name.txt': 'moved content\n',
          'to-link': 'plain\n',
          sub: { mode: '160000', data: '1'.repeat(40) },
          'a-b': 'sorts after a/ in git order\n',
          'a/c': 'inside a\n',
        },
      },
      {
        parents: [0],
        time: t0 + 10,
        files: {
          'README.md': 'hello again\n',
          'src/lib/util.ts': null,
          'src/lib/deep/x.ts': 'x2\n',
          'src/new/added.ts': 'added\n',
          'run.sh': { mode: '100755', data: 'echo\n' },
          link: { mode: '120000', data: 'elsewhere' },
          'file-then-dir': null,
          'file-then-dir/now.txt': 'now a folder\n',
          'dir-then-file/inner.txt': null,
          'dir-then-file': 'now a file\n',
          'old-name.txt': null,
          'new-name.txt': 'moved content\n',
          'to-link': { mode: '120000', data: 'README.md' },
          sub: { mode: '160000', data: '2'.repeat(40) },
          'a/c': 'changed\n',
          'a-b': 'also changed\n',
        },
      },
    ]);
    const expected = await nativeDiff(dir, shas[0]!, shas[1]!);
    const ours = await treeChanges(dir, shas[0]!, shas[1]!);
    expect(ours).toEqual(expected);
    // The cases this repository exists for are all there.
    const byPath = new Map(ours.map((c) => [c.path, c]));
    expect(byPath.get('run.sh')).toMatchObject({
      status: 'modified',
      oldMode: '100644',
      newMode: '100755',
    });
    expect(byPath.get('to-link')).toMatchObject({ status: 'type-changed' });
    expect(byPath.get('file-then-dir')).toMatchObject({ status: 'deleted' });
    expect(byPath.get('file-then-dir/now.txt')).toMatchObject({ status: 'added' });
    expect(byPath.get('old-name.txt')).toMatchObject({ status: 'deleted' });
    expect(byPath.get('new-name.txt')).toMatchObject({ status: 'added' });
    expect(byPath.get('sub')).toMatchObject({ status: 'modified', newOid: '2'.repeat(40) });
    expect(byPath.has('same/one.txt')).toBe(false);
    // And the reverse direction.
    expect(await treeChanges(dir, shas[1]!, shas[0]!)).toEqual(
      await nativeDiff(dir, shas[1]!, shas[0]!),
    );
    expect(await treeChanges(dir, shas[1]!, shas[1]!)).toEqual([]);
  });

  it('equals git diff --raw -r over random trees', async () => {
    const next = random(42);
    const names = ['a', 'b', 'a-b', 'a.b', 'z', 'ä', 'dir'];
    const pathOf = (depth: number): string =>
      Array.from({ length: depth }, () => names[Math.floor(next() * names.length)]!).join('/');
    const commits: CommitSpec[] = [];
    const present = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const files: Record<string, FileSpec | null> = {};
      for (let k = 0; k < 12; k++) {
        const file = pathOf(1 + Math.floor(next() * 3));
        // fast-import refuses a file under a path that is a file, and the reverse is a
        // replacement: delete whatever is in the way first.
        for (const other of [...present]) {
          if (other.startsWith(`${file}/`) || file.startsWith(`${other}/`)) {
            files[other] = null;
            present.delete(other);
          }
        }
        const roll = next();
        if (roll < 0.2 && present.has(file)) {
          files[file] = null;
          present.delete(file);
        } else {
          const mode = roll < 0.3 ? '100755' : roll < 0.35 ? '120000' : '100644';
          files[file] = { mode, data: `${i}-${k}-${Math.floor(next() * 3)}` };
          present.add(file);
        }
      }
      commits.push({ parents: i === 0 ? [] : [i - 1], time: t0 + i, files });
    }
    const { dir, shas } = await buildRepo(commits);
    for (let k = 0; k < 20; k++) {
      const a = shas[Math.floor(next() * shas.length)]!;
      const b = shas[Math.floor(next() * shas.length)]!;
      expect(await treeChanges(dir, a, b), `${a}..${b}`).toEqual(await nativeDiff(dir, a, b));
    }
  });

  it('never reads a subtree whose id is the same on both sides', async () => {
    const files: Record<string, string> = { 'top.txt': '1' };
    for (let i = 0; i < 50; i++) files[`big/f${i}`] = String(i);
    const { dir, shas } = await buildRepo(
      [
        { parents: [], time: t0, files },
        { parents: [0], time: t0 + 1, files: { 'top.txt': '2' } },
      ],
      { pack: false },
    );
    const bigTree = git(['--git-dir', dir, 'rev-parse', `${shas[0]!}:big`]).trim();
    // Remove the shared subtree's object: a diff that read it would fail.
    await unlink(path.join(dir, 'objects', bigTree.slice(0, 2), bigTree.slice(2)));
    expect(await treeChanges(dir, shas[0]!, shas[1]!)).toEqual([
      {
        path: 'top.txt',
        status: 'modified',
        oldOid: expect.any(String),
        newOid: expect.any(String),
        oldMode: '100644',
        newMode: '100644',
      },
    ]);
    await expect(treeChanges(dir, shas[0]!, 'e'.repeat(40), { repo: 'acme/api' })).rejects.toThrow(
      /acme\/api commit e{40}/,
    );
  });
});

describe('fileTextDiff', () => {
  it('diffs a modified text file as a unified diff', async () => {
    const { dir, shas } = await buildRepo([
      { parents: [], time: t0, files: { 'src/a.txt': 'one\ntwo\nthree\nfour\n' } },
      { parents: [0], time: t0 + 1, files: { 'src/a.txt': 'one\n2\nthree\nfour\nfive\n' } },
    ]);
    const diff = await fileTextDiff(dir, shas[0]!, shas[1]!, 'src/a.txt');
    expect(diff).toMatchObject({ kind: 'text', path: 'src/a.txt', added: 2, removed: 1 });
    if (diff.kind !== 'text') throw new Error('not text');
    expect(diff.patch).toContain('--- a/src/a.txt');
    expect(diff.patch).toContain('+++ b/src/a.txt');
    expect(diff.patch).toContain('-two\n+2\n');
    expect(diff.patch).toContain('+five\n');
  });

  it('detects a binary file and does not diff it', async () => {
    const { dir, shas } = await buildRepo([
      {
        parents: [],
        time: t0,
        files: { 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]) },
      },
      {
        parents: [0],
        time: t0 + 1,
        files: { 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 9]) },
      },
    ]);
    expect(await fileTextDiff(dir, shas[0]!, shas[1]!, 'logo.png')).toMatchObject({
      kind: 'binary',
      oldSize: 7,
      newSize: 8,
    });
  });

  it('shows an added file against nothing, caps large files, and names a missing path', async () => {
    const big = 'line\n'.repeat(300_000);
    const { dir, shas } = await buildRepo([
      { parents: [], time: t0, files: { 'a.txt': 'a\n', 'big.txt': big } },
      {
        parents: [0],
        time: t0 + 1,
        files: { 'a.txt': null, 'b.txt': 'b\n', 'big.txt': `${big}more\n` },
      },
    ]);
    const added = await fileTextDiff(dir, shas[0]!, shas[1]!, 'b.txt');
    expect(added).toMatchObject({ kind: 'text', oldOid: null, added: 1, removed: 0 });
    expect(added.kind === 'text' && added.patch).toContain('--- /dev/null');
    const large = await fileTextDiff(dir, shas[0]!, shas[1]!, 'big.txt', { maxBytes: 1024 * 1024 });
    expect(large).toMatchObject({ kind: 'too-large' });
    expect(large.kind === 'too-large' && large.note).toMatch(/1 MiB/);
    expect(await fileTextDiff(dir, shas[0]!, shas[1]!, 'a.txt')).toMatchObject({
      kind: 'text',
      newOid: null,
      removed: 1,
    });
    await expect(
      fileTextDiff(dir, shas[0]!, shas[1]!, 'nope.txt', { repo: 'acme/api' }),
    ).rejects.toThrow(/acme\/api.*nope\.txt/);
  });
});

describe('createGitFacts', () => {
  it('answers the diff engine for a named repository through one cache', async () => {
    const { dir, shas } = await buildRepo([
      { parents: [], time: t0, files: { a: '1' } },
      { parents: [0], time: t0 + 1, files: { a: '2', b: 'x' } },
      { parents: [0], time: t0 + 2, files: { a: '3' } },
    ]);
    const facts = createGitFacts((repo) => (repo === 'acme/api' ? dir : '/nowhere'));
    expect(await facts.refChange('acme/api', 'refs/heads/main', shas[1]!, shas[2]!)).toMatchObject({
      forced: true,
      lostCount: 1,
    });
    expect(
      (await facts.treeChanges('acme/api', shas[1]!, shas[2]!)).map((c) => [c.path, c.status]),
    ).toEqual([
      ['a', 'modified'],
      ['b', 'deleted'],
    ]);
    await expect(facts.treeChanges('acme/web', shas[1]!, shas[2]!)).rejects.toThrow(/acme\/web/);
  });
});

describe('a comparison repository (alternates + native fetch, as diff-gather makes it)', () => {
  it('reads the baseline through alternates and the live objects fetched beside them', async () => {
    const snapshot = await buildRepo([
      { parents: [], time: t0, files: { 'a.txt': 'a\n', 'dir/b.txt': 'b\n' } },
      { parents: [0], time: t0 + 10, files: { 'a.txt': 'a1\n' } },
      { parents: [1], time: t0 + 20, message: 'lost two\n', files: { 'dir/b.txt': 'b2\n' } },
      { parents: [2], time: t0 + 30, message: 'lost three\n', files: { 'c.txt': 'c\n' } },
    ]);
    const [c0, c1, c2, c3] = snapshot.shas as [string, string, string, string];
    // The live repository: main force-pushed from c3 back to c1 plus one new commit, so c2
    // and c3 exist only in the snapshot.
    const live = path.join(root, 'live.git');
    git(['init', '--bare', '--quiet', live]);
    git(['--git-dir', live, 'fetch', '--quiet', snapshot.dir, `${c1}:refs/heads/main`]);
    const stream = [
      'commit refs/heads/main',
      'committer Mallory <m@example.com> 1700000100 +0000',
      'data 6',
      'force',
      `from ${c1}`,
      'M 100644 inline a.txt',
      'data 8',
      'replaced',
      '',
      '',
    ].join('\n');
    git(['--git-dir', live, 'fast-import', '--quiet'], Buffer.from(stream));
    const liveMain = git(['--git-dir', live, 'rev-parse', 'refs/heads/main']).trim();

    const dir = path.join(root, 'compare.git');
    git(['init', '--bare', '--quiet', dir]);
    await writeFile(path.join(dir, 'objects', 'info', 'alternates'), `${snapshot.dir}/objects\n`);
    git(['--git-dir', dir, 'fetch', '--quiet', live, '+refs/heads/*:refs/heads/*']);
    // Only the new commit, its tree and its blob were fetched (loose); the rest is borrowed.
    const counts = git(['--git-dir', dir, 'count-objects', '-v']);
    expect(/^count: (\d+)$/m.exec(counts)?.[1]).toBe('3');
    expect(/^in-pack: (\d+)$/m.exec(counts)?.[1]).toBe('0');

    const facts = await refChange(dir, c3, liveMain);
    expect(facts.forced).toBe(true);
    expect(facts.lost.map((c) => [c.sha, c.message])).toEqual([
      [c3, 'lost three'],
      [c2, 'lost two'],
    ]);
    expect(await refChange(dir, c0, liveMain)).toMatchObject({ forced: false, lostCount: 0 });
    expect(await treeChanges(dir, c3, liveMain)).toEqual(await nativeDiff(dir, c3, liveMain));
    expect(await fileTextDiff(dir, c3, liveMain, 'a.txt')).toMatchObject({
      kind: 'text',
      added: 1,
      removed: 1,
    });
  });
});
