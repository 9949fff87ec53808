import { spawn } from 'node:child_process';

/**
 * The one way Bulkhead runs native git: no shell, a clean environment, cancellable.
 *
 * Catalog reads, snapshots, imports and the sandbox's git server all shell out to the
 * installed git (bundles, packs and http-backend are git's own formats, many times faster
 * natively than in isomorphic-git). Every child gets the same isolation, so a developer's
 * `~/.gitconfig` or an inherited `GIT_DIR` (a test run from a hook) cannot change what a
 * snapshot holds or what a repository answers, and errors read the same everywhere.
 */

/** What one git command printed and how it ended. */
export interface GitProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface GitProcessOptions {
  readonly cwd?: string;
  /** Written to git's stdin, then closed; stdin is closed empty otherwise. */
  readonly stdin?: string;
  /** Kills git (SIGTERM) and rejects with an `AbortError`. */
  readonly signal?: AbortSignal;
  /** Extra variables, e.g. credentials as `GIT_CONFIG_*`; never logged. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Keep the user's global git config: imports need its `safe.directory` entries for a
   * backup owned by someone else. Off by default.
   */
  readonly userConfig?: boolean;
}

/**
 * Our environment without any `GIT_*` variable, with no system (and by default no user)
 * config, never prompting for credentials, and with English messages (`LC_ALL=C`).
 */
export function gitEnv(
  options: Pick<GitProcessOptions, 'env' | 'userConfig'> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GIT_')) env[key] = value;
  }
  env.GIT_CONFIG_NOSYSTEM = '1';
  if (options.userConfig !== true) env.GIT_CONFIG_GLOBAL = '/dev/null';
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_ASKPASS = '';
  env.SSH_ASKPASS = '';
  env.LC_ALL = 'C';
  return { ...env, ...options.env };
}

/**
 * Runs `git <args>` and resolves with its exit code and output, never rejecting on an exit
 * code: callers decide what each code means (`merge-base --is-ancestor` and `cat-file -e`
 * answer with 1). Rejects only when git cannot start, or with an `AbortError` on cancel.
 */
export function runGitProcess(
  args: ReadonlyArray<string>,
  options: GitProcessOptions = {},
): Promise<GitProcessResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(abortError());
      return;
    }
    const child = spawn('git', [...args], {
      cwd: options.cwd,
      env: gitEnv(options),
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
      reject(new Error(`git could not be started (is it installed?): ${error.message}`));
    });
    child.once('close', (code) => {
      options.signal?.removeEventListener('abort', abort);
      if (options.signal?.aborted) {
        reject(abortError());
        return;
      }
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    // git may exit before reading all of its input (a failed command); its exit code
    // says so, not a broken pipe.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

/** The line of git's stderr that says what went wrong: its `fatal:` or `error:` line. */
export function firstGitError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('hint:'));
  const fatal = lines.find((line) => /^(fatal|error):/.test(line));
  return fatal ?? lines[0] ?? 'no message';
}

/** Runs git and answers its stdout; a non-zero exit throws `<what>: git exited with N: <line>`. */
export async function gitOutput(
  what: string,
  args: ReadonlyArray<string>,
  options: GitProcessOptions = {},
): Promise<string> {
  const result = await runGitProcess(args, options);
  if (result.code !== 0) {
    throw new Error(`${what}: git exited with ${result.code}: ${firstGitError(result.stderr)}`);
  }
  return result.stdout;
}

function abortError(): Error {
  return new DOMException('git was cancelled', 'AbortError');
}
