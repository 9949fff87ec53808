import { execFile } from 'node:child_process';
import path from 'node:path';

/** The built command line, as `npm install` puts it on a user's PATH. */
export const bulkheadBin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'bulkhead.mjs');

/** How a run of the command line ended. */
export interface CliRun {
  /** The exit code; null when it was killed by a signal or the time limit. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `bulkhead <args>` as a user would, in its own process, and never rejects: a
 * failing command is an answer the tests check (its code and what it printed).
 */
export function runBulkhead(
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number },
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bulkheadBin, ...args],
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        env: { ...process.env, ...options.env },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
