import { useIsMutating, useMutation } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { TaskProgress } from '../../../shared/tasks/task';
import { useApi } from '../../api/api-context';
import { describeError, isApiError } from '../../api/api-error';
import { splitTasks, useTaskStore } from '../tasks/store';
import { useDiagnosticsStore } from './store';

const runKey = ['diagnostics:run'] as const;

/**
 * A fresh id for a long task, chosen by the client so it can cancel before the answer.
 *
 * Uses `getRandomValues`, which, unlike `randomUUID`, also exists outside secure contexts.
 */
export function newTaskId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Starts the local component check (`diagnostics:run`), a long task.
 *
 * The outcome goes to `useDiagnosticsStore` from the mutation's own callbacks, which
 * run even if the panel that started it has been left.
 */
export function useRunDiagnostics() {
  const api = useApi();
  return useMutation({
    mutationKey: runKey,
    mutationFn: () => api.invoke('diagnostics:run', { taskId: newTaskId() }),
    onSuccess(report) {
      useDiagnosticsStore.setState({ outcome: { kind: 'report', report } });
    },
    onError(error) {
      useDiagnosticsStore.setState({
        outcome: isApiError(error, 'cancelled')
          ? { kind: 'cancelled', at: Date.now() }
          : { kind: 'failed', message: describeError(error), at: Date.now() },
      });
    },
  });
}

/** Whether a check started from this window is still waiting for its answer. */
export function useDiagnosticsPending(): boolean {
  return useIsMutating({ mutationKey: runKey }) > 0;
}

/** The running component check's progress, if one runs (from any window of the host). */
export function useRunningDiagnostics(): TaskProgress | undefined {
  const tasks = useTaskStore((s) => s.tasks);
  return useMemo(
    () => splitTasks(tasks).running.find((t) => t.channel === 'diagnostics:run'),
    [tasks],
  );
}
