import { useMutation, useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/api-context';
import { blastRadius } from '../../../shared/diff/diff-engine';
import { newTaskId } from '../diagnostics/queries';
import { askStore } from '../sources/ingest-client';
import { useSourcesStore } from '../sources/store';
import { setDiffResult, type BaselineOverride, type DiffResult, type LiveForm } from './store';

/** What a diff run needs from the form. */
export interface RunDiffInput {
  readonly catalogId: string;
  /** A sequence number as text, or undefined for the default baseline. */
  readonly snapshotId?: string;
  readonly firstFindingAt?: number;
  readonly overrides: ReadonlyArray<BaselineOverride>;
  readonly against:
    | { readonly kind: 'live'; readonly live: LiveForm }
    /** The state at `at` (the timeline cursor), replayed from the loaded trails. */
    | { readonly kind: 'cursor'; readonly at: number; readonly owner: string };
}

/**
 * Runs the diff, against the live organisation or the state at the timeline cursor.
 *
 * Live: `diff:run`, a long task in the host (the status bar shows its progress and
 * Cancel); the form names where the host reads the token, which never passes through
 * the page. Cursor: `diff:baseline` reads the baseline alone (values as digests), and
 * the page's worker, which holds the trails, replays them to the cursor and compares.
 * Either way the differences are then linked to the loaded trails' events.
 */
export function useRunDiff() {
  const api = useApi();
  return useMutation({
    mutationKey: ['diff:run'],
    mutationFn: async (input: RunDiffInput): Promise<DiffResult> => {
      const common = {
        taskId: newTaskId(),
        catalogId: input.catalogId,
        ...(input.snapshotId ? { snapshotId: input.snapshotId } : {}),
        ...(input.firstFindingAt !== undefined ? { firstFindingAt: input.firstFindingAt } : {}),
        ...(input.overrides.length > 0 ? { baselineOverrides: [...input.overrides] } : {}),
      };
      if (input.against.kind === 'cursor') {
        if (useSourcesStore.getState().storeSize === 0) {
          throw new Error(
            'No trail is loaded: the state at the cursor is replayed from audit events. Load a trail in Sources, or compare with the live organisation.',
          );
        }
        const owner = input.against.owner.trim();
        const read = await api.invoke('diff:baseline', {
          ...common,
          ...(owner !== '' ? { owner } : {}),
        });
        const since = takenAtOf(read.baseline.takenAt);
        const at = await askStore({
          kind: 'cursor-diff',
          baseline: read.states,
          cursor: input.against.at,
          ...(since !== undefined ? { since } : {}),
        });
        return {
          differences: at.differences,
          blastRadius: at.blastRadius,
          baseline: read.baseline,
          overrides: read.overrides,
          notes: read.notes,
          durationMs: read.durationMs,
          compared: {
            kind: 'cursor',
            at: at.cursor,
            applied: at.applied,
            unknown: at.unknown,
            unknownRows: at.unknownRows,
          },
        };
      }
      const { live } = input.against;
      const { live: read, ...diff } = await api.invoke('diff:run', {
        ...common,
        live: {
          apiUrl: live.apiUrl.trim(),
          owner: live.owner.trim(),
          ...(live.tokenSource === 'file'
            ? { tokenFile: live.tokenRef.trim() }
            : { tokenEnv: live.tokenRef.trim() }),
        },
      });
      return { ...diff, compared: { kind: 'live', ...read } };
    },
    onSuccess: async (diff, input) => {
      setDiffResult(input.catalogId, diff);
      // The host knows the snapshot and live state; the page's worker holds the trails.
      // Causes come from there, when any trail is loaded (the cursor diff has them).
      if (diff.compared.kind === 'cursor') return;
      if (useSourcesStore.getState().storeSize === 0 || diff.differences.length === 0) return;
      const since = takenAtOf(diff.baseline.takenAt);
      try {
        const differences = await askStore({
          kind: 'causes',
          differences: diff.differences,
          ...(since !== undefined ? { since } : {}),
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

function takenAtOf(takenAt: string | null): number | undefined {
  const time = takenAt === null ? Number.NaN : Date.parse(takenAt);
  return Number.isFinite(time) ? time : undefined;
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
