import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** A sandbox forge served by its own process, as the benchmarks use it. */
export interface ForgeProcess {
  /** Octokit's `baseUrl`: `http://127.0.0.1:<port>/api/v3`. */
  readonly apiUrl: string;
  /** Stops the process and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Serves the forge state in `dataDir` from the built `forge-main.mjs` in a process of
 * its own, so its request handling does not share the benchmark's event loop.
 */
export async function serveForge(dataDir: string): Promise<ForgeProcess> {
  const forgeMain = path.resolve(
    import.meta.dirname,
    '..',
    '..',
    'dist',
    'electron',
    'forge-main.mjs',
  );
  if (!existsSync(forgeMain)) {
    throw new Error(`${forgeMain} is missing: run node scripts/build.mjs --main first`);
  }
  const forge = spawn(process.execPath, [forgeMain, '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => forge.once('exit', resolve));
  const lines = createInterface({ input: forge.stdout });
  for await (const line of lines) {
    const ready = JSON.parse(line) as { apiUrl?: string };
    if (ready.apiUrl) {
      const apiUrl = ready.apiUrl;
      return {
        apiUrl,
        stop: async () => {
          forge.kill('SIGTERM');
          await exited;
        },
      };
    }
  }
  throw new Error('forge-main exited before it listened');
}
