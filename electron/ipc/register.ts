import { invokeChannels, taskSpecOf, type InvokeChannel } from '../../shared/ipc/contract';
import type { Dispatcher, Envelope } from '../../shared/ipc/registry';
import { APP_HOST, APP_SCHEME } from '../windows/app-protocol';

/**
 * Electron IPC in front of the contract dispatcher.
 *
 * One `ipcMain.handle` per contract channel, all made by the one `handle()` helper
 * below, which is the only caller of `ipcMain.handle` in Bulkhead. Electron's objects
 * come in through narrow interfaces so the sender checks, the event fan-out and the
 * task cancellation are unit-tested without starting Electron.
 */

/** The part of a `WebFrameMain` the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
}

/** The part of a `WebContents` IPC needs: identity, its URL, `send`, and its end. */
export interface WebContentsLike {
  readonly id: number;
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, ...args: unknown[]): void;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** The part of an `IpcMainInvokeEvent` the handlers read. */
export interface InvokeEventLike {
  readonly sender: WebContentsLike;
  readonly senderFrame: FrameLike | null;
}

/** The part of `ipcMain` this module uses. */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>,
  ): void;
  removeHandler(channel: string): void;
}

/** What `registerIpc` wires together; `main.ts` passes Electron's real objects. */
export interface RegisterIpcOptions {
  readonly ipcMain: IpcMainLike;
  readonly dispatcher: Dispatcher;
  /** Every window's contents that events fan out to, e.g. from `BrowserWindow.getAllWindows()`. */
  readonly targets: () => Iterable<WebContentsLike>;
}

// SECURITY: begin — who may call the services. Protects every channel (and later the
// restore credential behind them) from frames that are not Bulkhead's own page: an
// iframe, a page the window was somehow navigated to, or a foreign origin.
/**
 * Whether a URL belongs to Bulkhead's renderer, `app://bulkhead/...`.
 *
 * Compared by scheme and host, not by `URL.origin`: Node reports `"null"` as the origin
 * of every non-special scheme, `app:` included.
 */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Whether an IPC call comes from the main frame of a page served from `app://bulkhead`. */
export function isTrustedSender(event: InvokeEventLike): boolean {
  const frame = event.senderFrame;
  if (frame === null) return false; // the frame navigated away or was destroyed
  if (frame.parent !== null) return false; // a subframe, whatever its origin
  return isAppUrl(frame.url);
}
// SECURITY: end

const forbidden: Envelope = {
  ok: false,
  error: { code: 'forbidden', message: 'this frame may not call Bulkhead services' },
};

/**
 * Serves every contract channel over `ipcMain` and forwards every event to the windows.
 *
 * Long tasks are tied to the window that started them: when its contents are destroyed
 * (the window closed or crashed), its running tasks are cancelled, so nothing keeps
 * writing for a UI that is gone. Returns a function that removes everything it added.
 */
export function registerIpc(options: RegisterIpcOptions): () => void {
  const { ipcMain, dispatcher, targets } = options;
  const tasksBySender = new Map<number, Set<string>>();

  function trackTask(sender: WebContentsLike, taskId: string): () => void {
    let tasks = tasksBySender.get(sender.id);
    if (!tasks) {
      const created = new Set<string>();
      tasks = created;
      tasksBySender.set(sender.id, created);
      sender.once('destroyed', () => {
        tasksBySender.delete(sender.id);
        for (const id of created) void dispatcher.invoke('task:cancel', { taskId: id });
      });
    }
    // A repeated id is refused by the dispatcher; it must not untrack the running one.
    if (tasks.has(taskId)) return () => undefined;
    tasks.add(taskId);
    const owned = tasks;
    return () => owned.delete(taskId);
  }

  /** The only caller of `ipcMain.handle`: checks the sender, then dispatches. */
  function handle(channel: InvokeChannel): void {
    const isTask = taskSpecOf(channel) !== undefined;
    ipcMain.handle(channel, async (event, request) => {
      if (!isTrustedSender(event)) return forbidden;
      const taskId = isTask ? taskIdOf(request) : undefined;
      const untrack = taskId === undefined ? undefined : trackTask(event.sender, taskId);
      try {
        return await dispatcher.invoke(channel, request);
      } finally {
        untrack?.();
      }
    });
  }

  const channels = Object.keys(invokeChannels) as InvokeChannel[];
  for (const channel of channels) handle(channel);

  const unsubscribe = dispatcher.onDidEmit((channel, payload) => {
    for (const contents of targets()) {
      // Only Bulkhead's own pages hear events; a destroyed or foreign page does not.
      if (contents.isDestroyed() || !isAppUrl(contents.getURL())) continue;
      contents.send(channel, payload);
    }
  });

  return () => {
    unsubscribe();
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

function taskIdOf(request: unknown): string | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const taskId = (request as { taskId?: unknown }).taskId;
  return typeof taskId === 'string' ? taskId : undefined;
}
