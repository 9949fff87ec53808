import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { HostSessionProvider } from '../api/api-context';
import { isApiError } from '../api/api-error';
import type { HostSession } from '../api/host-session';

/**
 * The query client with the app's defaults.
 *
 * Only an unreachable host is worth retrying; a rejected request or token will fail
 * the same way again. No refetch on focus: a desktop console switches windows all the
 * time, and the host pushes changes as events.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        refetchOnWindowFocus: false,
        retry: (failures, error) => isApiError(error, 'unavailable') && failures < 2,
      },
      mutations: { retry: false },
    },
  });
}

/** Everything views rely on: the host session and the query cache. */
export function AppProviders(props: {
  readonly session: HostSession;
  readonly queryClient: QueryClient;
  readonly children: ReactNode;
}) {
  return (
    <HostSessionProvider session={props.session}>
      <QueryClientProvider client={props.queryClient}>{props.children}</QueryClientProvider>
    </HostSessionProvider>
  );
}
