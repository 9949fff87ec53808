import { runGitProcess } from '../../services/git/git-process';
import { runGit } from '../git-http/run-git';

/** A ref with the object it points to and that object's type. */
export interface TypedRef {
  readonly ref: string;
  readonly sha: string;
  readonly type: 'commit' | 'tag' | 'tree' | 'blob';
}

async function gitWithInput(
  repoDir: string,
  args: ReadonlyArray<string>,
  input: string,
  env: Readonly<Record<string, string>> = {},
): Promise<string> {
  const result = await runGitProcess([`--git-dir=${repoDir}`, ...args], { stdin: input, env });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/**
 * Writes a first commit with the given files onto `branch` of an empty bare repository.
 *
 * Plain plumbing (hash-object, mktree, commit-tree, update-ref) so no work tree or index
 * is needed and the commit's dates come from the forge's clock.
 */
export async function createInitialCommit(
  repoDir: string,
  options: {
    readonly branch: string;
    readonly files: Readonly<Record<string, string>>;
    readonly message: string;
    readonly author: { readonly name: string; readonly email: string };
    readonly at: number;
  },
): Promise<string> {
  const entries: string[] = [];
  for (const [name, content] of Object.entries(options.files)) {
    const blob = await gitWithInput(repoDir, ['hash-object', '-w', '--stdin'], content);
    entries.push(`100644 blob ${blob}\t${name}`);
  }
  const tree = await gitWithInput(repoDir, ['mktree'], `${entries.join('\n')}\n`);
  const date = `${Math.floor(options.at / 1000)} +0000`;
  const commit = await gitWithInput(repoDir, ['commit-tree', tree], `${options.message}\n`, {
    GIT_AUTHOR_NAME: options.author.name,
    GIT_AUTHOR_EMAIL: options.author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: options.author.name,
    GIT_COMMITTER_EMAIL: options.author.email,
    GIT_COMMITTER_DATE: date,
  });
  const update = await runGit([
    `--git-dir=${repoDir}`,
    'update-ref',
    `refs/heads/${options.branch}`,
    commit,
    '0'.repeat(40),
  ]);
  if (update.code !== 0) throw new Error(`update-ref failed: ${update.stderr.trim()}`);
  return commit;
}

/** Every ref under `refs/` with its object and type, sorted by name. */
export async function listTypedRefs(repoDir: string): Promise<TypedRef[]> {
  const run = await runGit([
    `--git-dir=${repoDir}`,
    'for-each-ref',
    '--sort=refname',
    '--format=%(objectname) %(objecttype) %(refname)',
  ]);
  if (run.code !== 0) throw new Error(`for-each-ref failed: ${run.stderr.trim()}`);
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [sha = '', type = '', ...rest] = line.split(' ');
      return { sha, type: type as TypedRef['type'], ref: rest.join(' ') };
    });
}

/** The type of an object (`commit`, `tag`, ...), or null when it does not exist. */
export async function objectType(repoDir: string, sha: string): Promise<TypedRef['type'] | null> {
  if (!/^[0-9a-f]{40}$/.test(sha)) return null;
  const run = await runGit([`--git-dir=${repoDir}`, 'cat-file', '-t', sha]);
  return run.code === 0 ? (run.stdout.trim() as TypedRef['type']) : null;
}

/** Whether `name` is a valid full ref name to git (`refs/heads/x`). */
export async function isValidRefName(name: string): Promise<boolean> {
  if (!/^refs\/[^/]+\/.+/.test(name) || name.startsWith('-')) return false;
  const run = await runGit(['check-ref-format', name]);
  return run.code === 0;
}
