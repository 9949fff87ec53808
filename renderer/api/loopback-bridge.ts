import { loopback, type BulkheadBridge } from '../../shared/ipc/bridge';
import type { ConnectionState, ConnectionStatus, HostConnection } from './host-connection';
import { createSseParser, type SseEvent } from './sse-parser';

/** The browser host's bridge plus what only a network transport has: a connection. */
export interface LoopbackBridge extends BulkheadBridge {
  readonly connection: HostConnection;
  /** Stops the event stream for good. */
  close(): void;
}

export interface LoopbackOptions {
  /** The host's origin, e.g. `http://127.0.0.1:4100`. */
  readonly origin: string;
  readonly token: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** Reconnect delay bounds in ms; the delay doubles from `min` to `max` with jitter. */
  readonly backoff?: { readonly min: number; readonly max: number };
}

const unauthorizedMessage =
  'The host rejected the launch token. Open the URL the host printed again; each launch has a new token.';

/**
 * Connects to the browser host over its loopback protocol.
 *
 * Calls are one POST each. Events come from ONE shared `fetch()` of the event stream,
 * read as SSE and fanned out to every listener, so the token stays in a header (an
 * `EventSource` cannot send one) and a busy UI does not open a stream per component.
 * A dropped stream is reopened with capped exponential backoff; a 401 stops it, since
 * retrying a rejected token cannot succeed.
 */
export function connectLoopbackBridge(options: LoopbackOptions): LoopbackBridge {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  const minDelay = options.backoff?.min ?? 500;
  const maxDelay = options.backoff?.max ?? 10_000;
  // SECURITY: region: the bearer token is only ever placed in this header.
  const authorization = `Bearer ${options.token}`;
  // SECURITY: end region.
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const connectionListeners = new Set<() => void>();
  let status: ConnectionStatus = { state: 'connecting', retryAt: null, epoch: 0 };
  let closed = false;
  let streamAbort: AbortController | null = null;

  function setState(state: ConnectionState, retryAt: number | null = null): void {
    const epoch = state === 'connected' ? status.epoch + 1 : status.epoch;
    if (state === status.state && retryAt === status.retryAt) return;
    status = { state, retryAt, epoch };
    for (const listener of connectionListeners) listener();
  }

  function markUnauthorized(): void {
    setState('unauthorized');
    closed = true;
    streamAbort?.abort();
  }

  function dispatch(event: SseEvent): void {
    const targets = listeners.get(event.event);
    if (!targets || targets.size === 0) return;
    let payload: unknown;
    try {
      payload = JSON.parse(event.data);
    } catch {
      console.warn(`Bulkhead: dropped a malformed ${event.event} event from the host`);
      return;
    }
    for (const listener of targets) {
      try {
        listener(payload);
      } catch (error: unknown) {
        console.error(`Bulkhead: a ${event.event} listener failed`, error);
      }
    }
  }

  async function readStreamOnce(signal: AbortSignal): Promise<void> {
    const response = await fetchImpl(new URL(loopback.eventsPath, options.origin), {
      headers: { Authorization: authorization, Accept: 'text/event-stream' },
      cache: 'no-store',
      signal,
    });
    if (response.status === 401) {
      markUnauthorized();
      return;
    }
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !response.body || !type.startsWith('text/event-stream')) {
      await response.body?.cancel();
      throw new Error(`event stream answered HTTP ${response.status} (${type || 'no type'})`);
    }
    setState('connected');
    const parser = createSseParser(dispatch);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.push(value);
    }
  }

  async function runStream(): Promise<void> {
    let attempt = 0;
    while (!closed) {
      streamAbort = new AbortController();
      const signal = streamAbort.signal;
      const openedEpoch = status.epoch;
      try {
        await readStreamOnce(signal);
      } catch {
        // A refused connection, a reset or an abort: all end in the same retry below.
      }
      if (closed) return;
      if (status.epoch !== openedEpoch) attempt = 0;
      const ceiling = Math.min(maxDelay, minDelay * 2 ** attempt);
      const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      attempt++;
      setState('reconnecting', now() + delay);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  void runStream();

  return {
    async invoke(channel, request) {
      const url = new URL(loopback.invokePath + encodeURIComponent(channel), options.origin);
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { Authorization: authorization, 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
        cache: 'no-store',
      });
      if (response.status === 401) {
        markUnauthorized();
        return { ok: false, error: { code: 'unauthorized', message: unauthorizedMessage } };
      }
      const type = response.headers.get('content-type') ?? '';
      if (!type.startsWith('application/json')) {
        await response.body?.cancel();
        throw new Error(`the host answered HTTP ${response.status} without a JSON envelope`);
      }
      return (await response.json()) as unknown;
    },
    on(channel, listener) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    connection: {
      current: () => status,
      onDidChange(listener) {
        connectionListeners.add(listener);
        return () => {
          connectionListeners.delete(listener);
        };
      },
    },
    close() {
      closed = true;
      streamAbort?.abort();
    },
  };
}
