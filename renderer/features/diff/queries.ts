import { useMutation, useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/api-context';
import { blastRadius } from '../../../shared/diff/diff-engine';
import { newTaskId } from '../diagnostics/queries';
import { askStore } from '../sources/ingest-client';
import { useSourcesStore } from '../sources/store';
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
    onSuccess: async (diff, input) => {
      setDiffResult(input.catalogId, diff);
      // The host knows the snapshot and live state; the page's worker holds the trails.
      // Causes come from there, when any trail is loaded.
      if (useSourcesStore.getState().storeSize === 0 || diff.differences.length === 0) return;
      const since = diff.baseline.takenAt === null ? undefined : Date.parse(diff.baseline.takenAt);
      try {
        const differences = await askStore({
          kind: 'causes',
          differences: diff.differences,
          ...(since !== undefined && Number.isFinite(since) ? { since } : {}),
        });
        setDiffResult(input.catalogId, {
          ...diff,
          differences,
          blastRadius: blastRadius(differences),
        });
      } catch (error: unknown) {
        console.error('Bulkhead: the diff could not be linked to the loaded trails', error);
      }
    },
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
