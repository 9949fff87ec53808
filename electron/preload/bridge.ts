import { isEventChannel, isInvokeChannel } from '../../shared/ipc/contract';
import type { BulkheadBridge } from '../../shared/ipc/bridge';
import type { Envelope } from '../../shared/ipc/registry';

/** The part of `ipcRenderer` the bridge uses; the real one is passed in by `index.ts`. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

// SECURITY: begin — the whole surface the page gets. Protects the main process from a
// page that calls channels outside the contract, and keeps `ipcRenderer`, its events
// and their `sender` out of the page's reach.
/**
 * Builds `window.bulkhead` over `ipcRenderer`.
 *
 * Only contract channels pass: an unknown invoke channel answers a `not_found`
 * envelope without reaching the main process (the same answer the dispatcher gives),
 * and an unknown event channel throws at subscription, where the mistake is made.
 * Listeners receive the payload only, never the `IpcRendererEvent`.
 */
export function createPreloadBridge(ipc: IpcRendererLike): BulkheadBridge {
  return Object.freeze({
    invoke(channel: string, request: unknown): Promise<unknown> {
      if (!isInvokeChannel(channel)) {
        const refused: Envelope = {
          ok: false,
          error: { code: 'not_found', message: `no such channel: ${String(channel)}` },
        };
        return Promise.resolve(refused);
      }
      return ipc.invoke(channel, request);
    },
    on(channel: string, listener: (payload: unknown) => void): () => void {
      if (!isEventChannel(channel))
        throw new TypeError(`no such event channel: ${String(channel)}`);
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      const forward = (_event: unknown, payload: unknown) => listener(payload);
      ipc.on(channel, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(channel, forward);
      };
    },
  });
}
// SECURITY: end
