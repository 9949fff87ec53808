import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultProfileDir } from '../services/profile';

/** What a launch of the Electron app was asked for on its command line. */
export interface LaunchOptions {
  /** The profile folder, made absolute; becomes Electron's `userData`. */
  readonly profileDir: string;
  /** `--demo`: serve the embedded demo incident (as `npm start` with no arguments asks). */
  readonly demo: boolean;
}

/**
 * Reads the app's own flags from Electron's `process.argv`.
 *
 * `--profile <dir>` (or `--profile=<dir>`) wins over `BULKHEAD_PROFILE`, which wins over
 * the platform default, exactly as in the browser host and the command line. Unknown
 * flags are ignored: Chromium and the OS add their own switches to the command line.
 */
export function readLaunchOptions(
  argv: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): LaunchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: { profile: { type: 'string' }, demo: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
  });
  const profile = values.profile;
  const demo = values.demo === true;
  if (typeof profile === 'string' && profile !== '') {
    return { profileDir: path.resolve(cwd, profile), demo };
  }
  return { profileDir: defaultProfileDir(env), demo };
}
