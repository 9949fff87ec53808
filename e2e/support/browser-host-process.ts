import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { browserHostBundle, repoRoot } from './repo-paths';

/** A browser host this test started, and how to stop it. */
export interface BrowserHostProcess {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  readonly pid: number;
  /** Stops the host (SIGTERM, then SIGKILL after a grace period) and waits for its exit. */
  stop(): Promise<void>;
}

const readyTimeoutMs = 20_000;
const stopGraceMs = 5_000;

/**
 * Starts `dist/electron/browser-host.mjs` on a free port with the given profile, and
 * `extraArgs` after the fixed ones (the story spec passes `--demo`).
 *
 * Resolves when the host prints its `{url, port, token}` line, which it does only once
 * it listens: the signal to wait on, instead of polling the port.
 */
export async function startBrowserHostProcess(
  profileDir: string,
  extraArgs: ReadonlyArray<string> = [],
): Promise<BrowserHostProcess> {
  if (!existsSync(browserHostBundle)) {
    throw new Error(`${browserHostBundle} is missing: run npm run build`);
  }
  const child = spawn(
    process.execPath,
    [browserHostBundle, '--port', '0', '--profile', profileDir, '--print-url-json', ...extraArgs],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  );
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

  const ready = await new Promise<{ url: string; port: number; token: string }>(
    (resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      const timer = setTimeout(() => {
        fail(`the browser host did not print its URL within ${readyTimeoutMs} ms`);
      }, readyTimeoutMs);
      function fail(message: string) {
        clearTimeout(timer);
        lines.close();
        child.kill('SIGKILL');
        reject(new Error(`${message}\n${stderr.join('')}`.trim()));
      }
      lines.on('line', (line) => {
        if (!line.startsWith('{')) return;
        clearTimeout(timer);
        // Keep draining stdout so the host never blocks on a full pipe.
        lines.removeAllListeners('line');
        child.stdout.resume();
        resolve(JSON.parse(line) as { url: string; port: number; token: string });
      });
      child.once('error', (error) => fail(`could not start the browser host: ${error.message}`));
      child.once('exit', (code, signal) => {
        fail(`the browser host exited before it was ready (code ${code}, signal ${signal})`);
      });
    },
  );
  child.removeAllListeners('exit');

  return {
    ...ready,
    origin: new URL(ready.url).origin,
    pid: child.pid ?? -1,
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
