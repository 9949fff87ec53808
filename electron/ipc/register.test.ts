import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { invokeChannels } from '../../shared/ipc/contract';
import { createDispatcher, type Handlers } from '../../shared/ipc/registry';
import { unusedHandlers } from '../../shared/ipc/unused-handlers';
import {
  isTrustedSender,
  registerIpc,
  type FrameLike,
  type InvokeEventLike,
  type IpcMainLike,
  type WebContentsLike,
} from './register';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  call(channel: string, event: InvokeEventLike, request: unknown): Promise<unknown> {
    const listener = this.handlers.get(channel);
    if (!listener) throw new Error(`no handler for ${channel}`);
    return listener(event, request);
  }
}

class FakeContents extends EventEmitter implements WebContentsLike {
  static nextId = 1;
  readonly id = FakeContents.nextId++;
  readonly sent: Array<[string, unknown]> = [];
  destroyed = false;
  constructor(public url = 'app://bulkhead/index.html') {
    super();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getURL(): string {
    return this.url;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

const mainFrame = (url = 'app://bulkhead/index.html'): FrameLike => ({ url, parent: null });

function eventFrom(sender: FakeContents, frame: FrameLike | null = mainFrame()): InvokeEventLike {
  return { sender, senderFrame: frame };
}

/** A dispatcher whose long task runs until cancelled, so cancellation is observable. */
function setup() {
  const started: string[] = [];
  const handlers: Handlers = {
    ...unusedHandlers(),
    'app:info': async () => ({
      name: 'Bulkhead',
      version: '0.0.0',
      host: 'electron',
      platform: 'test',
      nodeVersion: process.versions.node,
      electronVersion: null,
      profileDir: '/tmp/profile',
      startedAt: 0,
    }),
    'app:ping': async ({ nonce }) => ({ nonce, receivedAt: 1 }),
    'diagnostics:run': (req, ctx) =>
      new Promise((_resolve, reject) => {
        started.push(req.taskId);
        ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
  };
  const dispatcher = createDispatcher(handlers, { clock: () => Date.now(), logError: () => {} });
  const ipcMain = new FakeIpcMain();
  const windows: FakeContents[] = [];
  const dispose = registerIpc({ ipcMain, dispatcher, targets: () => windows });
  return { ipcMain, dispatcher, windows, dispose, started };
}

describe('isTrustedSender', () => {
  const sender = new FakeContents();
  it('trusts only the main frame of app://bulkhead', () => {
    expect(isTrustedSender(eventFrom(sender))).toBe(true);
    expect(isTrustedSender(eventFrom(sender, mainFrame('app://bulkhead/x/y?z')))).toBe(true);
    expect(isTrustedSender(eventFrom(sender, null))).toBe(false);
    expect(isTrustedSender(eventFrom(sender, mainFrame('app://evil/index.html')))).toBe(false);
    expect(isTrustedSender(eventFrom(sender, mainFrame('https://bulkhead/')))).toBe(false);
    expect(isTrustedSender(eventFrom(sender, mainFrame('file:///index.html')))).toBe(false);
    expect(isTrustedSender(eventFrom(sender, mainFrame('about:blank')))).toBe(false);
    expect(isTrustedSender(eventFrom(sender, mainFrame('')))).toBe(false);
    const child: FrameLike = { url: 'app://bulkhead/index.html', parent: mainFrame() };
    expect(isTrustedSender(eventFrom(sender, child))).toBe(false);
  });
});

describe('registerIpc', () => {
  it('handles every contract channel, once each, and removes them on dispose', () => {
    const { ipcMain, dispose } = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(Object.keys(invokeChannels).sort());
    dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('dispatches calls from the app page', async () => {
    const { ipcMain } = setup();
    const answer = await ipcMain.call('app:ping', eventFrom(new FakeContents()), { nonce: 'n1' });
    expect(answer).toEqual({ ok: true, value: { nonce: 'n1', receivedAt: 1 } });
    const bad = await ipcMain.call('app:ping', eventFrom(new FakeContents()), { nonce: 7 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('refuses subframes and foreign pages with forbidden, without dispatching', async () => {
    const { ipcMain, started } = setup();
    const sender = new FakeContents();
    const subframe: FrameLike = { url: 'app://bulkhead/index.html', parent: mainFrame() };
    for (const event of [
      eventFrom(sender, subframe),
      eventFrom(sender, mainFrame('https://attacker.example/')),
      eventFrom(sender, null),
    ]) {
      const answer = await ipcMain.call('diagnostics:run', event, { taskId: 'task-0001' });
      expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(started).toEqual([]);
  });

  it('sends events to the app windows only', async () => {
    const { ipcMain, windows } = setup();
    const app = new FakeContents();
    const foreign = new FakeContents('https://example.com/');
    const gone = new FakeContents();
    gone.destroyed = true;
    windows.push(app, foreign, gone);
    const pending = ipcMain.call('diagnostics:run', eventFrom(app), { taskId: 'task-0002' });
    await ipcMain.call('task:cancel', eventFrom(app), { taskId: 'task-0002' });
    await pending;
    const channels = app.sent.map(([channel]) => channel);
    expect(channels).toContain('task:progress');
    expect(app.sent.at(-1)?.[1]).toMatchObject({ taskId: 'task-0002', state: 'cancelled' });
    expect(foreign.sent).toEqual([]);
    expect(gone.sent).toEqual([]);
  });

  it('cancels the tasks of a window when it is destroyed, not those of others', async () => {
    const { ipcMain, dispatcher, started } = setup();
    const closing = new FakeContents();
    const staying = new FakeContents();
    const first = ipcMain.call('diagnostics:run', eventFrom(closing), { taskId: 'closing-1' });
    const second = ipcMain.call('diagnostics:run', eventFrom(staying), { taskId: 'staying-1' });
    await Promise.resolve();
    expect(started).toEqual(['closing-1', 'staying-1']);

    closing.destroy();
    expect(await first).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    const list = await dispatcher.invoke('task:list', {});
    expect(list).toMatchObject({ ok: true });
    const states = (list as { value: Array<{ taskId: string; state: string }> }).value;
    expect(states.find((t) => t.taskId === 'staying-1')?.state).toBe('running');

    dispatcher.cancelAll();
    expect(await second).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });
});
