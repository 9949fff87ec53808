// The sandboxed preload: exposes `window.bulkhead` and nothing else. It is bundled into
// one CommonJS file (dist/electron/preload.cjs) because a sandboxed preload can require
// only `electron`; the contract's channel list is bundled in with it.
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadBridge } from './bridge';

// SECURITY: begin — the only thing the page receives from the preload. Never expose
// `ipcRenderer`, `shell`, `fs` or any other Node or Electron object here.
contextBridge.exposeInMainWorld('bulkhead', createPreloadBridge(ipcRenderer));
// SECURITY: end
