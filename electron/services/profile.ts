import os from 'node:os';
import path from 'node:path';

/**
 * Where a launch keeps its files: the workspace, logs, and later the vault and the demo.
 *
 * `BULKHEAD_PROFILE` (or a host's `--profile` flag) wins, so tests and parallel launches
 * each get their own; otherwise the platform's per-user config folder, the same place
 * Electron's `app.getPath('userData')` would choose.
 */
export function defaultProfileDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BULKHEAD_PROFILE) return path.resolve(env.BULKHEAD_PROFILE);
  switch (process.platform) {
    case 'darwin':
      return path.join(os.homedir(), 'Library', 'Application Support', 'Bulkhead');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Bulkhead');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'Bulkhead');
  }
}
