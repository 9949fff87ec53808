import { firstGitError, runGitProcess, type GitProcessResult } from '../../git/git-process';
import { cancelledError } from '../../../../shared/ipc/errors';

/**
 * Native git for the snapshot producer: one child per command, no shell, cancellable.
 *
 * The producer fetches mirrors and writes bundles with the installed git rather than
 * isomorphic-git: both are many times faster natively, and bundles are git's own format.
 * Every child gets a clean environment (no user or system config, no prompts, English
 * messages), so a developer's `~/.gitconfig` or an inherited `GIT_DIR` cannot change
 * what a snapshot holds.
 */

/** What one git command printed and how it ended. */
export type GitResult = GitProcessResult;

export interface GitRunOptions {
  /** The repository (`git -C`); a bare mirror or a staging repository. */
  readonly gitDir?: string;
  /** Written to git's stdin, then closed. */
  readonly stdin?: string;
  /** Extra environment, e.g. `gitAuthEnv(...)`; never logged. */
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** Git's exit code, output and error text; rejects only when git cannot start or is cancelled. */
export async function runGit(
  args: ReadonlyArray<string>,
  options: GitRunOptions = {},
): Promise<GitResult> {
  const fullArgs = options.gitDir === undefined ? [...args] : ['-C', options.gitDir, ...args];
  try {
    return await runGitProcess(fullArgs, {
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error: unknown) {
    if (options.signal?.aborted) throw cancelledError('the snapshot');
    throw error;
  }
}

/** Runs git and answers its stdout; a non-zero exit throws with git's first error line. */
export async function git(
  what: string,
  args: ReadonlyArray<string>,
  options: GitRunOptions = {},
): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0) {
    throw new Error(`${what}: git exited with ${result.code}: ${firstGitError(result.stderr)}`);
  }
  return result.stdout;
}

// SECURITY: begin — the forge token on its way to git. It travels only in the child's
// environment (GIT_CONFIG_COUNT/KEY/VALUE, readable by the same user alone), never in
// argv (visible to every user in `ps`), a URL, a config file or a log line; and it is sent
// only to URLs under `webRoot`, so a redirect elsewhere does not carry it.

/**
 * The environment that makes git send `Authorization: Basic x-access-token:<token>`.
 *
 * The header is scoped to `webRoot` with git's URL-matched config (`http.<url>.extraHeader`).
 */
export function gitAuthEnv(webRoot: string, token: string): Readonly<Record<string, string>> {
  const basic = Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
  const scope = webRoot.endsWith('/') ? webRoot : `${webRoot}/`;
  return {
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: `http.${scope}.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    // No credential helper may store or offer anything for this run.
    GIT_CONFIG_KEY_1: 'credential.helper',
    GIT_CONFIG_VALUE_1: '',
  };
}
// SECURITY: end
