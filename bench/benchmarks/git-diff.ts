import { rmSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { refChange, treeChanges } from '../../electron/services/diff/git-diff';
import { openObjectStore } from '../../electron/services/diff/git-object-store';
import { gitOutput } from '../../electron/services/git/git-process';
import type { Benchmark } from '../harness';

/** Files in the fixture repository, in 20 folders of 4 subfolders of 25 files. */
const fileCount = 2000;
/** Commits on `main` after its root commit: all of them are lost to the force-push. */
const lostCommits = 5000;

interface Fixture {
  readonly dir: string;
  /** main's second commit and its tip: the tree diff's two far-apart commits. */
  readonly early: string;
  readonly tip: string;
  /** What main was force-pushed to: three new commits on the root commit. */
  readonly forced: string;
  /** The root commit. */
  readonly root: string;
}

let fixture: Promise<Fixture> | null = null;

/**
 * The fixture the three benchmarks share, generated once per run and removed at exit.
 *
 * `git fast-import` writes 5,004 commits over 2,000 files in a few seconds; the pack is
 * then rewritten with `git repack -a -d -f`, so objects are deltified as a fetched or
 * unbundled repository's are (fast-import's own deltas are naive), which is what the diff
 * reads in the product.
 */
function sharedFixture(): Promise<Fixture> {
  fixture ??= makeFixture();
  return fixture;
}

async function makeFixture(): Promise<Fixture> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-bench-git-diff-'));
  process.once('exit', () => rmSync(base, { recursive: true, force: true }));
  const dir = path.join(base, 'repo.git');
  await gitOutput('init the fixture', ['init', '--bare', '--quiet', dir]);

  const next = seeded(7);
  const files = Array.from({ length: fileCount }, (_, i) => {
    const folder = Math.floor(i / 100);
    const sub = Math.floor((i % 100) / 25);
    return `src/module-${folder}/part-${sub}/file-${i % 25}.ts`;
  });
  const body = (file: string, version: number) =>
    Array.from(
      { length: 24 },
      (_, line) => `export const ${file.replace(/\W/g, '_')}_${line} = ${version * 31 + line};\n`,
    ).join('');
  const out: string[] = [];
  const t0 = 1_700_000_000;
  const commit = (mark: number, from: number | null, time: number, changes: string) => {
    const message = `change ${mark}\n`;
    out.push(
      `commit refs/heads/${mark <= lostCommits + 1 ? 'main' : 'forced'}\nmark :${mark}\n`,
      `author Dev <dev@example.com> ${time} +0000\ncommitter Dev <dev@example.com> ${time} +0000\n`,
      `data ${Buffer.byteLength(message)}\n${message}`,
      from === null ? '' : `from :${from}\n`,
      changes,
      '\n',
    );
  };
  const modify = (file: string, version: number) => {
    const data = body(file, version);
    return `M 100644 inline ${file}\ndata ${Buffer.byteLength(data)}\n${data}\n`;
  };
  commit(1, null, t0, files.map((file) => modify(file, 0)).join(''));
  for (let i = 2; i <= lostCommits + 1; i++) {
    let changes = '';
    const touched = 1 + Math.floor(next() * 3);
    for (let k = 0; k < touched; k++) changes += modify(files[Math.floor(next() * fileCount)]!, i);
    commit(i, i - 1, t0 + i * 60, changes);
  }
  for (let i = 1; i <= 3; i++) {
    const mark = lostCommits + 1 + i;
    commit(mark, i === 1 ? 1 : mark - 1, t0 + (lostCommits + 10 + i) * 60, modify(files[i]!, -i));
  }
  const marks = path.join(base, 'marks');
  await gitOutput('write the fixture', ['fast-import', '--quiet', `--export-marks=${marks}`], {
    cwd: dir,
    stdin: out.join(''),
  });
  await gitOutput('repack the fixture', ['repack', '-a', '-d', '-f', '-q'], { cwd: dir });
  const shas = new Map<number, string>();
  for (const line of (await readFile(marks, 'utf8')).split('\n')) {
    const match = /^:(\d+) ([0-9a-f]{40})$/.exec(line);
    if (match) shas.set(Number(match[1]), match[2]!);
  }
  const sha = (mark: number) => shas.get(mark) ?? fail(`fast-import gave no commit for :${mark}`);
  return {
    dir,
    early: sha(2),
    tip: sha(lostCommits + 1),
    forced: sha(lostCommits + 4),
    root: sha(1),
  };
}

function fail(message: string): never {
  throw new Error(message);
}

