import { loopback } from '../../shared/ipc/bridge';

const storageKey = 'bulkhead.launchToken';
const tokenShape = /^[A-Za-z0-9._~+/=-]{8,512}$/;

/** The parts of `window` the token hand-off touches; passed in so it is plain to follow. */
export interface LaunchTokenEnv {
  readonly location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  readonly history: Pick<History, 'replaceState' | 'state'>;
  readonly storage: Pick<Storage, 'getItem' | 'setItem'>;
}

/**
 * Takes the browser host's launch token out of the URL fragment.
 *
 * The host prints `http://127.0.0.1:<port>/#token=...`; the fragment never reaches a
 * server, and we remove it from the address bar at once so it does not end up in
 * history, screenshots or a copied link. The token is kept in sessionStorage (this tab
 * only, gone when it closes) so a reload still works. Must run before the hash router
 * starts, or the router would read `token=...` as a route.
 */
export function consumeLaunchToken(env: LaunchTokenEnv): string | null {
  // SECURITY: region: the token is a bearer credential for the local host.
  const fragment = env.location.hash.replace(/^#/, '');
  const params = fragment.startsWith('/') ? null : new URLSearchParams(fragment);
  const fromUrl = params?.get(loopback.tokenFragment) ?? null;
  if (fromUrl !== null) {
    env.history.replaceState(env.history.state, '', env.location.pathname + env.location.search);
    if (tokenShape.test(fromUrl)) {
      env.storage.setItem(storageKey, fromUrl);
      return fromUrl;
    }
  }
  const stored = env.storage.getItem(storageKey);
  return stored !== null && tokenShape.test(stored) ? stored : null;
  // SECURITY: end region.
}
