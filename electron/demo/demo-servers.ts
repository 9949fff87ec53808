import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../sandbox/launchers/process-tools';
import { startForge, type Forge } from '../sandbox/forge/forge';
import { BulkheadError } from '../../shared/ipc/errors';
import { missingDemoFiles, readDemoManifest, type DemoManifest } from './demo-manifest';

/**
 * `startDemoServers`: the demo's forge and git server, from its persisted state, on
 * fresh ports.
 *
 * The forge keeps everything in its data directory (`state.json`, `audit.ndjson`, the
 * bare repositories), so a restart serves exactly what the generator left, plus whatever
 * the user has done since (a restore, the diff's git fetches). It runs on the real clock
 * from here on: the story's simulated days are over. Safe to call on every app start;
 * it refuses, naming the file, when `demo.json` is missing or from another version, and
 * naming the process, when another one is serving the same demo.
 */

export interface DemoServers {
  /** Octokit's `baseUrl`: `http://127.0.0.1:<port>/api/v3`. */
  readonly apiUrl: string;
  /** Where clone URLs hang off: `<gitUrl>/<owner>/<repo>.git`. */
  readonly gitUrl: string;
  readonly owner: string;
  readonly manifest: DemoManifest;
  /** Stops the servers and closes the forge's files. */
  stop(): Promise<void>;
}

export interface StartDemoServersOptions {
  readonly dir: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** One line per internal failure of the forge; silent by default. */
  readonly log?: (line: string) => void;
}

/** The lock a serving process holds, so two never write the same forge state. */
export const demoServeLockName = '.serve.lock';

/**
 * Takes the demo's serve lock (its pid), or refuses naming the process that holds it.
 *
 * A lock left by a process that died is taken over: the forge's state is written whole
 * and atomically, so nothing is half-written behind it.
 */
async function takeServeLock(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, demoServeLockName);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => rm(file, { force: true });
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new BulkheadError(
          'unavailable',
          `the demo in ${dir} is already being served by process ${holder}${holder === process.pid ? ' (this one)' : ''}; stop it first`,
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new BulkheadError('unavailable', `the demo serve lock ${file} could not be taken`);
}

/** Starts the demo's forge; see the module comment. */
export async function startDemoServers(options: StartDemoServersOptions): Promise<DemoServers> {
  const dir = path.resolve(options.dir);
  const manifest = await readDemoManifest(dir);
  const missing = await missingDemoFiles(dir, manifest);
  if (missing.length > 0) {
    throw new BulkheadError(
      'not_found',
      `the demo in ${dir} is incomplete: ${missing.join(', ')} missing (regenerate it: bulkhead demo generate --force)`,
    );
  }
  const unlock = await takeServeLock(dir);
  let forge: Forge;
  try {
    forge = await startForge({
      dataDir: path.resolve(dir, manifest.paths.forgeData),
      port: options.port ?? 0,
      log: options.log ?? (() => undefined),
    });
  } catch (error: unknown) {
    await unlock();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    apiUrl: forge.apiUrl,
    gitUrl: forge.url,
    owner: manifest.owner,
    manifest,
    stop() {
      stopping ??= forge.close().finally(unlock);
      return stopping;
    },
  };
}
