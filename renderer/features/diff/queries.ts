import { useMutation, useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/api-context';
import { newTaskId } from '../diagnostics/queries';
import type { LiveForm } from './store';
import { setDiffResult } from './store';

/** What a diff run needs from the form. */
export interface RunDiffInput {
  readonly catalogId: string;
  /** A sequence number as text, or undefined for the default baseline. */
  readonly snapshotId?: string;
  readonly firstFindingAt?: number;
  readonly live: LiveForm;
}

/**
 * Runs the diff (`diff:run`, a long task: the status bar shows its progress and Cancel).
 *
 * The form names where the host reads the token (a variable or a file); the token itself
 * never passes through the page.
 */
export function useRunDiff() {
  const api = useApi();
  return useMutation({
    mutationKey: ['diff:run'],
    mutationFn: (input: RunDiffInput) =>
      api.invoke('diff:run', {
        taskId: newTaskId(),
        catalogId: input.catalogId,
        ...(input.snapshotId ? { snapshotId: input.snapshotId } : {}),
        ...(input.firstFindingAt !== undefined ? { firstFindingAt: input.firstFindingAt } : {}),
        live: {
          apiUrl: input.live.apiUrl.trim(),
          owner: input.live.owner.trim(),
          ...(input.live.tokenSource === 'file'
            ? { tokenFile: input.live.tokenRef.trim() }
            : { tokenEnv: input.live.tokenRef.trim() }),
        },
      }),
    onSuccess: (diff, input) => setDiffResult(input.catalogId, diff),
  });
}

/** One variable's value on one side, on the user's explicit request. */
export function useRevealValue() {
  const api = useApi();
  return useMutation({
    mutationFn: (input: {
      readonly catalogId: string;
      readonly differenceId: string;
      readonly side: 'baseline' | 'current';
    }) => api.invoke('diff:reveal', input),
  });
}

/** The text diff of one file of a files-changed difference. */
export function useFileDiff(catalogId: string, differenceId: string, path: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: ['diff:file', catalogId, differenceId, path],
    queryFn: () => api.invoke('diff:file', { catalogId, differenceId, path: path! }),
    enabled: path !== null,
    staleTime: Infinity,
  });
}
