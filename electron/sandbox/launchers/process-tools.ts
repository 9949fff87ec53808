import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/**
 * A local server's program is not installed.
 *
 * Thrown before anything starts, so that a test run on a machine without the Debian
 * packages fails with the one line that fixes it instead of a spawn ENOENT deep inside a
 * launcher. Tests must let it fail the suite: CI installs the packages, so a missing one
 * is a broken machine, not a reason to skip.
 */
export class LauncherMissingError extends Error {
  override readonly name = 'LauncherMissingError';
  readonly missing: ReadonlyArray<string>;
  readonly aptPackages: ReadonlyArray<string>;
  readonly installCommand: string;

  constructor(missing: ReadonlyArray<string>, aptPackages: ReadonlyArray<string>) {
    const installCommand = `apt-get install -y --no-install-recommends ${aptPackages.join(' ')}`;
    super(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed (not found on PATH). ` +
        `Install with: ${installCommand}`,
    );
    this.missing = missing;
    this.aptPackages = aptPackages;
    this.installCommand = installCommand;
  }
}

/** A line-oriented logger; launchers report their steps and timings through it. */
export type LauncherLog = (line: string) => void;

/**
 * Fails with the install line when any of the commands is missing from PATH.
 *
 * Checked up front rather than on spawn so that the error names every missing program
 * and the exact `apt-get` line, and so that nothing is half-started.
 */
export function requireCommands(
  commands: ReadonlyArray<string>,
  aptPackages: ReadonlyArray<string>,
  envPath: string = process.env['PATH'] ?? '',
): void {
  const dirs = envPath.split(path.delimiter).filter((d) => d !== '');
  const missing = commands.filter((command) => findOnPath(command, dirs) === null);
  if (missing.length > 0) throw new LauncherMissingError(missing, aptPackages);
}

function findOnPath(command: string, dirs: ReadonlyArray<string>): string | null {
  const candidates = command.includes('/') ? [command] : dirs.map((d) => path.join(d, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago.
 *
 * Daemons such as ceph-mon take their port from a config file rather than binding port
 * 0 themselves, so we bind, read the port and close. Another process could take it in
 * between; launchers report the daemon's log when it then fails to bind.
 */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** The last lines of a file, or a note saying why there are none; never throws. */
export async function tailFile(file: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    const all = text.trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch (error) {
    return `(no log: ${errorMessage(error)})`;
  }
}

export interface WaitForOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** What we are waiting for, as it should read in "X did not become ready". */
  readonly what: string;
  /** Log files whose tails go into the timeout error. */
  readonly logFiles?: ReadonlyArray<string>;
  /** Returns a reason to stop waiting at once (for example, the process exited). */
  readonly failFast?: () => string | null;
}

/**
 * Polls `check` until it returns something other than `undefined`, or fails naming what.
 *
 * A thrown error counts as "not ready yet" (a refused connection is the normal state
 * while a daemon boots) and is quoted if time runs out. The timeout error carries the
 * tail of the daemon's log, because "timed out" alone never explains why.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  options: WaitForOptions,
): Promise<T> {
  const { timeoutMs, intervalMs = 100, what, logFiles = [], failFast } = options;
  const started = Date.now();
  let lastError: unknown = null;
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined) return result;
    } catch (error) {
      lastError = error;
    }
    const reason = failFast?.() ?? null;
    if (reason !== null) {
      throw new Error(await describeFailure(`${what} failed: ${reason}`, lastError, logFiles));
    }
    if (Date.now() - started >= timeoutMs) {
      throw new Error(
        await describeFailure(
          `${what} did not become ready within ${timeoutMs} ms`,
          lastError,
          logFiles,
        ),
      );
    }
    await sleep(intervalMs);
  }
}

async function describeFailure(
  headline: string,
  lastError: unknown,
  logFiles: ReadonlyArray<string>,
): Promise<string> {
  const parts = [headline];
  if (lastError !== null) parts.push(`last error: ${errorMessage(lastError)}`);
  for (const file of logFiles) parts.push(`--- tail of ${file} ---\n${await tailFile(file)}`);
  return parts.join('\n');
}

/**
 * Whether a process with this pid is running (a zombie counts as gone).
 *
 * Daemons that background themselves are re-parented to PID 1, which on some container
 * and VM images never reaps them, so `kill(pid, 0)` alone would see a dead daemon as alive.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself hold spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return !isLinux();
  }
}

function isLinux(): boolean {
  return process.platform === 'linux';
}

export interface KillOptions {
  /** How long to wait after SIGTERM before SIGKILL. */
  readonly graceMs?: number;
}

/**
 * Stops a process by pid: SIGTERM, wait up to `graceMs`, then SIGKILL.
 *
 * Resolves once the process is gone; rejects only if it survives SIGKILL, which means
 * something is badly wrong and a caller must not pretend the server stopped. Returns
 * how it ended so that tests and logs can tell a clean stop from a forced one.
 */
export async function killByPid(
  pid: number,
  options: KillOptions = {},
): Promise<'not-running' | 'terminated' | 'killed'> {
  const { graceMs = 5_000 } = options;
  if (!isAlive(pid)) return 'not-running';
  if (!signal(pid, 'SIGTERM')) return 'not-running';
  if (await waitUntilGone(pid, graceMs)) return 'terminated';
  signal(pid, 'SIGKILL');
  if (await waitUntilGone(pid, 5_000)) return 'killed';
  throw new Error(`process ${pid} is still running after SIGKILL`);
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(25);
  }
  return !isAlive(pid);
}

/**
 * Reads a daemon's pid file as soon as it appears.
 *
 * Ceph's daemons fork into the background, write a pid file and delete it again when
 * they exit, so the pid must be captured right after start: at stop time the file may
 * already be gone together with the process we need to wait for.
 */
export async function readPidFile(
  file: string,
  options: {
    readonly timeoutMs?: number;
    readonly what?: string;
    logFiles?: ReadonlyArray<string>;
  } = {},
): Promise<number> {
  const { timeoutMs = 10_000, what = `pid file ${file}`, logFiles = [] } = options;
  return waitFor(
    async () => {
      const text = await readFile(file, 'utf8');
      const pid = Number.parseInt(text.trim(), 10);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    },
    { timeoutMs, intervalMs: 50, what, logFiles },
  );
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion, failing with its stderr when it exits non-zero.
 *
 * Used for the one-shot setup tools (monmaptool, `ceph`, radosgw-admin) whose error output
 * is the only useful diagnosis; a timeout kills the command so no tool outlives a start.
 */
export async function runCommand(
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly timeoutMs?: number; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  const { timeoutMs = 30_000, env } = options;
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', env: env ?? process.env, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr });
          return;
        }
        const how = error.killed
          ? `was killed after ${timeoutMs} ms`
          : `exited with ${String(error.code ?? error.signal)}`;
        const output = [stderr.trim(), stdout.trim()].filter((s) => s !== '').join('\n');
        reject(
          new Error(
            `${command} ${args.join(' ')} ${how}${output === '' ? '' : `:\n${lastLines(output, 30)}`}`,
          ),
        );
      },
    );
  });
}

/** A long-running child process whose output goes to a log file. */
export interface LoggedChild {
  readonly pid: number;
  readonly child: ChildProcess;
  /** `null` while running; otherwise how it ended, e.g. "exited with code 1". */
  exitStatus(): string | null;
}

/**
 * Spawns a server in the foreground as our child, appending its stdout and stderr to a file.
 *
 * Being our child matters: Node reaps it when it exits. A daemon that forks into the
 * background is re-parented to PID 1, and where PID 1 does not reap (some container
 * and VM images) every stopped daemon stays in the process table as a zombie. The
 * output file catches what a daemon prints before its own logging is set up, such as
 * a bad option or a port already in use.
 */
export function spawnLogged(
  command: string,
  args: ReadonlyArray<string>,
  outputFile: string,
): LoggedChild {
  const fd = openSync(outputFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, [...args], { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let status: string | null = null;
  child.once('exit', (code, signalName) => {
    status =
      signalName === null ? `exited with code ${String(code)}` : `was killed by ${signalName}`;
  });
  child.once('error', (error) => {
    status = `could not start: ${error.message}`;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${command} could not start (no pid)`);
  trackPid(pid);
  return { pid, child, exitStatus: () => status };
}

function lastLines(text: string, count: number): string {
  return text.split('\n').slice(-count).join('\n');
}

// Daemons that detach survive the Node process that started them. Whatever a caller
// forgets to stop is killed when this process exits normally (not on SIGKILL of Node).
const trackedPids = new Set<number>();
let exitHookInstalled = false;

/**
 * Kills `pid` if this Node process exits before `untrackPid(pid)` is called.
 *
 * The last line of defence against leaked daemons, for a test runner that stops a
 * worker without running `afterAll`. It is synchronous SIGKILL because `exit`
 * handlers cannot wait.
 */
export function trackPid(pid: number): void {
  trackedPids.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const tracked of trackedPids) signal(tracked, 'SIGKILL');
    });
  }
}

/** Forgets a pid passed to `trackPid`, once the process has been stopped properly. */
export function untrackPid(pid: number): void {
  trackedPids.delete(pid);
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, ...) is in its cause.
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
