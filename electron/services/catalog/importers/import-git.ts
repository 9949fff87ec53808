import { gitEnv, runGitProcess, type GitProcessResult } from '../../git/git-process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RefState } from '../../../../shared/domain/forge-state';

/**
 * Native git for imports: read a backup's refs, and build bundles in a private folder.
 *
 * Everything here treats the backup as read-only. Git only ever runs *inside* a scratch
 * repository of ours; the backup's object store is reached through `objects/info/
 * alternates`, and its refs through `for-each-ref`, so nothing (not a lock, not an
 * index refresh, not a `gc.log`) is written into the backup.
 */

/** What one git command printed and how it ended. */
export type GitResult = GitProcessResult;

/**
 * How git runs on a backup: the user's global config stays (their `safe.directory`
 * entries keep working), and `GIT_OPTIONAL_LOCKS=0` stops read commands from refreshing
 * an index, which would write into the backup.
 */
const importGitOptions = { userConfig: true, env: { GIT_OPTIONAL_LOCKS: '0' } } as const;

/** The environment import git runs with (see `importGitOptions`). */
export function importGitEnv(): NodeJS.ProcessEnv {
  return gitEnv(importGitOptions);
}

// SECURITY: a backup's repository config is not ours. `core.fsmonitor`, `core.hooksPath`
// and friends can name programs; the flags below switch off every config key git 2.39
// would execute for the read-only commands we run inside a backup (`for-each-ref`,
// `rev-parse`, `symbolic-ref`), and `safe.directory` is left as the user set it, so a
// backup owned by someone else is refused by git rather than trusted by us.
const hardening = ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null'];
// END SECURITY

/** Runs `git <args>` without a shell; resolves with the exit code, rejects only when git will not start. */
export function runImportGit(
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly signal?: AbortSignal } = {},
): Promise<GitResult> {
  return runGitProcess([...hardening, ...args], { ...options, ...importGitOptions });
}

/** Runs git and returns its stdout; a non-zero exit becomes an error naming git's first line. */
async function git(
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly signal?: AbortSignal } = {},
): Promise<string> {
  const result = await runImportGit(args, options);
  if (result.code !== 0) {
    const line = result.stderr.trim().split('\n')[0] ?? '';
    throw new Error(`git ${args[0] ?? ''} failed: ${line || `exit ${result.code}`}`);
  }
  return result.stdout;
}

/** One ref of a repository in the backup, with the commit time it points at. */
export interface SourceRef {
  readonly name: string;
  readonly sha: string;
  /** ISO committer date of the commit (or tagged commit); null when it is not a commit. */
  readonly date: string | null;
  /** For a symbolic ref (`refs/remotes/origin/HEAD`), the ref it points at. */
  readonly symref?: string;
}

/** A git repository found in a backup: a working clone's `.git` or a bare mirror. */
export interface SourceRepository {
  /** The git directory (`<clone>/.git` or the mirror itself). */
  readonly gitDir: string;
  readonly bare: boolean;
  readonly objectFormat: 'sha1' | 'sha256';
  /** Every ref as git lists it, unmapped. */
  readonly refs: ReadonlyArray<SourceRef>;
  /** What `HEAD` points at (`refs/heads/main`), or null when detached or unborn. */
  readonly head: string | null;
}

/** Reads a repository's refs and HEAD with native git, without writing to it. */
export async function inspectRepository(
  gitDir: string,
  signal?: AbortSignal,
): Promise<SourceRepository> {
  const at = ['--git-dir', gitDir];
  const bareText = await git([...at, 'rev-parse', '--is-bare-repository'], { signal });
  const formatResult = await runImportGit([...at, 'rev-parse', '--show-object-format'], {
    signal,
  });
  const objectFormat = formatResult.stdout.trim() === 'sha256' ? 'sha256' : 'sha1';
  const listing = await git(
    [
      ...at,
      'for-each-ref',
      '--format=%(objectname) %(refname)%09%(symref)%09%(*committerdate:iso-strict)%(committerdate:iso-strict)',
    ],
    { signal },
  );
  const refs: SourceRef[] = [];
  for (const line of listing.split('\n')) {
    const [head = '', symref = '', date = ''] = line.split('\t');
    const space = head.indexOf(' ');
    if (space === -1) continue;
    refs.push({
      sha: head.slice(0, space),
      name: head.slice(space + 1),
      date: date === '' ? null : new Date(date).toISOString(),
      ...(symref === '' ? {} : { symref }),
    });
  }
  const headResult = await runImportGit([...at, 'symbolic-ref', '-q', 'HEAD'], { signal });
  return {
    gitDir,
    bare: bareText.trim() === 'true',
    objectFormat,
    refs,
    head: headResult.code === 0 ? headResult.stdout.trim() : null,
  };
}

/** The refs a restore can push, as the provider had them, and the ones left out. */
export interface MappedRefs {
  readonly refs: ReadonlyArray<RefState & { readonly date: string | null }>;
  /** Refs of the source that are not branches or tags of the provider (e.g. `refs/pull/1/head`). */
  readonly skipped: ReadonlyArray<string>;
  readonly defaultBranch: string | null;
}

/**
 * Maps a clone's or a mirror's refs to the provider's branches and tags.
 *
 * A mirror (`git clone --mirror`) holds the provider's refs as they were. A working clone
 * (python-github-backup without `--bare`) holds them as `refs/remotes/origin/*`, and its
 * own `refs/heads/*` are only local copies that may lag, so the remote-tracking refs win
 * when there are any. `refs/pull/*` and other read-only provider refs cannot be pushed
 * back and are left out, by name.
 */
