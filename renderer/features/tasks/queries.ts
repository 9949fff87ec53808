import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useApi, useConnectionStatus } from '../../api/api-context';
import { useTaskStore } from './store';

/** Query keys of the tasks feature. */
export const taskKeys = {
  list: (epoch: number) => ['task:list', epoch] as const,
};

/**
 * Keeps `useTaskStore` in step with the host. Mount once, in the app frame.
 *
 * Listens to `task:progress` and reloads `task:list` at start and after every reconnect
 * (the connection epoch changes), since events sent while the stream was down are lost.
 */
export function useTaskFeed(): void {
  const api = useApi();
  const { epoch, state } = useConnectionStatus();
  useEffect(
    () => api.on('task:progress', (progress) => useTaskStore.getState().applyProgress(progress)),
    [api],
  );
  const list = useQuery({
    queryKey: taskKeys.list(epoch),
    queryFn: () => api.invoke('task:list', {}),
    enabled: state !== 'unauthorized',
    staleTime: Infinity,
  });
  useEffect(() => {
    if (list.data) useTaskStore.getState().applyList(list.data);
  }, [list.data]);
}

/** Asks the host to cancel a running task; the final state arrives as a progress event. */
export function useCancelTask() {
  const api = useApi();
  return useMutation({
    mutationFn: (taskId: string) => api.invoke('task:cancel', { taskId }),
  });
}
