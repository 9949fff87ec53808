import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/**
 * Whether a window can be shown at all.
 *
 * On Linux a headless session (SSH, CI, a container) has neither `DISPLAY` nor
 * `WAYLAND_DISPLAY`, and Chromium would fail with a cryptic error; macOS and Windows
 * always have a desktop.
 */
export function hasDisplay(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (platform !== 'linux' && platform !== 'freebsd' && platform !== 'openbsd') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

const pathNames = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

const fixedLocations: Partial<Record<NodeJS.Platform, ReadonlyArray<string>>> = {
  darwin: [
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ],
  win32: [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
  ],
};

/**
 * Finds a Chromium-family browser to show the app in, or null.
 *
 * Looks on PATH first (Debian's `/usr/bin/chromium`), then at the usual install places
 * on macOS and Windows. Only Chromium-family browsers support `--app` windows.
 */
export function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | null {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const suffix = platform === 'win32' ? '.exe' : '';
  for (const name of pathNames) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name + suffix);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return (fixedLocations[platform] ?? []).find(isExecutable) ?? null;
}

/**
 * The command line of the app window.
 *
 * A separate `--user-data-dir` inside the profile keeps the app's storage (IndexedDB,
 * the workspace) apart from the user's own browsing and makes the process ours alone,
 * so its exit means the window was closed. Background services that phone home are off.
 */
export function chromiumAppArgs(
  url: string,
  profileDir: string,
  options: { readonly runningAsRoot?: boolean } = {},
): string[] {
  return [
    `--app=${url}`,
    `--user-data-dir=${path.join(profileDir, 'chromium')}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // Chromium refuses to start as root with its sandbox on (containers, CI shells).
    ...(options.runningAsRoot ? ['--no-sandbox'] : []),
  ];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
