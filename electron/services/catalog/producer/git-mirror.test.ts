import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cloneUrlOf,
  createBundle,
  ensureMirror,
  fetchMirror,
  gitWebRootOf,
  mirrorDirOf,
  missingObjects,
  readMirrorRefs,
  unbundleInto,
} from './git-mirror';
import { git, gitAuthEnv, runGit } from './git-runner';

// Real git throughout: a work repository stands in for the remote (fetched by path), and
// every bundle is checked with git's own `bundle verify` and `list-heads`.
let root: string;
let work: string;
let mirror: string;
let scratch: string;

async function commit(message: string): Promise<string> {
  await git('commit', ['commit', '--quiet', '--allow-empty', '-m', message], {
    gitDir: work,
    env: {
      GIT_AUTHOR_NAME: 'T',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 'T',
      GIT_COMMITTER_EMAIL: 't@x',
    },
  });
  return (await git('rev-parse', ['rev-parse', 'HEAD'], { gitDir: work })).trim();
}

async function heads(bundle: string): Promise<string[]> {
  const out = await git('list-heads', ['bundle', 'list-heads', bundle], { gitDir: mirror });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ')[1] ?? '')
    .sort();
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-mirror-'));
  work = path.join(root, 'work');
  scratch = path.join(root, 'scratch');
  await git('init', ['init', '--quiet', '-b', 'main', work]);
  mirror = mirrorDirOf(path.join(root, 'cache'), 'acme', 'app');
  await ensureMirror(mirror);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('git URLs', () => {
  it('derives the web root from the API URL', () => {
    expect(gitWebRootOf('https://api.github.com')).toBe('https://github.com');
    expect(gitWebRootOf('https://api.github.com/')).toBe('https://github.com');
    expect(gitWebRootOf('http://127.0.0.1:4567/api/v3')).toBe('http://127.0.0.1:4567');
    expect(gitWebRootOf('https://ghe.example.com/api/v3/')).toBe('https://ghe.example.com');
    expect(cloneUrlOf('https://github.com', 'acme', 'app')).toBe('https://github.com/acme/app.git');
  });

  it('keeps mirrors inside the work folder', () => {
    expect(mirrorDirOf('/w', 'acme', 'app')).toBe(path.join('/w', 'mirrors', 'acme', 'app.git'));
    expect(() => mirrorDirOf('/w', 'acme', '..')).toThrow(/not a repository/);
    expect(() => mirrorDirOf('/w', 'ac/me', 'app')).toThrow(/not a repository/);
  });

  it('puts the token in the environment, as a header scoped to the web root', () => {
    const env = gitAuthEnv('http://127.0.0.1:9', 'ghp_secret');
    expect(env.GIT_CONFIG_KEY_0).toBe('http.http://127.0.0.1:9/.extraHeader');
    expect(env.GIT_CONFIG_VALUE_0).toBe(
      `Authorization: Basic ${Buffer.from('x-access-token:ghp_secret').toString('base64')}`,
    );
  });
});

describe('incremental bundles', () => {
  let first: string;
  let second: string;
  let firstBundle: string;

  it('writes a full bundle of a new repository with exactly the given refs', async () => {
    first = await commit('one');
    second = await commit('two');
    await git('branch', ['branch', 'side', first], { gitDir: work });
    await fetchMirror(mirror, work, {});
    const refs = await readMirrorRefs(mirror);
    expect(refs).toEqual([
      { name: 'refs/heads/main', sha: second },
      { name: 'refs/heads/side', sha: first },
    ]);
    firstBundle = path.join(root, 'b1.bundle');
    const made = await createBundle({
      mirrorDir: mirror,
      refs,
      exclude: [],
      outFile: firstBundle,
      scratchDir: scratch,
    });
    expect(made.outcome).toBe('written');
    expect(await heads(firstBundle)).toEqual(['refs/heads/main', 'refs/heads/side']);
    const verify = await runGit(['bundle', 'verify', firstBundle], { gitDir: mirror });
    expect(verify.stdout + verify.stderr).toContain('The bundle records a complete history');
  });

  it('says there is nothing new when every ref is reachable from the excluded ones', async () => {
    const made = await createBundle({
      mirrorDir: mirror,
      refs: [{ name: 'refs/heads/copy', sha: first }],
      exclude: [second],
      outFile: path.join(root, 'none.bundle'),
      scratchDir: scratch,
    });
    expect(made).toEqual({ outcome: 'nothing-new' });
  });

  it('bundles only new commits, with the excluded history as prerequisites, after a force-push', async () => {
    await git('reset', ['reset', '--quiet', '--hard', first], { gitDir: work });
    const rewritten = await commit('rewritten');
    await git('branch', ['branch', '-D', 'side'], { gitDir: work });
    await fetchMirror(mirror, work, {});
    const refs = await readMirrorRefs(mirror);
    expect(refs).toEqual([{ name: 'refs/heads/main', sha: rewritten }]);
    // The force-pushed-away commit is still in the mirror, and so usable as an exclusion.
    expect(await missingObjects(mirror, [second, rewritten, 'f'.repeat(40)])).toEqual(
      new Set(['f'.repeat(40)]),
    );
    const out = path.join(root, 'b2.bundle');
    const made = await createBundle({
      mirrorDir: mirror,
      refs,
      exclude: [second, first],
      outFile: out,
      scratchDir: scratch,
    });
    expect(made.outcome).toBe('written');
    const verify = await runGit(['bundle', 'verify', out], { gitDir: mirror });
    expect(verify.stdout + verify.stderr).toContain(first);
    expect(verify.stdout + verify.stderr).toContain('requires this ref');
    const count = await git('count', ['rev-list', '--count', `${rewritten}`, `^${first}`], {
      gitDir: mirror,
    });
    expect(count.trim()).toBe('1');

    // Unbundled in order into an empty repository, every ref resolves.
    const fresh = path.join(root, 'fresh.git');
    await git('init', ['init', '--bare', '--quiet', fresh]);
    await unbundleInto(fresh, firstBundle);
    await unbundleInto(fresh, out);
    expect(await missingObjects(fresh, [first, second, rewritten])).toEqual(new Set());
  });
});
