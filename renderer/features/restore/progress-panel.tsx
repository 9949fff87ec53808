import type { RestoreStepState } from '../../../shared/ipc/contract';
import { assertNever } from '../../../shared/util/assert-never';
import { describeError, isApiError } from '../../api/api-error';
import { useCancelTask } from '../tasks/queries';
import { useRestoreStatus } from './queries';
import { useShowAll } from './show-all';
import { useRestoreStore, type ApplyView } from './store';

function stateTag(state: RestoreStepState): string {
  switch (state) {
    case 'done':
    case 'already':
      return 'tag tag--ok';
    case 'skipped':
      return 'tag tag--missing';
    case 'failed':
      return 'tag tag--error';
    case 'running':
    case 'pending':
      return 'tag tag--neutral';
    default:
      return assertNever(state, 'restore step state');
  }
}

/**
 * The restore as it runs: each operation's state read from the journal (polled while it
 * runs, so it also shows where a restore stands after a reload), and a safe Cancel that
 * stops between steps, never inside one.
 */
export function ProgressPanel({
  planHash,
  pending,
  error,
}: {
  readonly planHash: string;
  readonly pending: boolean;
  readonly error: unknown;
}) {
  const taskId = useRestoreStore((s) => s.applyTaskId);
  const applied = useRestoreStore((s) => s.applied);
  const status = useRestoreStatus(planHash, pending);
  const cancel = useCancelTask();
  const data = status.data;
  const more = useShowAll(data?.operations.length ?? 0, 'operations', 'restore-steps-show-all');
  // Still running in the host though this page lost its call (the view was left meanwhile).
  const running = pending || data?.running === true;
  if (!running && !data?.journal && error === null) return null;
  const counts = new Map<RestoreStepState, number>();
  for (const op of data?.operations ?? []) counts.set(op.state, (counts.get(op.state) ?? 0) + 1);
  const finished = (counts.get('done') ?? 0) + (counts.get('already') ?? 0);
  return (
    <section className="card" aria-labelledby="restore-progress" data-testid="restore-progress">
      <h2 id="restore-progress">
        {running ? 'Restoring…' : applied ? executionTitle(applied) : 'Restore journal'}
      </h2>
      {data && (
        <p className="summary" data-testid="restore-progress-summary">
          {finished} of {data.operations.length} operations done
          {counts.get('skipped') ? `, ${counts.get('skipped')} skipped` : ''}
          {counts.get('failed') ? `, ${counts.get('failed')} failed` : ''}
          {data.retries > 0 ? `, ${data.retries} retries` : ''}
          {data.cancelled
            ? data.finished
              ? ' (cancelled once, then resumed)'
              : ' (cancelled)'
            : ''}
          .
        </p>
      )}
      {data?.approval && (
        <p className="muted" data-testid="restore-approval-record">
          Approved {data.approval.approvedAt} with “{data.approval.phrase}”
          {data.approval.approverFingerprint
            ? `, second approver ${data.approval.approverFingerprint}`
            : ''}
          {data.approval.overrideAcknowledgement
            ? `; isolation overridden: “${data.approval.overrideAcknowledgement}”`
            : ''}
          .
        </p>
      )}
      {running && taskId !== null && (
        <button
          type="button"
          className="button"
          disabled={cancel.isPending}
          onClick={() => cancel.mutate(taskId)}
          data-testid="restore-cancel"
        >
          {cancel.isPending ? 'Cancelling…' : 'Cancel (stops after the current step)'}
        </button>
      )}
      {error !== null &&
        (isApiError(error, 'cancelled') ? (
          <p role="status" className="notice" data-testid="restore-error">
            The restore was cancelled between steps: the steps that had started finished, the rest
            never began, and the journal says which. Approve again to resume.
          </p>
        ) : (
          <p role="alert" className="notice notice--error" data-testid="restore-error">
            {describeError(error)}
          </p>
        ))}
      {data && data.operations.length > 0 && (
        <ol className="restore-steps" aria-label="Operations">
          {data.operations
            // Beyond the first rows, what needs eyes (running, failed) is shown anyway.
            .filter((op, i) => i < more.shown || op.state === 'running' || op.state === 'failed')
            .map((op) => (
              <li key={op.opId} data-testid="restore-step" data-state={op.state}>
                <span className={stateTag(op.state)}>{op.state}</span>{' '}
                <span className="mono break">{op.opId}</span>
                {op.attempts > 1 && <span className="muted"> (attempt {op.attempts})</span>}
                {op.message && <div className="muted restore-ops__note">{op.message}</div>}
              </li>
            ))}
        </ol>
      )}
      {more.toggle}
    </section>
  );
}

function executionTitle(applied: ApplyView): string {
  switch (applied.execution.status) {
    case 'completed':
      return 'Restore completed';
    case 'cancelled':
      return 'Restore cancelled';
    case 'failed':
      return 'Restore failed';
    default:
      return assertNever(applied.execution.status, 'execution status');
  }
}
