import type { DiagnosticCheck, DiagnosticsReport } from '../../../shared/ipc/contract';
import { assertNever } from '../../../shared/util/assert-never';
import { Keys } from '../../app/ui/keys';
import { ViewHeader } from '../../app/ui/view-header';
import { TaskRow } from '../tasks/task-row';
import { useDiagnosticsPending, useRunDiagnostics, useRunningDiagnostics } from './queries';
import { useDiagnosticsStore } from './store';

function statusLabel(status: DiagnosticCheck['status']): string {
  switch (status) {
    case 'ok':
      return 'OK';
    case 'missing':
      return 'Missing';
    case 'error':
      return 'Error';
    default:
      return assertNever(status, 'check status');
  }
}

function ChecksTable(props: { readonly report: DiagnosticsReport }) {
  const { checks } = props.report;
  const ok = checks.filter((c) => c.status === 'ok').length;
  return (
    <>
      <p className="summary" role="status">
        {ok} of {checks.length} components ready
        {ok < checks.length ? `, ${checks.length - ok} need attention` : ''}. Checked{' '}
        {new Date(props.report.finishedAt).toLocaleTimeString()}.
      </p>
      <table className="table" data-testid="diagnostics-table">
        <caption className="visually-hidden">Local component check results</caption>
        <thead>
          <tr>
            <th scope="col">Component</th>
            <th scope="col">Status</th>
            <th scope="col">Detail</th>
            <th scope="col">Fix</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((check) => (
            <tr key={check.id} data-check-id={check.id} data-status={check.status}>
              <th scope="row">{check.label}</th>
              <td>
                <span className={`tag tag--${check.status}`}>{statusLabel(check.status)}</span>
              </td>
              <td className="break">{check.detail}</td>
              <td>{check.fix && check.status !== 'ok' ? <code>{check.fix}</code> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * The local components panel: runs `diagnostics:run` and shows its checks.
 *
 * The check is a long task, so its progress also shows in the status bar and it can be
 * cancelled from either place; the last result stays here after navigating away.
 */
export function ComponentsView() {
  const run = useRunDiagnostics();
  const pending = useDiagnosticsPending();
  const running = useRunningDiagnostics();
  const outcome = useDiagnosticsStore((s) => s.outcome);
  const busy = pending || running !== undefined;
  const start = () => {
    if (!busy) run.mutate();
  };

  return (
    <section className="view" data-testid="view-components" aria-labelledby="view-components-title">
      <ViewHeader
        id="view-components-title"
        title="Local components"
        subtitle="The programs Bulkhead drives on this machine: git, Chromium, etcd, Ceph and more."
        actions={
          <button type="button" className="button button--primary" onClick={start} disabled={busy}>
            {busy ? 'Checking…' : 'Run check'}
            <Keys keys="shift+c" />
          </button>
        }
      />
      {running ? (
        <div className="card">
          <TaskRow task={running} />
        </div>
      ) : null}
      {!busy && outcome.kind === 'none' ? (
        <p className="muted">
          No check has run in this window yet. Run it before an incident, not during one: it names
          every missing package and the command that installs it.
        </p>
      ) : null}
      {outcome.kind === 'cancelled' && !busy ? (
        <p className="notice" role="status">
          The check was cancelled before it finished; run it again to see results.
        </p>
      ) : null}
      {outcome.kind === 'failed' && !busy ? (
        <p className="notice notice--error" role="alert">
          The check could not run: {outcome.message}
        </p>
      ) : null}
      {outcome.kind === 'report' ? <ChecksTable report={outcome.report} /> : null}
    </section>
  );
}
