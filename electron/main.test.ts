import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeChannels } from '../shared/ipc/contract';
import { CONTENT_SECURITY_POLICY } from './windows/app-protocol';

// Electron's binary cannot run here, so this runs the real bundled main process
// (electron/main.ts built as build.mjs builds it) against a recording stand-in for the
// `electron` module, and checks the wiring: what happens before `ready`, the protocol,
// the permission and navigation guards, the window, IPC and shutdown.

type Handler = (...args: unknown[]) => unknown;

class FakeWebContents extends EventEmitter {
  static next = 1;
  readonly id = FakeWebContents.next++;
  url = '';
  windowOpenHandler: Handler | null = null;
  readonly sent: unknown[][] = [];
  readonly mainFrame = { url: '', parent: null };
  setWindowOpenHandler(handler: Handler): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return false;
  }
  getURL(): string {
    return this.url;
  }
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
}

function createFakeElectron() {
  const calls: string[] = [];
  const windows: FakeBrowserWindow[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const app = Object.assign(new EventEmitter(), {
    paths: new Map<string, string>(),
    isReadyFlag: false,
    setPath(name: string, value: string) {
      if (!existsSync(value)) throw new Error(`setPath: ${value} does not exist`);
      calls.push(`setPath:${name}`);
      this.paths.set(name, value);
    },
    getPath(name: string) {
      return this.paths.get(name) ?? '';
    },
    enableSandbox: () => calls.push('enableSandbox'),
    requestSingleInstanceLock: () => (calls.push('requestSingleInstanceLock'), true),
    quit: () => calls.push('quit'),
    exit: (code: number) => calls.push(`exit:${code}`),
    isReady() {
      return this.isReadyFlag;
    },
    whenReady: () => ready,
  });
  const protocol = {
    privileged: [] as unknown[],
    handlers: new Map<string, (request: Request) => Promise<Response>>(),
    registerSchemesAsPrivileged(schemes: unknown[]) {
      calls.push(`registerSchemesAsPrivileged:ready=${String(app.isReadyFlag)}`);
      this.privileged.push(...schemes);
    },
    handle(scheme: string, handler: (request: Request) => Promise<Response>) {
      calls.push(`protocol.handle:${scheme}`);
      this.handlers.set(scheme, handler);
    },
  };
  const defaultSession = {
    requestHandler: null as Handler | null,
    checkHandler: null as Handler | null,
    deviceHandler: null as Handler | null,
    setPermissionRequestHandler(handler: Handler) {
      this.requestHandler = handler;
    },
    setPermissionCheckHandler(handler: Handler) {
      this.checkHandler = handler;
    },
    setDevicePermissionHandler(handler: Handler) {
      this.deviceHandler = handler;
    },
  };
  const ipcMain = {
    handlers: new Map<string, Handler>(),
    handle(channel: string, handler: Handler) {
      if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      this.handlers.set(channel, handler);
    },
    removeHandler(channel: string) {
      this.handlers.delete(channel);
    },
  };
  const opened: string[] = [];
  const shell = { openExternal: async (url: string) => void opened.push(url) };

  class FakeBrowserWindow extends EventEmitter {
    static getAllWindows = () => windows;
    readonly webContents = new FakeWebContents();
    loadedUrl = '';
    shown = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    async loadURL(url: string) {
      this.loadedUrl = url;
      this.webContents.url = url;
      this.webContents.mainFrame.url = url;
    }
    show() {
      this.shown = true;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
  }

  const fake = {
    app,
    protocol,
    session: { defaultSession },
    ipcMain,
    shell,
    BrowserWindow: FakeBrowserWindow,
  };
  return {
    fake,
    calls,
    windows,
    opened,
    becomeReady() {
      app.isReadyFlag = true;
      markReady();
    },
  };
}

let dir: string;
let profile: string;
let electron: ReturnType<typeof createFakeElectron>;
const savedArgv = process.argv;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-main-'));
  profile = path.join(dir, 'profile', 'not-yet-there');
  await build({
    entryPoints: { main: path.join(import.meta.dirname, 'main.ts') },
    outdir: path.join(dir, 'electron'),
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['electron'],
    logLevel: 'warning',
  });
  await mkdir(path.join(dir, 'renderer'));
  await writeFile(path.join(dir, 'renderer', 'index.html'), '<title>Bulkhead</title>');
  await mkdir(path.join(dir, 'node_modules', 'electron'), { recursive: true });
  await writeFile(
    path.join(dir, 'node_modules', 'electron', 'index.js'),
    'module.exports = globalThis.__bulkheadFakeElectron;\n',
  );

  electron = createFakeElectron();
  (globalThis as Record<string, unknown>).__bulkheadFakeElectron = electron.fake;
  process.argv = ['/opt/electron', '.', '--no-sandbox', '--profile', profile];
  try {
    createRequire(path.join(dir, 'package.json'))('./electron/main.cjs');
  } finally {
    process.argv = savedArgv;
  }
}, 60_000);

