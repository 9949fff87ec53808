import { useMemo, useState } from 'react';
import { assertNever } from '../../../shared/util/assert-never';
import { useConnectionStatus } from '../../api/api-context';
import type { ConnectionStatus } from '../../api/host-connection';
import { useWorkspaceStore, type WorkspaceState } from '../../db/workspace';
import { splitTasks, useTaskStore } from '../../features/tasks/store';
import { TaskRow } from '../../features/tasks/task-row';
import { Keys } from '../ui/keys';
import { openOverlay } from '../ui-store';

function connectionText(status: ConnectionStatus): string {
  switch (status.state) {
    case 'connecting':
      return 'Connecting to host…';
    case 'connected':
      return 'Connected';
    case 'reconnecting': {
      const seconds =
        status.retryAt === null
          ? null
          : Math.max(1, Math.round((status.retryAt - Date.now()) / 1000));
      return seconds === null ? 'Reconnecting…' : `Host unreachable, reconnecting in ${seconds} s`;
    }
    case 'unauthorized':
      return 'Launch token rejected: open the URL the host printed';
    default:
      return assertNever(status.state, 'connection state');
  }
}

function workspaceText(state: WorkspaceState): string {
  switch (state.kind) {
    case 'opening':
      return 'Workspace opening…';
    case 'ready':
      return 'Workspace saved locally';
    case 'unavailable':
      return 'Workspace unavailable: settings will not be kept';
    default:
      return assertNever(state, 'workspace state');
  }
}

/**
 * The status bar: host connection, workspace, and the host's long tasks.
 *
 * Running tasks show progress and a Cancel button; the latest finished one stays
 * visible so a check that ended while the user looked away still says how it ended.
 * The full list of recent tasks opens above the bar.
 */
export function StatusBar() {
  const connection = useConnectionStatus();
  const workspace = useWorkspaceStore((s) => s.state);
  const tasks = useTaskStore((s) => s.tasks);
  const { running, finished } = useMemo(() => splitTasks(tasks), [tasks]);
  const [showAll, setShowAll] = useState(false);
  const latestFinished = finished[0];
  const total = running.length + finished.length;

  return (
    <footer className="status-bar" data-testid="status-bar" aria-label="Status">
      <span
        className={`status-bar__item connection connection--${connection.state}`}
        data-testid="connection-state"
        data-state={connection.state}
        role="status"
      >
        <span className="connection__dot" aria-hidden="true" />
        {connectionText(connection)}
      </span>
      <span
        className={`status-bar__item workspace workspace--${workspace.kind}`}
        data-testid="workspace-state"
        data-state={workspace.kind}
        title={workspace.kind === 'unavailable' ? workspace.reason : undefined}
      >
        {workspaceText(workspace)}
      </span>

      <div className="status-bar__tasks" role="region" aria-label="Tasks" aria-live="polite">
        {running.map((task) => (
          <TaskRow key={task.taskId} task={task} dense />
        ))}
        {running.length === 0 && latestFinished ? <TaskRow task={latestFinished} dense /> : null}
        {running.length === 0 && !latestFinished ? (
          <span className="muted">No tasks running</span>
        ) : null}
      </div>

      {total > 0 ? (
        <button
          type="button"
          className="button button--small button--ghost"
          aria-expanded={showAll}
          aria-controls="task-list"
          onClick={() => setShowAll((v) => !v)}
        >
          Tasks ({total})
        </button>
      ) : null}
      <button
        type="button"
        className="button button--small button--ghost"
        onClick={() => openOverlay('shortcuts')}
        aria-label="Keyboard shortcuts"
      >
        <Keys keys="?" /> Shortcuts
      </button>

      {showAll ? (
        <div id="task-list" className="task-list" role="region" aria-label="Recent tasks">
          {[...running, ...finished].map((task) => (
            <TaskRow key={task.taskId} task={task} />
          ))}
        </div>
      ) : null}
    </footer>
  );
}
