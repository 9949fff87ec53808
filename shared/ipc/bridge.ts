/**
 * The raw bridge a host hands to the renderer.
 *
 * In Electron the preload exposes it as `window.bulkhead`; in the browser host the
 * renderer builds the same shape over the loopback connection. It carries unparsed
 * values: the renderer's typed client (`renderer/api`) parses both directions with the
 * contract's schemas, so neither transport is trusted to be well-formed.
 */
export interface BulkheadBridge {
  /** Sends one request; resolves to the raw envelope `{ ok, value | error }`. */
  invoke(channel: string, request: unknown): Promise<unknown>;
  /** Listens to one event channel; returns the unsubscribe function. */
  on(channel: string, listener: (payload: unknown) => void): () => void;
}

/**
 * The browser host's loopback protocol.
 *
 * POST `${INVOKE_PATH}<channel>` with the JSON request as body answers the envelope;
 * GET `EVENTS_PATH` is a `text/event-stream` of `event: <channel>` / `data: <json>`.
 * Both need `Authorization: Bearer <token>`. The page learns the per-launch token from
 * the URL fragment it was opened with (`#token=...`), which is never sent to a server.
 */
export const loopback = {
  invokePath: '/api/invoke/',
  eventsPath: '/api/events',
  tokenFragment: 'token',
} as const;