afterAll(async () => {
  delete (globalThis as Record<string, unknown>).__bulkheadFakeElectron;
  await rm(dir, { recursive: true, force: true });
});

describe('electron/main.ts, before ready', () => {
  it('creates the profile, sets userData, then takes the single-instance lock', () => {
    expect(existsSync(profile)).toBe(true);
    expect(electron.fake.app.getPath('userData')).toBe(profile);
    const order = electron.calls;
    expect(order.indexOf('setPath:userData')).toBeLessThan(
      order.indexOf('requestSingleInstanceLock'),
    );
  });

  it('registers app:// as a privileged scheme before ready and enables the sandbox', () => {
    expect(electron.calls).toContain('registerSchemesAsPrivileged:ready=false');
    expect(electron.calls).toContain('enableSandbox');
    expect(electron.fake.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    expect(electron.windows).toHaveLength(0);
  });
});

describe('electron/main.ts, once ready', () => {
  beforeAll(async () => {
    electron.becomeReady();
    await new Promise((resolve) => setTimeout(resolve, 0));
  });

  it('serves the renderer over app:// with the CSP', async () => {
    const handler = electron.fake.protocol.handlers.get('app');
    if (!handler) throw new Error('app:// is not handled');
    const response = await handler(new Request('app://bulkhead/index.html'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<title>Bulkhead</title>');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const escape = await handler(new Request('app://bulkhead/..%2fnode_modules/electron/index.js'));
    expect(escape.status).toBe(403);
  });

  it('denies every permission', () => {
    const session = electron.fake.session.defaultSession;
    const answers: boolean[] = [];
    session.requestHandler?.({}, 'media', (granted: boolean) => answers.push(granted), {});
    session.requestHandler?.({}, 'notifications', (granted: boolean) => answers.push(granted), {});
    expect(answers).toEqual([false, false]);
    expect(session.checkHandler?.(null, 'clipboard-read', 'app://bulkhead', {})).toBe(false);
    expect(session.deviceHandler?.({ deviceType: 'usb' })).toBe(false);
  });

  it('opens one sandboxed window on app://bulkhead/index.html, shown when ready', () => {
    expect(electron.windows).toHaveLength(1);
    const [window] = electron.windows;
    if (!window) throw new Error('no window');
    expect(window.loadedUrl).toBe('app://bulkhead/index.html');
    expect(window.options).toMatchObject({
      title: 'Bulkhead',
      show: false,
      webPreferences: {
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        webviewTag: false,
        preload: path.join(dir, 'electron', 'preload.cjs'),
      },
    });
    expect(window.shown).toBe(false);
    window.emit('ready-to-show');
    expect(window.shown).toBe(true);
  });

  it('blocks navigation, webviews and new windows; only an https new window goes to the browser', () => {
    const contents = electron.windows[0]?.webContents;
    if (!contents) throw new Error('no window');
    const prevented: string[] = [];
    const event = (url: string) => ({ url, preventDefault: () => prevented.push(url) });
    contents.emit('will-navigate', event('https://docs.github.com/'));
    contents.emit('will-navigate', event('file:///etc/passwd'));
    contents.emit('will-navigate', event('app://bulkhead/other.html'));
    contents.emit('will-attach-webview', event('webview'));
    expect(prevented).toEqual([
      'https://docs.github.com/',
      'file:///etc/passwd',
      'app://bulkhead/other.html',
      'webview',
    ]);
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({
      action: 'deny',
    });
    expect(contents.windowOpenHandler?.({ url: 'smb://host/share' })).toEqual({ action: 'deny' });
    expect(electron.opened).toEqual(['https://example.com/']);
  });

  it('answers every contract channel over IPC for the app page only', async () => {
    const ipc = electron.fake.ipcMain;
    expect([...ipc.handlers.keys()].sort()).toEqual(Object.keys(invokeChannels).sort());
    const contents = electron.windows[0]?.webContents;
    if (!contents) throw new Error('no window');
    const info = await ipc.handlers.get('app:info')?.(
      { sender: contents, senderFrame: contents.mainFrame },
      {},
    );
    expect(info).toMatchObject({
      ok: true,
      value: { host: 'electron', profileDir: profile, name: 'Bulkhead' },
    });
    const foreign = await ipc.handlers.get('app:info')?.(
      { sender: contents, senderFrame: { url: 'https://evil.example/', parent: null } },
      {},
    );
    expect(foreign).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('removes the IPC handlers on quit, waits once for the services to shut down, then quits', async () => {
    let prevented = 0;
    const quitEvent = () => ({ preventDefault: () => (prevented += 1) });
    electron.fake.app.emit('will-quit', quitEvent());
    expect(electron.fake.ipcMain.handlers.size).toBe(0);
    expect(prevented).toBe(1);
    await expect.poll(() => electron.calls.includes('quit')).toBe(true);
    // The second will-quit, from that quit, goes through.
    electron.fake.app.emit('will-quit', quitEvent());
    expect(prevented).toBe(1);
  });
});
