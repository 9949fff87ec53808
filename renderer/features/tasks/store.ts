import { create } from 'zustand';
import type { TaskProgress } from '../../../shared/tasks/task';

const keepFinished = 20;

interface TaskStoreState {
  /** The latest known progress of each task, by task id. */
  readonly tasks: Readonly<Record<string, TaskProgress>>;
  /** Applies one report, ignoring it if an equal or newer one is already known. */
  applyProgress(progress: TaskProgress): void;
  /** Merges a `task:list` answer, which may be older than events already received. */
  applyList(list: ReadonlyArray<TaskProgress>): void;
}

function isNewer(incoming: TaskProgress, known: TaskProgress | undefined): boolean {
  if (!known) return true;
  if (incoming.updatedAt !== known.updatedAt) return incoming.updatedAt > known.updatedAt;
  // Same instant: a final state wins over `running`, never the other way round.
  return known.state === 'running' && incoming.state !== 'running';
}

function prune(tasks: Record<string, TaskProgress>): Record<string, TaskProgress> {
  const finished = Object.values(tasks)
    .filter((t) => t.state !== 'running')
    .sort((a, b) => b.updatedAt - a.updatedAt);
  for (const old of finished.slice(keepFinished)) delete tasks[old.taskId];
  return tasks;
}

/**
 * Long tasks of the host, as the status bar shows them.
 *
 * Fed by `task:list` (on start and after every reconnect, to catch up on what was
 * missed) and by live `task:progress` events. Reports can arrive out of order across
 * those two paths, so each task keeps its newest report only.
 */
export const useTaskStore = create<TaskStoreState>((set) => ({
  tasks: {},
  applyProgress(progress) {
    set((state) => {
      if (!isNewer(progress, state.tasks[progress.taskId])) return state;
      return { tasks: prune({ ...state.tasks, [progress.taskId]: progress }) };
    });
  },
  applyList(list) {
    set((state) => {
      const next = { ...state.tasks };
      let changed = false;
      for (const progress of list) {
        if (isNewer(progress, next[progress.taskId])) {
          next[progress.taskId] = progress;
          changed = true;
        }
      }
      return changed ? { tasks: prune(next) } : state;
    });
  },
}));

/** Running tasks, oldest first, and finished ones, newest first. */
export function splitTasks(tasks: Readonly<Record<string, TaskProgress>>): {
  readonly running: ReadonlyArray<TaskProgress>;
  readonly finished: ReadonlyArray<TaskProgress>;
} {
  const all = Object.values(tasks);
  return {
    running: all.filter((t) => t.state === 'running').sort((a, b) => a.startedAt - b.startedAt),
    finished: all.filter((t) => t.state !== 'running').sort((a, b) => b.updatedAt - a.updatedAt),
  };
}

/** The share of a task done, 0..1, or null while its size is unknown. */
export function fractionDone(task: TaskProgress): number | null {
  if (task.total === null || task.total === 0) return null;
  return Math.min(1, task.done / task.total);
}
