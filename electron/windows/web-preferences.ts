import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/**
 * The web preferences of every Bulkhead window.
 *
 * Exported as data so that unit tests and the Electron e2e suite assert the very object
 * the window is built with. The renderer is untrusted content with a typed bridge: it
 * gets no Node, no `<webview>`, an isolated world for the preload and Chromium's
 * sandbox around its process.
 */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  // SECURITY: begin — the renderer's isolation. Protects the main process, the file
  // system and the credentials from anything that runs in the page.
  return {
    preload: preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
  // SECURITY: end
}

/** The dark background painted before the first frame, so the window never flashes white. */
export const WINDOW_BACKGROUND = '#0d1117';

/** The main window's shape: a laptop-sized console that still fits a small screen. */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    title: 'Bulkhead',
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: WINDOW_BACKGROUND,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preloadPath),
  };
}
