// The Electron main process: lifecycle only. It registers the `app://` scheme, hardens
// every web contents and session, wires the contract dispatcher to IPC and opens the
// one window; the services behind the dispatcher never import Electron.
// Usage: electron . [--profile <dir>]   (or BULKHEAD_PROFILE=<dir>)
import {
  BrowserWindow,
  app,
  ipcMain,
  protocol,
  safeStorage,
  session,
  type WebContents,
} from 'electron';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createHostDispatcher } from './services/host-setup';
import { registerIpc } from './ipc/register';
import {
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  createAppProtocolHandler,
} from './windows/app-protocol';
import { readLaunchOptions } from './windows/launch-options';
import { createMainWindow, mainWindowPaths } from './windows/main-window';
import { openExternalSafe } from './windows/open-external';

// `__dirname` is dist/electron/ in the bundle, in a checkout and inside app.asar alike.
const bundleDir = __dirname;
const rendererRoot = path.resolve(bundleDir, '..', 'renderer');

// The profile must be set before the single-instance lock, which Electron keys on
// `userData`: launches with different profiles (tests in parallel) run side by side.
// `setPath` throws when the folder does not exist yet (a first launch, a new --profile).
const launch = readLaunchOptions(process.argv.slice(1));
mkdirSync(launch.profileDir, { recursive: true });
app.setPath('userData', launch.profileDir);

// SECURITY: begin — process-wide defaults, set before `ready`. Protects against a
// renderer that would otherwise run unsandboxed, and gives `app://` a real origin.
app.enableSandbox();
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
// SECURITY: end

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start();
}

function start(): void {
  let mainWindow: BrowserWindow | null = null;
  let disposeIpc: (() => void) | null = null;
  let shutdownServices: (() => Promise<void>) | null = null;
  let servicesShutDown = false;

  const openWindow = () => {
    mainWindow = createMainWindow(mainWindowPaths(bundleDir));
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  };

  app.on('web-contents-created', (_event, contents) => hardenContents(contents));

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) openWindow();
  });

  // Quitting waits once for the services to cancel their tasks and remove their temp
  // files (opened catalog imports), then quits for real.
  app.on('will-quit', (event) => {
    disposeIpc?.();
    disposeIpc = null;
    if (servicesShutDown || !shutdownServices) return;
    servicesShutDown = true;
    event.preventDefault();
    void shutdownServices().finally(() => app.quit());
  });

  app
    .whenReady()
    .then(() => {
      hardenSession();
      protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererRoot));
      const dispatcher = createHostDispatcher({
        host: 'electron',
        profileDir: launch.profileDir,
        electronVersion: process.versions.electron ?? null,
        // The vault is sealed by the OS keychain here; the service sees only this interface.
        ...vaultKeychain(),
        demo: launch.demo,
      });
      shutdownServices = () => dispatcher.shutdown();
      disposeIpc = registerIpc({
        ipcMain,
        dispatcher,
        targets: () => BrowserWindow.getAllWindows().map((window) => window.webContents),
      });
      openWindow();
    })
    .catch((error: unknown) => {
      process.stderr.write(`bulkhead: startup failed: ${String(error)}\n`);
      app.exit(1);
    });
}

/**
 * The OS keychain for the credential vault, or nothing when there is none worth the name.
 *
 * SECURITY: on Linux without a keyring Electron falls back to `basic_text`, a key fixed
 * in Chromium's source: sealing restore credentials with it would only obfuscate them.
 * The vault then uses a passphrase, as the browser host does.
 */
function vaultKeychain(): { safeStorage?: typeof safeStorage } {
  const storage: typeof safeStorage | undefined = safeStorage;
  if (storage === undefined) return {};
  if (process.platform === 'linux' && storage.getSelectedStorageBackend() === 'basic_text') {
    process.stderr.write(
      'bulkhead: no system keyring (safeStorage would use basic_text); the credential vault uses a passphrase\n',
    );
    return {};
  }
  return { safeStorage: storage };
}

// SECURITY: begin — navigation and permissions. Protects the privileged page from being
// replaced by another origin, from embedding <webview>s, from opening windows, and the
// user's devices (camera, microphone, location, USB, ...) from any page at all.
// A navigation is never followed, not even to the system browser: only a link the user
// opens as a new window (`target="_blank"`) reaches `openExternalSafe`, https only.
function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafe(url);
    return { action: 'deny' };
  });
}

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}
// SECURITY: end
