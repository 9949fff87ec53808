import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BareRepoError,
  deleteRef,
  deleteRepoDir,
  initBareRepo,
  isAncestor,
  listRefs,
  objectExists,
  resolveRef,
  updateRef,
} from './bare-repo';
import { runGit } from './run-git';

let temp: string;
let reposRoot: string;

beforeEach(async () => {
  temp = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-bare-repo-'));
  reposRoot = path.join(temp, 'repos');
});

afterEach(async () => {
  await rm(temp, { recursive: true, force: true });
});

async function git(args: ReadonlyArray<string>, cwd: string): Promise<string> {
  const run = await runGit(
    ['-c', 'user.name=Test', '-c', 'user.email=test@bulkhead.invalid', ...args],
    { cwd },
  );
  if (run.code !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

/** Pushes two commits (first, then second on top) to `main` of the repository. */
async function seed(repoDir: string): Promise<{ first: string; second: string }> {
  const work = path.join(temp, 'work');
  await git(['init', '--quiet', '--initial-branch=main', work], temp);
  await writeFile(path.join(work, 'a.txt'), 'one\n');
  await git(['add', 'a.txt'], work);
  await git(['commit', '--quiet', '-m', 'first'], work);
  const first = await git(['rev-parse', 'HEAD'], work);
  await writeFile(path.join(work, 'a.txt'), 'two\n');
  await git(['commit', '--quiet', '-am', 'second'], work);
  const second = await git(['rev-parse', 'HEAD'], work);
  await git(['push', '--quiet', repoDir, 'main'], work);
  return { first, second };
}

describe('initBareRepo', () => {
  it('creates a bare repository with its default branch and receive-pack enabled', async () => {
    const repoDir = await initBareRepo(reposRoot, 'alice', 'app', { defaultBranch: 'trunk' });
    expect(repoDir).toBe(path.join(reposRoot, 'alice', 'app.git'));
    expect(await git(['--git-dir', repoDir, 'rev-parse', '--is-bare-repository'], temp)).toBe(
      'true',
    );
    expect(await git(['--git-dir', repoDir, 'symbolic-ref', 'HEAD'], temp)).toBe(
      'refs/heads/trunk',
    );
    expect(await git(['--git-dir', repoDir, 'config', 'http.receivepack'], temp)).toBe('true');
    expect(await listRefs(repoDir)).toEqual(new Map());
  });

  it('refuses an existing repository, bad names and bad branches', async () => {
    await initBareRepo(reposRoot, 'alice', 'app', { defaultBranch: 'main' });
    await expect(
      initBareRepo(reposRoot, 'alice', 'app', { defaultBranch: 'main' }),
    ).rejects.toMatchObject({ code: 'exists' });
    await expect(initBareRepo(reposRoot, '..', 'app', { defaultBranch: 'main' })).rejects.toThrow(
      /Invalid owner/,
    );
    await expect(
      initBareRepo(reposRoot, 'alice', 'other', { defaultBranch: 'bad..branch' }),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(stat(path.join(reposRoot, 'alice', 'other.git'))).rejects.toThrow();
  });
});

describe('ref helpers', () => {
  it('list, resolve, compare and check objects', async () => {
    const repoDir = await initBareRepo(reposRoot, 'alice', 'app', { defaultBranch: 'main' });
    const { first, second } = await seed(repoDir);
    expect(await listRefs(repoDir)).toEqual(new Map([['refs/heads/main', second]]));
    expect(await resolveRef(repoDir, 'refs/heads/main')).toBe(second);
    expect(await resolveRef(repoDir, 'HEAD')).toBe(second);
    expect(await resolveRef(repoDir, 'refs/heads/missing')).toBeNull();
    await expect(resolveRef(repoDir, '--all')).rejects.toBeInstanceOf(BareRepoError);
    expect(await isAncestor(repoDir, first, second)).toBe(true);
    expect(await isAncestor(repoDir, second, first)).toBe(false);
    await expect(isAncestor(repoDir, first, 'f'.repeat(40))).rejects.toThrow(/merge-base/);
    expect(await objectExists(repoDir, first)).toBe(true);
    expect(await objectExists(repoDir, 'f'.repeat(40))).toBe(false);
    expect(await objectExists(repoDir, 'HEAD')).toBe(false);
  });

  it('update and delete refs only from the expected value', async () => {
    const repoDir = await initBareRepo(reposRoot, 'alice', 'app', { defaultBranch: 'main' });
    const { first, second } = await seed(repoDir);

    await updateRef(repoDir, 'refs/heads/restore', first, null);
    expect(await resolveRef(repoDir, 'refs/heads/restore')).toBe(first);
    const exists = updateRef(repoDir, 'refs/heads/restore', second, null);
    await expect(exists).rejects.toMatchObject({ code: 'conflict' });
    await expect(exists).rejects.toThrow(/is [0-9a-f]{40}, expected absent/);

    await expect(updateRef(repoDir, 'refs/heads/main', first, first)).rejects.toMatchObject({
      code: 'conflict',
      repoDir,
    });
    await updateRef(repoDir, 'refs/heads/main', first, second);
    expect(await resolveRef(repoDir, 'refs/heads/main')).toBe(first);

    await expect(updateRef(repoDir, 'refs/heads/x', 'f'.repeat(40), null)).rejects.toMatchObject({
      code: 'git-failed',
      command: expect.stringContaining('update-ref') as unknown,
    });
    await expect(updateRef(repoDir, 'heads/x', first, null)).rejects.toMatchObject({
      code: 'invalid',
    });

    await expect(deleteRef(repoDir, 'refs/heads/restore', second)).rejects.toMatchObject({
      code: 'conflict',
    });
    await deleteRef(repoDir, 'refs/heads/restore', first);
    expect(await resolveRef(repoDir, 'refs/heads/restore')).toBeNull();
    await deleteRef(repoDir, 'refs/heads/restore');
    await expect(deleteRef(repoDir, 'refs/heads/restore', first)).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('deleteRepoDir removes the repository', async () => {
    const repoDir = await initBareRepo(reposRoot, 'alice', 'app', { defaultBranch: 'main' });
    await deleteRepoDir(reposRoot, 'alice', 'app');
    await expect(stat(repoDir)).rejects.toThrow();
    await expect(deleteRepoDir(reposRoot, 'alice', '..')).rejects.toThrow(/Invalid/);
  });
});
