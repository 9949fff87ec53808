import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { ApiClient } from './api-client';
import type { ConnectionStatus } from './host-connection';
import type { HostSession } from './host-session';

const SessionContext = createContext<HostSession | null>(null);

/**
 * Makes the host session available to feature hooks.
 *
 * Only `features/<feature>/queries.ts` should read it; components get data through
 * those hooks, never from the client directly.
 */
export function HostSessionProvider(props: {
  readonly session: HostSession;
  readonly children: ReactNode;
}) {
  return <SessionContext value={props.session}>{props.children}</SessionContext>;
}

/**
 * The current host session.
 *
 * Throws outside the provider: that is a wiring mistake, not a state to render.
 */
export function useHostSession(): HostSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useHostSession must be used inside HostSessionProvider');
  return session;
}

/** The typed API client, for query hooks. */
export function useApi(): ApiClient {
  return useHostSession().client;
}

/**
 * The live state of the link to the host.
 *
 * Subscribes to the connection directly, so the status bar updates the moment the
 * event stream drops or comes back.
 */
export function useConnectionStatus(): ConnectionStatus {
  const { connection } = useHostSession();
  return useSyncExternalStore(connection.onDidChange, connection.current);
}
