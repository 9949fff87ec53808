import type {
  CatalogOpened,
  ObjectStatus,
  VerifyReportView,
} from '../../../shared/catalog/catalog-view';
import { assertNever } from '../../../shared/util/assert-never';
import { TaskRow } from '../tasks/task-row';
import { formatBytes, formatTime, plural } from './format';
import { useCatalogBusy, useRunningCatalogTask, useVerifyCatalog } from './queries';
import { useCatalogStore } from './store';

function statusLabel(status: ObjectStatus): string {
  switch (status) {
    case 'ok':
      return 'OK';
    case 'missing':
      return 'Missing';
    case 'size-mismatch':
      return 'Wrong size';
    case 'hash-mismatch':
      return 'Tampered';
    case 'extra':
      return 'Extra';
    case 'unreadable':
      return 'Unreadable';
    default:
      return assertNever(status, 'object status');
  }
}

function statusTag(status: ObjectStatus): string {
  if (status === 'ok') return 'tag tag--ok';
  if (status === 'extra') return 'tag tag--missing';
  return 'tag tag--error';
}

function WormSummary(props: { readonly report: VerifyReportView; readonly worm: boolean }) {
  const { worm } = props.report;
  if (!props.worm) {
    return (
      <dl className="facts" data-testid="worm-summary">
        <dt>Immutability</dt>
        <dd>
          None: a directory cannot lock objects. Integrity rests on hashes and signatures alone.
        </dd>
      </dl>
    );
  }
  return (
    <dl className="facts" data-testid="worm-summary">
      <dt>Locked objects</dt>
      <dd>
        {worm.locked.toLocaleString('en-US')} locked, {worm.unlocked.toLocaleString('en-US')}{' '}
        unlocked
      </dd>
      <dt>Mode</dt>
      <dd>{worm.mode ?? 'none'}</dd>
      <dt>Earliest retain-until</dt>
      <dd>{formatTime(worm.minRetainUntil)}</dd>
    </dl>
  );
}

function ObjectTable(props: { readonly report: VerifyReportView }) {
  const { report } = props;
  const shown = report.perObject;
  return (
    <details className="object-details" open={!report.ok}>
      <summary>
        Objects:{' '}
        {Object.entries(report.statusCounts)
          .filter(([, count]) => count > 0)
          .map(
            ([status, count]) =>
              `${count.toLocaleString('en-US')} ${statusLabel(status as ObjectStatus).toLowerCase()}`,
          )
          .join(', ') || 'none listed'}
        {shown.length < report.perObjectTotal
          ? ` (showing ${shown.length.toLocaleString('en-US')} of ${report.perObjectTotal.toLocaleString('en-US')}, problems first)`
          : ''}
      </summary>
      <div className="table-scroll">
        <table className="table" data-testid="object-table">
          <caption className="visually-hidden">Objects checked</caption>
          <thead>
            <tr>
              <th scope="col">Object</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">Lock</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((line) => (
              <tr key={line.object} data-status={line.status === 'ok' ? 'ok' : 'error'}>
                <th scope="row" className="mono break">
                  {line.object}
                </th>
                <td>
                  <span className={statusTag(line.status)}>{statusLabel(line.status)}</span>
                </td>
                <td className="num nowrap">{line.size === null ? '—' : formatBytes(line.size)}</td>
                <td className="nowrap">
                  {line.lock
                    ? `${line.lock.mode ?? 'unlocked'}${line.lock.retainUntil ? ` until ${formatTime(line.lock.retainUntil)}` : ''}${line.lock.legalHold ? ', legal hold' : ''}`
                    : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function Report(props: { readonly report: VerifyReportView; readonly opened: CatalogOpened }) {
  const { report } = props;
  return (
    <div className="verify-result" data-testid="verify-result" data-ok={report.ok}>
      <p className={report.ok ? 'verdict verdict--ok' : 'verdict verdict--bad'} role="status">
        {report.ok
          ? `${report.level === 'full' ? 'Full' : 'Quick'} verification passed: ${plural(report.snapshots, 'snapshot')}, ${plural(report.objects, 'object')}, no problems.`
          : `${report.level === 'full' ? 'Full' : 'Quick'} verification found ${plural(report.problemsTotal, 'problem')} in ${plural(report.snapshots, 'snapshot')} and ${plural(report.objects, 'object')}.`}
        <span className="verdict__time muted">
          {' '}
          Finished {new Date(report.finishedAt).toLocaleTimeString()}.
        </span>
      </p>
      {report.problems.length > 0 ? (
        <ul className="problem-list" data-testid="verify-problems" aria-label="Problems found">
          {report.problems.map((p, i) => (
            <li key={`${p.object}-${i}`}>
              <code className="break">{p.object}</code>
              <span>{p.problem}</span>
            </li>
          ))}
          {report.problemsTotal > report.problems.length ? (
            <li className="muted">
              …and {(report.problemsTotal - report.problems.length).toLocaleString('en-US')} more
              (run `bulkhead catalog verify --json` for all).
            </li>
          ) : null}
        </ul>
      ) : null}
      {report.warnings.length > 0 ? (
        <ul className="warning-list" data-testid="verify-warnings" aria-label="Warnings">
          {report.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      <WormSummary report={report} worm={props.opened.worm} />
      <ObjectTable report={report} />
    </div>
  );
}

/**
 * Verification of the open catalog: quick and full, with progress, Cancel and results.
 *
 * Runs as a long task, so progress is also in the status bar; the result names every
 * tampered, missing or extra object, and says plainly when the store cannot be WORM.
 */
export function VerifyPanel(props: { readonly opened: CatalogOpened }) {
  const { opened } = props;
  const verify = useVerifyCatalog();
  const { verifying } = useCatalogBusy();
  const running = useRunningCatalogTask('catalog:verify');
  const outcome = useCatalogStore((s) => s.verify);
  const busy = verifying || running !== undefined;
  const start = (level: 'quick' | 'full') => {
    if (!busy) verify.mutate({ catalogId: opened.catalogId, level });
  };
  return (
    <section
      className="card verify-panel"
      aria-labelledby="verify-title"
      data-testid="verify-panel"
    >
      <div className="card__header">
        <h2 id="verify-title">Verification</h2>
        <div className="card__actions">
          <button type="button" className="button" disabled={busy} onClick={() => start('quick')}>
            Verify quick
          </button>
          <button
            type="button"
            className="button button--primary"
            disabled={busy}
            onClick={() => start('full')}
          >
            Verify full
          </button>
        </div>
      </div>
      <p className="muted">
        Quick checks manifests, signatures, the chain and every object&apos;s presence and size.
        Full also re-hashes every object and unbundles every repository&apos;s git data.
      </p>
      {running ? <TaskRow task={running} /> : null}
      {!busy && outcome.kind === 'none' ? (
        <p className="muted" data-testid="verify-none">
          Not verified in this window yet. Opening only read the manifests; run a full verification
          before restoring from this catalog.
        </p>
      ) : null}
      {!busy && outcome.kind === 'cancelled' ? (
        <p className="notice" role="status">
          Verification was cancelled before it finished; nothing is known about the objects it did
          not reach.
        </p>
      ) : null}
      {!busy && outcome.kind === 'failed' ? (
        <p className="notice notice--error" role="alert" data-testid="verify-error">
          Verification could not run: {outcome.message}
        </p>
      ) : null}
      {outcome.kind === 'report' ? <Report report={outcome.report} opened={opened} /> : null}
    </section>
  );
}
