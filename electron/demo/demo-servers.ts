import path from 'node:path';
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
 * it refuses, naming the file, when `demo.json` is missing or from another version.
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
  const forge: Forge = await startForge({
    dataDir: path.resolve(dir, manifest.paths.forgeData),
    port: options.port ?? 0,
    log: options.log ?? (() => undefined),
  });
  return {
    apiUrl: forge.apiUrl,
    gitUrl: forge.url,
    owner: manifest.owner,
    manifest,
    stop: () => forge.close(),
  };
}
