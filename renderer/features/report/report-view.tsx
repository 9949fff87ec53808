import '../timeline/timeline.css';
import { EmptyState } from '../../app/ui/empty-state';
import { ReportIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import { formatInstant } from '../../../shared/timeline/time-scale';
import { useBookmarks } from '../timeline/bookmarks';
import { useMutation } from '@tanstack/react-query';
import { useDiffStore } from '../diff/store';
import { useFindingsStore } from '../findings/store';
import { useSourcesStore } from '../sources/store';
import { describeError } from '../../api/api-error';
import { useRestoreStore } from '../restore/store';
import { buildReport, download, renderReport, type ReportFormat } from './report-export';

/** Export: the report as Markdown, HTML or JSON, from what the views hold now. */
function ExportSection() {
  const storeSize = useSourcesStore((s) => s.storeSize);
  const findings = useFindingsStore((s) => s.findings);
  const diff = useDiffStore((s) => s.result?.diff ?? null);
  const bookmarks = useBookmarks();
  const restore = useRestoreStore((s) => s.inReport);
  const exporting = useMutation({
    mutationFn: async (format: ReportFormat) => {
      const report = await buildReport(
        { findings, diff, bookmarks: bookmarks.data ?? [], restore },
        Date.now(),
      );
      const file = renderReport(report, format);
      download(file.name, file.type, file.text);
      return file.name;
    },
  });
  if (storeSize === 0 && diff === null && restore === null) return null;
  return (
    <section className="card" aria-labelledby="report-export" data-testid="report-export">
      <h2 id="report-export">Export the report</h2>
      <p>
        The timeline in numbers ({storeSize.toLocaleString('en-US')} events), {findings.length}{' '}
        {findings.length === 1 ? 'finding' : 'findings'},{' '}
        {diff === null
          ? 'no diff yet (compute one in the Diff view)'
          : `the blast radius and ${diff.differences.length} differences from the baseline`}
        , {bookmarks.data?.length ?? 0} bookmarks and notes, and{' '}
        {restore === null
          ? 'no restore (add one from the Restore view)'
          : 'the restore journal and its signed verification'}
        .
      </p>
      <div className="report-export__buttons">
        {(['markdown', 'html', 'json'] as const).map((format) => (
          <button
            key={format}
            type="button"
            className="button"
            disabled={exporting.isPending}
            onClick={() => exporting.mutate(format)}
            data-testid={`report-export-${format}`}
          >
            {format === 'markdown' ? 'Markdown' : format === 'html' ? 'HTML' : 'JSON'}
          </button>
        ))}
      </div>
      {exporting.isSuccess && <p className="muted">Saved {exporting.data}.</p>}
      {exporting.isError && (
        <p role="alert" className="notice notice--error">
          The report could not be built: {describeError(exporting.error)}
        </p>
      )}
    </section>
  );
}

/** The restore added from the Restore view: its journal in brief and its verification. */
function RestoreSection() {
  const restore = useRestoreStore((s) => s.inReport);
  if (restore === null) return null;
  const { plan, status, verification } = restore;
  const v = verification ?? status.verification;
  return (
    <section className="card" aria-labelledby="report-restore-title" data-testid="report-restore">
      <h2 id="report-restore-title">Restore</h2>
      <dl className="facts">
        <dt>Plan</dt>
        <dd className="mono">{plan.planHash}</dd>
        <dt>Target</dt>
        <dd>
          {plan.plan.target.owner} at <span className="mono">{plan.plan.target.apiUrl}</span>, from
          snapshot #{plan.plan.catalog.snapshotSeq}
        </dd>
        <dt>Approval</dt>
        <dd>
          {status.approval === null
            ? 'none recorded'
            : `${status.approval.approvedAt}, typed “${status.approval.phrase}”`}
          {status.approval?.overrideAcknowledgement
            ? `; isolation overridden with “${status.approval.overrideAcknowledgement}”`
            : ''}
        </dd>
        <dt>Journal</dt>
        <dd>
          {status.operations.filter((o) => o.state === 'done' || o.state === 'already').length} of{' '}
          {status.operations.length} operations done, {status.retries} retries, {status.records}{' '}
          records{status.cancelled ? ', cancelled once' : ''}
        </dd>
        <dt>Verification</dt>
        <dd>
          {v === null
            ? 'not verified'
            : v.ok
              ? `verified ${v.verifiedAt}: every target equals the snapshot; signed by ${v.signature.fingerprint}`
              : `drift at ${v.verifiedAt}: ${v.counts.mismatch} targets differ from the snapshot`}
        </dd>
      </dl>
    </section>
  );
}

/** The analyst's bookmarks and notes, in time order: the report's running commentary. */
function BookmarksSection() {
  const bookmarks = useBookmarks();
  if (!bookmarks.data?.length) return null;
  return (
    <section className="card" aria-labelledby="report-bookmarks" data-testid="report-bookmarks">
      <h2 id="report-bookmarks">Bookmarks and notes</h2>
      <ol className="report-bookmarks">
        {bookmarks.data.map((b) => (
          <li key={b.id}>
            <span className="mono">{formatInstant(b.at)}</span> <strong>{b.label}</strong>
            {b.event ? (
              <span className="muted">
                {' '}
                (source {b.event.sourceId.slice(0, 12)}…, line {b.event.line})
              </span>
            ) : null}
            {b.note ? <p>{b.note}</p> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

/**
 * The incident report view.
 *
 * The report is assembled from the other views, so it is empty until they have data.
 */
export function ReportView() {
  return (
    <section className="view" data-testid="view-report" aria-labelledby="view-report-title">
      <ViewHeader
        id="view-report-title"
        title="Report"
        subtitle="The evidence: timeline, findings, blast radius, restore journal and verification."
      />
      <ExportSection />
      <RestoreSection />
      <BookmarksSection />
      <EmptyState icon={<ReportIcon />} title="What goes into the report">
        <p>
          The report is built from the loaded incident: a summary of its audit trails and
          transcripts, the findings raised from them, the blast radius and every difference from the
          baseline with the events that caused it, the bookmarks and notes taken on the timeline
          (listed here as you take them), and a restore&apos;s journal and signed verification once
          you add it from the Restore view. Load trails and compute a diff to fill it.
        </p>
      </EmptyState>
    </section>
  );
}
