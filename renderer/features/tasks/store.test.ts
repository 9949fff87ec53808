import { beforeEach, describe, expect, it } from 'vitest';
import type { TaskProgress } from '../../../shared/tasks/task';
import { splitTasks, useTaskStore } from './store';

function task(overrides: Partial<TaskProgress>): TaskProgress {
  return {
    taskId: 'task-0001',
    channel: 'diagnostics:run',
    title: 'Checking local components',
    state: 'running',
    done: 0,
    total: 7,
    unit: 'checks',
    startedAt: 100,
    updatedAt: 100,
    ...overrides,
  };
}

describe('useTaskStore', () => {
  beforeEach(() => useTaskStore.setState({ tasks: {} }));

  it('keeps the newest report of each task, whichever path it came by', () => {
    const { applyProgress, applyList } = useTaskStore.getState();
    applyProgress(task({ done: 3, updatedAt: 130 }));
    applyList([task({ done: 1, updatedAt: 110 })]);
    expect(useTaskStore.getState().tasks['task-0001']?.done).toBe(3);
  });

  it('lets a final state win over running at the same instant, not the reverse', () => {
    const { applyProgress } = useTaskStore.getState();
    applyProgress(task({ state: 'cancelled', updatedAt: 150 }));
    applyProgress(task({ state: 'running', updatedAt: 150 }));
    expect(useTaskStore.getState().tasks['task-0001']?.state).toBe('cancelled');
  });

  it('keeps at most 20 finished tasks, the newest', () => {
    const { applyList } = useTaskStore.getState();
    applyList(
      Array.from({ length: 25 }, (_, i) =>
        task({ taskId: `task-${1000 + i}`, state: 'done', updatedAt: i }),
      ),
    );
    const { finished } = splitTasks(useTaskStore.getState().tasks);
    expect(finished).toHaveLength(20);
    expect(finished[0]?.taskId).toBe('task-1024');
  });
});
