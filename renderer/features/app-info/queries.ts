import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/api-context';

/** Query keys of the app-info feature. */
export const appInfoKeys = { info: ['app:info'] as const };

/**
 * What the host says about itself: version, host kind, platform, profile folder.
 *
 * It does not change during a launch, so it is fetched once.
 */
export function useAppInfo() {
  const api = useApi();
  return useQuery({
    queryKey: appInfoKeys.info,
    queryFn: () => api.invoke('app:info', {}),
    staleTime: Infinity,
  });
}
