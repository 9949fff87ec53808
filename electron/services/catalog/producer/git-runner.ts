import { spawn } from 'node:child_process';
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
export interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

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
export function runGit(
  args: ReadonlyArray<string>,
  options: GitRunOptions = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(cancelledError('the snapshot'));
      return;
    }
    const fullArgs = options.gitDir === undefined ? [...args] : ['-C', options.gitDir, ...args];
    const child = spawn('git', fullArgs, {
      env: { ...cleanGitEnv(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const abort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', abort, { once: true });
    child.once('error', (error) => {
      options.signal?.removeEventListener('abort', abort);
      reject(new Error(`git could not be started: ${error.message}`));
    });
    child.once('close', (code) => {
      options.signal?.removeEventListener('abort', abort);
      if (options.signal?.aborted) {
        reject(cancelledError('the snapshot'));
        return;
      }
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

/** Runs git and answers its stdout; a non-zero exit throws with git's first error line. */
export async function git(
  what: string,
  args: ReadonlyArray<string>,
  options: GitRunOptions = {},
): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0) {
    throw new Error(`${what}: git exited with ${result.code}: ${firstError(result.stderr)}`);
  }
  return result.stdout;
}

/** Our environment without `GIT_*`, without system or user config, never prompting. */
function cleanGitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GIT_')) env[key] = value;
  }
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_CONFIG_GLOBAL = '/dev/null';
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_ASKPASS = '';
  env.SSH_ASKPASS = '';
  env.LC_ALL = 'C';
  return env;
}

function firstError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('hint:'));
  const fatal = lines.find((line) => /^(fatal|error):/.test(line));
  return fatal ?? lines[0] ?? 'no message';
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
