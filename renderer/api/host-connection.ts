/** How the renderer's link to its host is doing; shown in the status bar. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized';

/** A snapshot of the connection; a new object on every change, so React can compare. */
export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** When the next reconnect attempt starts (epoch ms), while `reconnecting`. */
  readonly retryAt: number | null;
  /** Counts successful (re)connections; a change means events may have been missed. */
  readonly epoch: number;
}

/**
 * The live connection state of a host, readable and observable.
 *
 * Shaped for `useSyncExternalStore`: `current()` returns the same object until the
 * state changes.
 */
export interface HostConnection {
  current(): ConnectionStatus;
  onDidChange(listener: () => void): () => void;
}

/**
 * The connection of the Electron host, which is always there.
 *
 * IPC to the main process cannot drop while the window lives, so there is nothing to
 * report but `connected`.
 */
export function alwaysConnected(): HostConnection {
  const status: ConnectionStatus = { state: 'connected', retryAt: null, epoch: 1 };
  return { current: () => status, onDidChange: () => () => undefined };
}