function seeded(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

let treeState: { fixture: Fixture; changed: number } | null = null;

/** Set-up for both tree diff benchmarks: the fixture, and the peer's answer to check ours by. */
async function treeSetup(): Promise<() => Promise<void>> {
  const made = await sharedFixture();
  treeState = { fixture: made, changed: await nativeTreeDiff(made) };
  return async () => {
    treeState = null;
  };
}

/** One tree diff sample; `warm` reads the pack into the cache first, untimed. */
async function treeSample(warm: boolean): Promise<{ value: number; peer: number }> {
  if (!treeState) throw new Error('tree diff run() before setup()');
  const { fixture: f, changed } = treeState;
  const cache = {};
  if (warm) await (await openObjectStore(f.dir, cache)).read(f.root);
  const start = performance.now();
  const ours = await treeChanges(f.dir, f.early, f.tip, { cache });
  const value = performance.now() - start;
  if (ours.length !== changed) {
    throw new Error(`tree diff found ${ours.length} changed files, git ${changed}`);
  }
  const peerStart = performance.now();
  await nativeTreeDiff(f);
  return { value, peer: performance.now() - peerStart };
}

/**
 * Tree diff of two commits 5,000 commits apart in a 2,000-file repository, as the first
 * question about the repository, against native `git diff --raw -r --no-renames`.
 *
 * A fresh isomorphic-git cache each sample: the pack and its index are read, the pack's
 * checksum verified and its 47k-entry index parsed into a map (most of the time, and
 * paid once per repository per diff run), then the ~1,985 changed files' trees compared.
 * The peer is a whole `git` process, start-up included, which is what the alternative
 * would cost the product. Issue 7's target: within 5x of the peer.
 */
export const gitTreeDiff: Benchmark = {
  name: 'git diff: tree diff 5,000 commits apart, 2,000 files, first read (peer: git diff --raw -r)',
  unit: 'ms',
  better: 'lower',
  target: { ratioOfPeer: 5 },
  warmup: 2,
  samples: 10,
  setup: treeSetup,
  run: () => treeSample(false),
};

/**
 * The same tree diff once the repository's pack is in the cache: every later question
 * about the repository in the same diff run (the `GitFacts` keeps one cache per
 * repository). The trees themselves are read fresh, as a different pair of commits'
 * would be.
 */
export const gitTreeDiffWarm: Benchmark = {
  name: 'git diff: tree diff 5,000 commits apart, 2,000 files, pack cached (peer: git diff --raw -r)',
  unit: 'ms',
  better: 'lower',
  target: { ratioOfPeer: 5 },
  warmup: 2,
  samples: 10,
  setup: treeSetup,
  run: () => treeSample(true),
};

/** Runs the peer and answers how many files it listed. */
async function nativeTreeDiff(f: Fixture): Promise<number> {
  const out = await gitOutput(
    'native tree diff',
    ['diff', '--raw', '-r', '--no-renames', '--no-abbrev', f.early, f.tip],
    { cwd: f.dir },
  );
  return out.split('\n').filter((line) => line !== '').length;
}

let lostState: Fixture | null = null;

/**
 * The lost commits of a 5,000-commit force-push, listed (first 200) and counted.
 *
 * `main`'s tip against what it was force-pushed to: three new commits on the root, so
 * every commit after the root is lost. A fresh cache each sample, as for the first
 * question about a repository. The peer, for scale, is `git rev-list --count tip ^forced`;
 * the target is issue 7's: under a second.
 */
export const gitLostCommits: Benchmark = {
  name: 'git diff: lost commits of a 5,000-commit force-push, fresh cache (peer: git rev-list)',
  unit: 'ms',
  better: 'lower',
  target: 1000,
  warmup: 1,
  samples: 5,
  async setup() {
    lostState = await sharedFixture();
    return async () => {
      lostState = null;
    };
  },
  async run() {
    if (!lostState) throw new Error('gitLostCommits.run() before setup()');
    const f = lostState;
    const start = performance.now();
    const facts = await refChange(f.dir, f.tip, f.forced, { cache: {} });
    const value = performance.now() - start;
    if (!facts.forced || facts.lostCount !== lostCommits) {
      throw new Error(`found ${facts.lostCount} lost commits, expected ${lostCommits}`);
    }
    const peerStart = performance.now();
    const count = await gitOutput(
      'native rev-list',
      ['rev-list', '--count', f.tip, `^${f.forced}`],
      {
        cwd: f.dir,
      },
    );
    const peer = performance.now() - peerStart;
    if (Number(count.trim()) !== lostCommits) throw new Error(`git counted ${count.trim()}`);
    return { value, peer };
  },
};
