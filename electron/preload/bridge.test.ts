import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createPreloadBridge, type IpcRendererLike } from './bridge';

class FakeIpcRenderer extends EventEmitter implements IpcRendererLike {
  readonly invoked: Array<[string, unknown[]]> = [];
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push([channel, args]);
    return Promise.resolve({ ok: true, value: { channel } });
  }
}

describe('createPreloadBridge', () => {
  it('exposes invoke and on, and nothing else', () => {
    const bridge = createPreloadBridge(new FakeIpcRenderer());
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on']);
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('forwards contract channels with exactly one request', async () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createPreloadBridge(ipc);
    await expect(bridge.invoke('app:ping', { nonce: 'x' })).resolves.toEqual({
      ok: true,
      value: { channel: 'app:ping' },
    });
    expect(ipc.invoked).toEqual([['app:ping', [{ nonce: 'x' }]]]);
  });

  it('answers not_found for other channels without reaching the main process', async () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createPreloadBridge(ipc);
    for (const channel of ['ELECTRON_BROWSER_REQUIRE', 'toString', '__proto__', 'fs:read', '']) {
      await expect(bridge.invoke(channel, {})).resolves.toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    }
    expect(ipc.invoked).toEqual([]);
  });

  it('delivers event payloads without the IPC event, until unsubscribed', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createPreloadBridge(ipc);
    const received: unknown[][] = [];
    const off = bridge.on('task:progress', (...args: unknown[]) => received.push(args));
    ipc.emit('task:progress', { sender: 'secret ipc event' }, { taskId: 'a' });
    expect(received).toEqual([[{ taskId: 'a' }]]);
    off();
    off();
    ipc.emit('task:progress', { sender: 'x' }, { taskId: 'b' });
    expect(received).toHaveLength(1);
    expect(ipc.listenerCount('task:progress')).toBe(0);
  });

  it('refuses to subscribe to channels outside the contract', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createPreloadBridge(ipc);
    expect(() => bridge.on('app:ping', () => {})).toThrow(/no such event channel/);
    expect(() => bridge.on('ELECTRON_INTERNAL', () => {})).toThrow(/no such event channel/);
    expect(ipc.eventNames()).toEqual([]);
  });
});
