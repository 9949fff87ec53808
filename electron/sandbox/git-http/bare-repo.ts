import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { repoDirFor } from './repo-path';
import { runGit, type GitRun } from './run-git';

/** Why a repository operation failed, for callers that map failures to HTTP answers. */
export type BareRepoErrorCode = 'exists' | 'conflict' | 'invalid' | 'git-failed';

/**
 * A failed repository operation, naming the repository and, when git ran, its command and stderr.
 *
 * The forge turns `exists` into 422, `conflict` into 409 or 422 and `invalid` into 422,
 * so the code is data rather than something to parse out of the message.
 */
export class BareRepoError extends Error {
  readonly code: BareRepoErrorCode;
  readonly repoDir: string;
  readonly command: string | null;
  readonly stderr: string;

  constructor(
    code: BareRepoErrorCode,
    repoDir: string,
    message: string,
    details: { readonly command?: string; readonly stderr?: string } = {},
  ) {
    super(message);
    this.name = 'BareRepoError';
    this.code = code;
    this.repoDir = repoDir;
    this.command = details.command ?? null;
    this.stderr = details.stderr ?? '';
  }
}

const zeroSha = /^0+$/;
const shaPattern = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function isSha(value: string): boolean {
  return shaPattern.test(value);
}

async function git(repoDir: string, args: ReadonlyArray<string>): Promise<GitRun> {
  return runGit([`--git-dir=${repoDir}`, ...args]);
}

function failure(repoDir: string, args: ReadonlyArray<string>, run: GitRun): BareRepoError {
  const command = `git ${args.join(' ')}`;
  const stderr = run.stderr.trim();
  return new BareRepoError(
    'git-failed',
    repoDir,
    `${command} failed in ${repoDir} (exit ${run.code})${stderr === '' ? '' : `: ${stderr}`}`,
    { command, stderr },
  );
}

async function gitOk(repoDir: string, args: ReadonlyArray<string>): Promise<string> {
  const run = await git(repoDir, args);
  if (run.code !== 0) throw failure(repoDir, args, run);
  return run.stdout;
}

function checkRefName(repoDir: string, ref: string): void {
  if (!/^refs\/\S+$/.test(ref) || ref.includes('..')) {
    throw new BareRepoError('invalid', repoDir, `Invalid ref name ${JSON.stringify(ref)}`);
  }
}

function checkSha(repoDir: string, sha: string, what: string): void {
  if (!isSha(sha)) {
    throw new BareRepoError('invalid', repoDir, `Invalid ${what} ${JSON.stringify(sha)}`);
  }
}

/**
 * Creates the bare repository `${reposRoot}/${owner}/${repo}.git`, ready to receive pushes.
 *
 * Refuses an existing directory (`exists`) rather than re-initialising it, so two creators
 * cannot both believe they made it. `http.receivepack` is set so plain `git http-backend`
 * accepts pushes even without our handler's config; HEAD names the default branch.
 * Resolves with the repository directory.
 */
export async function initBareRepo(
  reposRoot: string,
  owner: string,
  repo: string,
  options: { readonly defaultBranch: string },
): Promise<string> {
  const repoDir = repoDirFor(reposRoot, owner, repo);
  const branchCheck = await runGit(['check-ref-format', '--branch', options.defaultBranch]);
  if (branchCheck.code !== 0 || options.defaultBranch.startsWith('-')) {
    throw new BareRepoError(
      'invalid',
      repoDir,
      `Invalid default branch ${JSON.stringify(options.defaultBranch)}`,
    );
  }
  await mkdir(path.dirname(repoDir), { recursive: true });
  try {
    await mkdir(repoDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BareRepoError('exists', repoDir, `Repository ${owner}/${repo} already exists`);
    }
    throw error;
  }
  try {
    const init = [
      'init',
      '--quiet',
      '--bare',
      `--initial-branch=${options.defaultBranch}`,
      repoDir,
    ];
    const run = await runGit(init);
    if (run.code !== 0) throw failure(repoDir, init, run);
    await gitOk(repoDir, ['config', 'http.receivepack', 'true']);
  } catch (error) {
    await rm(repoDir, { recursive: true, force: true });
    throw error;
  }
  return repoDir;
}

/** Every ref of the repository (`refs/...`, not HEAD) with the object it points to. */
export async function listRefs(repoDir: string): Promise<Map<string, string>> {
  const out = await gitOk(repoDir, ['for-each-ref', '--format=%(objectname) %(refname)']);
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
  }
  return refs;
}

