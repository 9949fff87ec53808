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
import { buildReport, download, renderReport, type ReportFormat } from './report-export';

/** Export: the report as Markdown, HTML or JSON, from what the views hold now. */
function ExportSection() {
  const storeSize = useSourcesStore((s) => s.storeSize);
  const findings = useFindingsStore((s) => s.findings);
  const diff = useDiffStore((s) => s.result?.diff ?? null);
  const bookmarks = useBookmarks();
  const exporting = useMutation({
    mutationFn: async (format: ReportFormat) => {
      const report = await buildReport(
        { findings, diff, bookmarks: bookmarks.data ?? [] },
        Date.now(),
      );
      const file = renderReport(report, format);
      download(file.name, file.type, file.text);
      return file.name;
    },
  });
  if (storeSize === 0 && diff === null) return null;
  return (
    <section className="card" aria-labelledby="report-export" data-testid="report-export">
      <h2 id="report-export">Export the report</h2>
      <p>
        The timeline in numbers ({storeSize.toLocaleString('en-US')} events), {findings.length}{' '}
        {findings.length === 1 ? 'finding' : 'findings'},{' '}
        {diff === null
          ? 'no diff yet (compute one in the Diff view)'
          : `the blast radius and ${diff.differences.length} differences from the baseline`}
        , and {bookmarks.data?.length ?? 0} bookmarks and notes.
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
      <BookmarksSection />
      <EmptyState
        icon={<ReportIcon />}
        title="What goes into the report"
        notBuilt="The restore journal and its verification join the report with restore, in a later release."
      >
        <p>
          The report is built from the loaded incident: a summary of its audit trails and
          transcripts, the findings raised from them, the blast radius and every difference from the
          baseline with the events that caused it, and the bookmarks and notes taken on the timeline
          (listed here as you take them). Load trails and compute a diff to fill it.
        </p>
      </EmptyState>
    </section>
  );
}
