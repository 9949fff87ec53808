import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultProfileDir } from '../services/profile';

/** What a launch of the browser host was asked for on its command line. */
export interface BrowserHostOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly profileDir: string;
  /** The built renderer to serve. */
  readonly staticRoot: string;
  /** Open the app in a Chromium app window when a display exists. */
  readonly open: boolean;
  /** Print one JSON line `{ url, port, token }` when ready, for tests and scripts. */
  readonly printUrlJson: boolean;
  /** Serve the embedded demo incident (generated into the profile on first run). */
  readonly demo: boolean;
  readonly help: boolean;
}

export const browserHostUsage = `Usage: node dist/electron/browser-host.mjs [options]

Serves Bulkhead's built renderer and services on 127.0.0.1 for a plain Chromium.

  --port <n>         port to listen on (default 0: a free port)
  --profile <dir>    profile folder (default: BULKHEAD_PROFILE or the per-user folder)
  --static <dir>     built renderer to serve (default: dist/renderer)
  --open             open a Chromium app window when a display exists
  --demo             serve the demo incident (generated into <profile>/demo on first run)
  --print-url-json   print {"url","port","token"} as one JSON line when ready
  --help             show this text`;

/** A command line the host cannot run with; the message says what was wrong. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Reads the browser host's flags.
 *
 * Unlike Electron's, this command line is ours alone, so unknown flags are errors: a
 * typo such as `--prot 8080` should not silently start on a random port.
 * `defaultStaticRoot` comes from the entry, which knows where its bundle lives.
 */
export function readBrowserHostOptions(
  argv: ReadonlyArray<string>,
  defaults: {
    readonly staticRoot: string;
    readonly env?: NodeJS.ProcessEnv;
    readonly cwd?: string;
  },
): BrowserHostOptions {
  const cwd = defaults.cwd ?? process.cwd();
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        profile: { type: 'string' },
        static: { type: 'string' },
        open: { type: 'boolean' },
        'print-url-json': { type: 'boolean' },
        demo: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535 || values.port === '') {
    throw new UsageError(`--port must be a whole number from 0 to 65535, not "${values.port}"`);
  }
  return {
    port,
    profileDir: values.profile
      ? path.resolve(cwd, values.profile)
      : defaultProfileDir(defaults.env ?? process.env),
    staticRoot: values.static ? path.resolve(cwd, values.static) : defaults.staticRoot,
    open: values.open ?? false,
    printUrlJson: values['print-url-json'] ?? false,
    demo: values.demo ?? false,
    help: values.help ?? false,
  };
}

/**
 * Where the built renderer is, seen from the running host module.
 *
 * The bundle lives in `dist/electron/`, beside `dist/renderer/`; run from source
 * (`tsx electron/host/browser-host.ts`) it is two folders up from `electron/host/`.
 */
export function defaultStaticRoot(moduleDir: string): string {
  const inDist =
    path.basename(moduleDir) === 'electron' && path.basename(path.dirname(moduleDir)) === 'dist';
  return inDist
    ? path.resolve(moduleDir, '..', 'renderer')
    : path.resolve(moduleDir, '..', '..', 'dist', 'renderer');
}
