import type { TaskProgress } from '../../../shared/tasks/task';
import { assertNever } from '../../../shared/util/assert-never';
import { fractionDone } from './store';
import { useCancelTask } from './queries';

/** The words for a task's state. */
export function taskStateLabel(state: TaskProgress['state']): string {
  switch (state) {
    case 'running':
      return 'running';
    case 'done':
      return 'done';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    default:
      return assertNever(state, 'task state');
  }
}

/** `3/7 checks · 43%`, or `3 checks` while the total is unknown. */
export function taskCounts(task: TaskProgress): string {
  const fraction = fractionDone(task);
  if (task.total === null) return `${task.done} ${task.unit}`;
  const percent = fraction === null ? '' : ` · ${Math.round(fraction * 100)}%`;
  return `${task.done}/${task.total} ${task.unit}${percent}`;
}

/**
 * One task: title, progress bar, counts and, while it runs, a Cancel button.
 *
 * Used by the status bar and by panels that start tasks, so a task looks the same
 * wherever it is shown.
 */
export function TaskRow(props: { readonly task: TaskProgress; readonly dense?: boolean }) {
  const { task } = props;
  const cancel = useCancelTask();
  const fraction = fractionDone(task);
  const running = task.state === 'running';
  return (
    <div
      className={`task-row task-row--${task.state}${props.dense ? ' task-row--dense' : ''}`}
      data-testid="task-row"
      data-task-id={task.taskId}
      data-state={task.state}
    >
      <span className="task-row__title">{task.title}</span>
      {running ? (
        <progress
          className="task-row__bar"
          aria-label={`${task.title} progress`}
          max={1}
          {...(fraction === null ? {} : { value: fraction })}
        />
      ) : (
        <span className={`tag tag--${task.state}`}>{taskStateLabel(task.state)}</span>
      )}
      <span className="task-row__counts">{taskCounts(task)}</span>
      {task.message ? <span className="task-row__message">{task.message}</span> : null}
      {running ? (
        <button
          type="button"
          className="button button--small"
          onClick={() => cancel.mutate(task.taskId)}
          disabled={cancel.isPending}
          aria-label={`Cancel ${task.title}`}
        >
          {cancel.isPending ? 'Cancelling…' : 'Cancel'}
        </button>
      ) : null}
    </div>
  );
}