export function mapProviderRefs(source: {
  readonly refs: ReadonlyArray<SourceRef>;
  readonly head: string | null;
}): MappedRefs {
  const remote = 'refs/remotes/origin/';
  const clone = source.refs.some((ref) => ref.name.startsWith(remote) && ref.symref === undefined);
  const refs: Array<RefState & { date: string | null }> = [];
  const skipped: string[] = [];
  for (const ref of source.refs) {
    if (ref.symref !== undefined) continue;
    let name: string | null = null;
    if (ref.name.startsWith('refs/tags/')) name = ref.name;
    else if (clone && ref.name.startsWith(remote))
      name = `refs/heads/${ref.name.slice(remote.length)}`;
    else if (!clone && ref.name.startsWith('refs/heads/')) name = ref.name;
    // A clone's local branches are copies of the remote-tracking ones; not skipped, just not the source.
    else if (clone && ref.name.startsWith('refs/heads/')) continue;
    if (name === null || !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(ref.sha)) {
      skipped.push(ref.name);
      continue;
    }
    refs.push({ name, sha: ref.sha, date: ref.date });
  }
  refs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const originHead = source.refs.find((ref) => ref.name === `${remote}HEAD`)?.symref;
  let defaultBranch: string | null = null;
  if (clone && originHead?.startsWith(remote)) defaultBranch = originHead.slice(remote.length);
  else if (source.head?.startsWith('refs/heads/'))
    defaultBranch = source.head.slice('refs/heads/'.length);
  if (defaultBranch !== null && !refs.some((ref) => ref.name === `refs/heads/${defaultBranch}`)) {
    defaultBranch = null;
  }
  return { refs, skipped, defaultBranch };
}

/** Creates an empty bare scratch repository of ours, in the private cache. */
export async function createScratchRepository(
  scratchDir: string,
  objectFormat: 'sha1' | 'sha256',
  signal?: AbortSignal,
): Promise<void> {
  await mkdir(path.dirname(scratchDir), { recursive: true });
  await git(['init', '--quiet', '--bare', `--object-format=${objectFormat}`, scratchDir], {
    signal,
  });
}

/**
 * Lets a scratch repository read a backup's objects in place, through `objects/info/alternates`.
 *
 * Nothing is copied and git never runs inside the backup; its objects folder is only read.
 */
export async function borrowObjects(
  scratchDir: string,
  sourceGitDir: string,
  signal?: AbortSignal,
): Promise<void> {
  const objects = await git(['--git-dir', sourceGitDir, 'rev-parse', '--git-path', 'objects'], {
    signal,
  });
  const objectsDir = path.resolve(sourceGitDir, objects.trim());
  await writeFile(path.join(scratchDir, 'objects', 'info', 'alternates'), `${objectsDir}\n`);
}

/** Copies a bundle's objects into a scratch repository (only the scratch repository is written). */
export async function unbundleInto(
  scratchDir: string,
  bundleFile: string,
  signal?: AbortSignal,
): Promise<void> {
  await git(['--git-dir', scratchDir, 'bundle', 'unbundle', bundleFile], { signal });
}

/**
 * Sets exactly `refs` in a scratch repository and bundles them.
 *
 * The bundle's refs are then the manifest's refs by name, so a verifier or
 * `materialiseRepo` that unbundles finds each one where the manifest says.
 */
export async function bundleRefs(
  scratchDir: string,
  refs: ReadonlyArray<RefState>,
  bundleFile: string,
  signal?: AbortSignal,
): Promise<void> {
  const updates = refs.map((ref) => `create ${ref.name} ${ref.sha}\n`).join('');
  const update = await runGitProcess(
    [...hardening, '--git-dir', scratchDir, 'update-ref', '--stdin'],
    { ...importGitOptions, stdin: updates, ...(signal === undefined ? {} : { signal }) },
  );
  if (update.code !== 0) {
    throw new Error(`git update-ref failed: ${update.stderr.trim().split('\n')[0] ?? ''}`);
  }
  await git(
    ['--git-dir', scratchDir, 'bundle', 'create', '--quiet', bundleFile, '--branches', '--tags'],
    { signal },
  );
}

/** A bundle file's header: its refs and whether it needs commits it does not hold. */
export interface BundleHeader {
  readonly refs: ReadonlyArray<SourceRef>;
  /** Prerequisite commits: a bundle with any cannot be unbundled on its own. */
  readonly prerequisites: ReadonlyArray<string>;
  readonly objectFormat: 'sha1' | 'sha256';
}

/**
 * Reads a bundle's header (refs, prerequisites) from its first lines, without git.
 *
 * `git bundle list-heads` would do, but it needs a repository for sha256 bundles and
 * says nothing about prerequisites; the header is a documented text format (v2 and v3).
 */
export function parseBundleHeader(head: string): BundleHeader | null {
  const lines = head.split('\n');
  const signature = lines[0];
  if (signature !== '# v2 git bundle' && signature !== '# v3 git bundle') return null;
  let objectFormat: 'sha1' | 'sha256' = 'sha1';
  const refs: SourceRef[] = [];
  const prerequisites: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') {
      return { refs, prerequisites, objectFormat };
    }
    if (line.startsWith('@')) {
      if (line === '@object-format=sha256') objectFormat = 'sha256';
      continue;
    }
    if (line.startsWith('-')) {
      const sha = line.slice(1).split(' ')[0] ?? '';
      prerequisites.push(sha);
      continue;
    }
    const space = line.indexOf(' ');
    if (space === -1) return null;
    refs.push({ sha: line.slice(0, space), name: line.slice(space + 1), date: null });
  }
  return null;
}
