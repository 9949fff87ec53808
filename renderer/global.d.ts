import type { BulkheadBridge } from '../shared/ipc/bridge';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser host, which uses the loopback bridge. */
    readonly bulkhead?: BulkheadBridge;
  }
}

export {};
