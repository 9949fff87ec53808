import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Difference } from '../../../shared/diff/diff-model';
import type { ChannelRequest } from '../../../shared/ipc/contract';
import { useApi } from '../../api/api-context';
import { newTaskId } from '../diagnostics/queries';
import type { LiveForm } from '../diff/store';
import { askStore } from '../sources/ingest-client';
import { useSourcesStore } from '../sources/store';
import {
  setApplied,
  setApplyTask,
  setDryRun,
  setIsolation,
  setPlan,
  setVerification,
  useRestoreStore,
} from './store';

/** The vault's credentials (metadata only) and how the vault is sealed here. */
export function useVaultList() {
  const api = useApi();
  return useQuery({ queryKey: ['vault:list'], queryFn: () => api.invoke('vault:list', {}) });
}

/**
 * Adds a restore credential. The page names where the host reads the token (a file or a
 * variable); the token itself never passes through the page.
 */
export function useAddCredential() {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: ChannelRequest<'vault:add'>) => api.invoke('vault:add', request),
    onSuccess: () => client.invalidateQueries({ queryKey: ['vault:list'] }),
  });
}

export function useRemoveCredential() {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.invoke('vault:remove', { id }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['vault:list'] }),
  });
}

/** What planning needs from the form. */
export interface PlanInput {
  readonly catalogId: string;
  readonly snapshotId?: string;
  readonly live: LiveForm;
  readonly incident: string;
  readonly differences: ReadonlyArray<Difference>;
  readonly overrides: Readonly<Record<string, 'overwrite' | 'beside'>>;
  readonly restoreKeyFile: string;
  readonly suppliedSecretsFile: string;
}

/**
 * Plans the restore of the chosen differences, as the Diff view found them.
 *
 * A long task in the host (the status bar shows it): the host reads the live state with
 * the read-only token it reads itself, plans, and keeps the plan by its hash.
 */
export function usePlanRestore() {
  const api = useApi();
  return useMutation({
    mutationKey: ['restore:plan'],
    mutationFn: (input: PlanInput) =>
      api.invoke('restore:plan', {
        taskId: newTaskId(),
        catalogId: input.catalogId,
        ...(input.snapshotId ? { snapshotId: input.snapshotId } : {}),
        live: {
          apiUrl: input.live.apiUrl.trim(),
          owner: input.live.owner.trim(),
          ...(input.live.tokenSource === 'file'
            ? { tokenFile: input.live.tokenRef.trim() }
            : { tokenEnv: input.live.tokenRef.trim() }),
        },
        incident: input.incident.trim(),
        differences: [...input.differences],
        overrides: input.overrides,
        ...(input.restoreKeyFile.trim() !== ''
          ? { restoreKeyFile: input.restoreKeyFile.trim() }
          : {}),
        ...(input.suppliedSecretsFile.trim() !== ''
          ? { suppliedSecretsFile: input.suppliedSecretsFile.trim() }
          : {}),
      }),
    onSuccess: (plan) => setPlan(plan),
  });
}

/**
 * The isolation proof: the page's worker lists every credential the loaded trails name,
 * and the host compares the chosen restore credentials' fingerprints with them.
 */
export function useProveIsolation() {
  const api = useApi();
  return useMutation({
    mutationFn: async (input: { readonly planHash: string; readonly passphrase: string }) => {
      const uses = await askStore({ kind: 'credential-uses' });
      const sources = useSourcesStore
        .getState()
        .entries.filter((e) => e.sourceId !== null && (e.restored || e.outcome?.kind === 'loaded'))
        .map((e) => ({ id: e.sourceId!, name: e.name, events: e.counts.events }));
      return api.invoke('restore:isolation', {
        planHash: input.planHash,
        credentialIds: [...useRestoreStore.getState().credentialIds],
        uses: [...uses],
        sources,
        ...passphraseOf(input.passphrase),
      });
    },
    onSuccess: (isolation) => setIsolation(isolation),
  });
}

/** Checks every precondition with read-only calls; writes nothing. */
export function useDryRun() {
  const api = useApi();
  return useMutation({
    mutationKey: ['restore:dry-run'],
    // A new dry run replaces the last one's answer: approval waits for the fresh one.
    onMutate: () => setDryRun(null),
    mutationFn: (input: { readonly planHash: string; readonly passphrase: string }) =>
      api.invoke('restore:dry-run', {
        taskId: newTaskId(),
        planHash: input.planHash,
        credentialIds: [...useRestoreStore.getState().credentialIds],
        ...passphraseOf(input.passphrase),
      }),
    onSuccess: (dryRun) => setDryRun(dryRun),
  });
}

/** What the approval dialog gives. */
export interface ApplyInput {
  readonly planHash: string;
  readonly phrase: string;
  readonly approver: { publicKey: string; fingerprint: string; signature: string } | null;
  readonly overrideAcknowledgement: string;
  readonly passphrase: string;
}

/**
 * Runs the approved plan. The task id is chosen here and kept in the store, so Cancel
 * (`task:cancel`) reaches it and the progress panel polls the journal meanwhile.
 */
export function useApplyRestore() {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationKey: ['restore:apply'],
    mutationFn: (input: ApplyInput) => {
      const taskId = newTaskId();
      setApplyTask(taskId);
      return api.invoke('restore:apply', {
        taskId,
        planHash: input.planHash,
        credentialIds: [...useRestoreStore.getState().credentialIds],
        approval: {
          phrase: input.phrase,
          ...(input.approver ? { approver: input.approver } : {}),
          ...(input.overrideAcknowledgement.trim() !== ''
            ? { overrideAcknowledgement: input.overrideAcknowledgement }
            : {}),
        },
        ...passphraseOf(input.passphrase),
      });
    },
    onSuccess: (applied) => setApplied(applied),
    onSettled: (_data, _error, input) => {
      setApplyTask(null);
      void client.invalidateQueries({ queryKey: ['restore:status', input.planHash] });
    },
  });
}

/**
 * Each operation's state as the journal records it.
 *
 * Polled every half second while a restore runs (the journal is written before and after
 * each step), and read once otherwise, so a reloaded view shows where a restore stands.
 */
export function useRestoreStatus(planHash: string | null, running: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ['restore:status', planHash],
    queryFn: () => api.invoke('restore:status', { planHash: planHash! }),
    enabled: planHash !== null,
    refetchInterval: (query) => (running || query.state.data?.running ? 500 : false),
  });
}

/** Re-reads every target of the plan and signs what it found. */
export function useVerifyRestore() {
  const api = useApi();
  return useMutation({
    mutationKey: ['restore:verify'],
    mutationFn: (input: { readonly planHash: string; readonly passphrase: string }) =>
      api.invoke('restore:verify', {
        taskId: newTaskId(),
        planHash: input.planHash,
        credentialIds: [...useRestoreStore.getState().credentialIds],
        ...passphraseOf(input.passphrase),
      }),
    onSuccess: (verification) => setVerification(verification),
  });
}

// SECURITY: the passphrase goes with the one call that needs it, or not at all.
function passphraseOf(passphrase: string): { passphrase?: string } {
  return passphrase === '' ? {} : { passphrase };
}
