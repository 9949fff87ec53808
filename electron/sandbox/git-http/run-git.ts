import { execFile } from 'node:child_process';

/** What one git command printed and how it ended. */
export interface GitRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment every git child gets: ours without `GIT_*`, and no system or user config.
 *
 * A test run from inside a git hook inherits `GIT_DIR` and `GIT_INDEX_FILE`, and a
 * developer's `~/.gitconfig` can change defaults (templates, hooks, `init.defaultBranch`);
 * either would make the sandbox repositories depend on who starts them. `LC_ALL=C` keeps
 * stderr in English so the errors we pass on read the same everywhere.
 */
export function cleanGitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GIT_')) env[key] = value;
  }
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_CONFIG_GLOBAL = '/dev/null';
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  return env;
}

/**
 * Runs `git <args>` without a shell and resolves with its exit code, never rejecting on one.
 *
 * Callers decide which exit codes mean what (`merge-base --is-ancestor` answers with 1,
 * `cat-file -e` too), so only a failure to start git at all rejects.
 */
export function runGit(
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string } = {},
): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      {
        cwd: options.cwd,
        env: cleanGitEnv(),
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ code: 0, stdout, stderr });
          return;
        }
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'number') resolve({ code, stdout, stderr });
        else reject(error);
      },
    );
  });
}
