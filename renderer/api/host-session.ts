import { createApiClient, type ApiClient } from './api-client';
import { alwaysConnected, type HostConnection } from './host-connection';
import { consumeLaunchToken } from './launch-token';
import { connectLoopbackBridge } from './loopback-bridge';

/** Which host serves this window, as far as the renderer can tell before asking it. */
export type HostKindGuess = 'electron' | 'browser';

/** Everything the UI needs to talk to its host. */
export interface HostSession {
  readonly kind: HostKindGuess;
  readonly client: ApiClient;
  readonly connection: HostConnection;
}

/** The outcome of looking for a host: a session, or why there is none. */
export type HostResolution =
  | { readonly ok: true; readonly session: HostSession }
  | { readonly ok: false; readonly reason: 'no-token' };

/**
 * Picks the bridge for this window and builds the typed client over it.
 *
 * In Electron the preload has put `window.bulkhead` there. Otherwise this is the browser
 * host, which needs the launch token from the URL fragment; the fragment is consumed here,
 * which is why this runs before React and its hash router start.
 */
export function resolveHost(win: Window): HostResolution {
  if (win.bulkhead) {
    return {
      ok: true,
      session: {
        kind: 'electron',
        client: createApiClient(win.bulkhead),
        connection: alwaysConnected(),
      },
    };
  }
  const token = consumeLaunchToken({
    location: win.location,
    history: win.history,
    storage: win.sessionStorage,
  });
  if (token === null) return { ok: false, reason: 'no-token' };
  const bridge = connectLoopbackBridge({ origin: win.location.origin, token });
  return {
    ok: true,
    session: { kind: 'browser', client: createApiClient(bridge), connection: bridge.connection },
  };
}
