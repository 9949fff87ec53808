import { BrowserWindow } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { APP_ENTRY_URL } from './app-protocol';
import { mainWindowOptions } from './web-preferences';

/** Where the built files sit next to the bundled main process (`dist/electron/`). */
export interface MainWindowPaths {
  /** The sandboxed preload bundle, `dist/electron/preload.cjs`. */
  readonly preload: string;
  /** The window icon when it exists (in a checkout; a package gets its icon from the OS). */
  readonly icon?: string;
}

/** The paths a window needs, relative to the directory of the bundled `main.cjs`. */
export function mainWindowPaths(bundleDir: string): MainWindowPaths {
  const icon = path.resolve(bundleDir, '..', '..', 'resources', 'icons', 'icon.png');
  return {
    preload: path.join(bundleDir, 'preload.cjs'),
    ...(existsSync(icon) ? { icon } : {}),
  };
}

/**
 * Creates the one console window and loads the renderer from `app://bulkhead`.
 *
 * The window stays hidden until the first paint (`ready-to-show`) and has a dark
 * background, so an on-call engineer never sees a white flash or a half-drawn page.
 */
export function createMainWindow(paths: MainWindowPaths): BrowserWindow {
  const window = new BrowserWindow({
    ...mainWindowOptions(paths.preload),
    ...(paths.icon ? { icon: paths.icon } : {}),
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY_URL).catch((error: unknown) => {
    process.stderr.write(`bulkhead: could not load ${APP_ENTRY_URL}: ${String(error)}\n`);
  });
  return window;
}