/**
 * The object a ref (`refs/heads/main`, `HEAD`) points to, or null when it does not exist.
 *
 * Refuses names starting with `-` so a ref can never be read as an option.
 */
export async function resolveRef(repoDir: string, ref: string): Promise<string | null> {
  if (ref === '' || ref.startsWith('-')) {
    throw new BareRepoError('invalid', repoDir, `Invalid ref name ${JSON.stringify(ref)}`);
  }
  const args = ['rev-parse', '--verify', '--quiet', '--end-of-options', ref];
  const run = await git(repoDir, args);
  if (run.code === 0) return run.stdout.trim();
  if (run.code === 1) return null;
  throw failure(repoDir, args, run);
}

/**
 * Whether commit `ancestor` is reachable from commit `descendant` (equal counts as yes).
 *
 * Throws when git cannot tell (a missing object, a blob); callers auditing a push treat
 * that as a forced update, since history may have been lost.
 */
export async function isAncestor(
  repoDir: string,
  ancestor: string,
  descendant: string,
): Promise<boolean> {
  checkSha(repoDir, ancestor, 'object id');
  checkSha(repoDir, descendant, 'object id');
  const args = ['merge-base', '--is-ancestor', ancestor, descendant];
  const run = await git(repoDir, args);
  if (run.code === 0) return true;
  if (run.code === 1) return false;
  throw failure(repoDir, args, run);
}

/** Whether the object exists in the repository (a full hex id; anything else is false). */
export async function objectExists(repoDir: string, sha: string): Promise<boolean> {
  if (!isSha(sha) || zeroSha.test(sha)) return false;
  const run = await git(repoDir, ['cat-file', '-e', sha]);
  return run.code === 0;
}

async function conflictOrFailure(
  repoDir: string,
  ref: string,
  expected: string | null,
  args: ReadonlyArray<string>,
  run: GitRun,
): Promise<BareRepoError> {
  const actual = await resolveRef(repoDir, ref).catch(() => undefined);
  if (actual !== undefined && actual !== expected) {
    return new BareRepoError(
      'conflict',
      repoDir,
      `${ref} in ${repoDir} is ${actual ?? 'absent'}, expected ${expected ?? 'absent'}`,
      { command: `git ${args.join(' ')}`, stderr: run.stderr.trim() },
    );
  }
  return failure(repoDir, args, run);
}

/**
 * Points `ref` at `newSha` if and only if it currently is `expectedOldSha` (null: absent).
 *
 * One `git update-ref` with its old-value check, so the compare and the write are atomic
 * against pushes and other writers; a mismatch is a `conflict` naming both values.
 */
export async function updateRef(
  repoDir: string,
  ref: string,
  newSha: string,
  expectedOldSha: string | null,
): Promise<void> {
  checkRefName(repoDir, ref);
  checkSha(repoDir, newSha, 'new object id');
  if (expectedOldSha !== null) checkSha(repoDir, expectedOldSha, 'expected object id');
  const old = expectedOldSha ?? '0'.repeat(newSha.length);
  const args = ['update-ref', '--no-deref', '--end-of-options', ref, newSha, old];
  const run = await git(repoDir, args);
  if (run.code !== 0) throw await conflictOrFailure(repoDir, ref, expectedOldSha, args, run);
}

/**
 * Deletes `ref`, only while it still points at `expectedOldSha` when one is given.
 *
 * Deleting an absent ref is a `conflict` when an old value was expected and a no-op
 * otherwise, so a resumed restore can repeat a delete safely.
 */
export async function deleteRef(
  repoDir: string,
  ref: string,
  expectedOldSha?: string,
): Promise<void> {
  checkRefName(repoDir, ref);
  if (expectedOldSha !== undefined) checkSha(repoDir, expectedOldSha, 'expected object id');
  else if ((await resolveRef(repoDir, ref)) === null) return;
  const args = ['update-ref', '--no-deref', '-d', '--end-of-options', ref];
  if (expectedOldSha !== undefined) args.push(expectedOldSha);
  const run = await git(repoDir, args);
  if (run.code !== 0)
    throw await conflictOrFailure(repoDir, ref, expectedOldSha ?? null, args, run);
}

/** Removes the repository directory `${reposRoot}/${owner}/${repo}.git` and all it holds. */
export async function deleteRepoDir(reposRoot: string, owner: string, repo: string): Promise<void> {
  await rm(repoDirFor(reposRoot, owner, repo), { recursive: true, force: true });
}
