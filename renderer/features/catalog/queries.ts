import { useIsMutating, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import type {
  CatalogLocationInput,
  VariableScope,
  VerifyReportView,
} from '../../../shared/catalog/catalog-view';
import type { TaskProgress } from '../../../shared/tasks/task';
import { useApi } from '../../api/api-context';
import { describeError, isApiError } from '../../api/api-error';
import { useWorkspaceStore } from '../../db/workspace';
import { newTaskId } from '../diagnostics/queries';
import { splitTasks, useTaskStore } from '../tasks/store';
import { readRecentLocation, saveRecentLocation } from './recent-location';
import { clearOpenedCatalog, setOpenedCatalog, useCatalogStore } from './store';

/** Query and mutation keys of the catalog feature. */
export const catalogKeys = {
  open: ['catalog:open'] as const,
  verify: ['catalog:verify'] as const,
  recent: ['catalog', 'recent-location'] as const,
  snapshot: (catalogId: string, seq: number) => ['catalog:snapshot', catalogId, seq] as const,
  pull: (catalogId: string, seq: number, repo: string, number: number) =>
    ['catalog:pull', catalogId, seq, repo, number] as const,
};

export interface OpenCatalogInput {
  readonly location: CatalogLocationInput;
  readonly key?: string;
}

/**
 * Opens a catalog (`catalog:open`, a long task) and makes it the current one.
 *
 * The previously open catalog is closed on the host once the new one is open, so a
 * failed open leaves the old one usable. A directory location is remembered in the
 * workspace; an S3 one is not, because its secret key must never be stored.
 */
export function useOpenCatalog() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: catalogKeys.open,
    mutationFn: (input: OpenCatalogInput) =>
      api.invoke('catalog:open', {
        taskId: newTaskId(),
        location: input.location,
        ...(input.key ? { key: input.key } : {}),
      }),
    async onSuccess(opened, input) {
      const previous = useCatalogStore.getState().opened;
      setOpenedCatalog(opened);
      if (previous && previous.catalogId !== opened.catalogId) {
        api.invoke('catalog:close', { catalogId: previous.catalogId }).catch(() => undefined);
      }
      if (input.location.kind === 'directory') {
        await saveRecentLocation({
          kind: 'directory',
          path: input.location.path,
          ...(input.key ? { key: input.key } : {}),
          openedAt: Date.now(),
        });
        await queryClient.invalidateQueries({ queryKey: catalogKeys.recent });
      }
    },
  });
}

/** Closes the open catalog on the host and in this window. */
export function useCloseCatalog() {
  const api = useApi();
  return useMutation({
    mutationFn: async () => {
      const opened = useCatalogStore.getState().opened;
      clearOpenedCatalog();
      if (opened) await api.invoke('catalog:close', { catalogId: opened.catalogId });
    },
  });
}

/** The last directory opened, from the workspace, for the one-click reopen. */
export function useRecentLocation() {
  const ready = useWorkspaceStore((s) => s.state.kind === 'ready');
  return useQuery({
    queryKey: catalogKeys.recent,
    queryFn: readRecentLocation,
    enabled: ready,
    staleTime: Infinity,
  });
}

/** A snapshot's contents for the browser; read once per catalog handle and sequence. */
export function useSnapshotContents(catalogId: string | undefined, seq: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: catalogKeys.snapshot(catalogId ?? '', seq ?? 0),
    queryFn: () => api.invoke('catalog:snapshot', { catalogId: catalogId ?? '', seq: seq ?? 0 }),
    enabled: catalogId !== undefined && seq !== null,
    staleTime: Infinity,
  });
}

/** One pull request as the snapshot holds it, for the detail view. */
export function usePullRequest(
  catalogId: string,
  seq: number,
  repo: string,
  number: number | null,
) {
  const api = useApi();
  return useQuery({
    queryKey: catalogKeys.pull(catalogId, seq, repo, number ?? 0),
    queryFn: () => api.invoke('catalog:pull', { catalogId, seq, repo, number: number ?? 0 }),
    enabled: number !== null,
    staleTime: Infinity,
  });
}

/**
 * Fetches variable values on an explicit Reveal.
 *
 * A mutation, not a query, so values never sit in the shared query cache: they live in
 * the revealing component and are dropped with `reset()` when the user hides them.
 */
export function useRevealVariables() {
  const api = useApi();
  return useMutation({
    mutationFn: (req: {
      readonly catalogId: string;
      readonly seq: number;
      readonly repo: string;
      readonly scope: VariableScope;
    }) => api.invoke('catalog:variable-values', req),
  });
}

/**
 * Verifies the open catalog (`catalog:verify`, a long task).
 *
 * The outcome goes to `useCatalogStore` from the mutation's callbacks, so a verification
 * that ends after the user left the panel is still shown when they come back, and only
 * if the same catalog is still open.
 */
export function useVerifyCatalog() {
  const api = useApi();
  return useMutation({
    mutationKey: catalogKeys.verify,
    mutationFn: (req: { readonly catalogId: string; readonly level: 'quick' | 'full' }) =>
      api.invoke('catalog:verify', { taskId: newTaskId(), ...req }),
    onMutate() {
      useCatalogStore.setState({ verify: { kind: 'none' } });
    },
    onSuccess(report: VerifyReportView, req) {
      if (useCatalogStore.getState().opened?.catalogId !== req.catalogId) return;
      useCatalogStore.setState({ verify: { kind: 'report', report } });
    },
    onError(error, req) {
      if (useCatalogStore.getState().opened?.catalogId !== req.catalogId) return;
      useCatalogStore.setState({
        verify: isApiError(error, 'cancelled')
          ? { kind: 'cancelled', at: Date.now() }
          : { kind: 'failed', message: describeError(error), at: Date.now() },
      });
    },
  });
}

/** Whether a catalog open or verification started from this window still waits. */
export function useCatalogBusy(): { readonly opening: boolean; readonly verifying: boolean } {
  const opening = useIsMutating({ mutationKey: catalogKeys.open }) > 0;
  const verifying = useIsMutating({ mutationKey: catalogKeys.verify }) > 0;
  return { opening, verifying };
}

/** The running catalog task's progress on a channel, if one runs. */
export function useRunningCatalogTask(
  channel: 'catalog:open' | 'catalog:verify',
): TaskProgress | undefined {
  const tasks = useTaskStore((s) => s.tasks);
  return useMemo(
    () => splitTasks(tasks).running.find((t) => t.channel === channel),
    [tasks, channel],
  );
}
