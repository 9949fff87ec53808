import { gitEnv, runGitProcess, type GitProcessResult } from '../../services/git/git-process';

/** What one git command printed and how it ended. */
export type GitRun = GitProcessResult;

/**
 * The environment every git child of the sandbox gets (see `gitEnv`): the sandbox
 * repositories must not depend on who starts them.
 */
export function cleanGitEnv(): NodeJS.ProcessEnv {
  return gitEnv();
}

/** Runs `git <args>` without a shell; resolves with its exit code, never rejecting on one. */
export function runGit(
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string } = {},
): Promise<GitRun> {
  return runGitProcess(args, options);
}
