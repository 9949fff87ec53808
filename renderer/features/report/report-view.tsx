import '../timeline/timeline.css';
import { EmptyState } from '../../app/ui/empty-state';
import { ReportIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import { formatInstant } from '../../../shared/timeline/time-scale';
import { useBookmarks } from '../timeline/bookmarks';

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
      <BookmarksSection />
      <EmptyState
        icon={<ReportIcon />}
        title="No report to export yet."
        notBuilt="Report export (Markdown, HTML, JSON) comes in a later release."
      >
        <p>
          The report is built from a loaded incident: its audit trails and transcripts, the findings
          raised from them, the bookmarks and notes taken on the timeline (listed here as you take
          them), the diff against the baseline and the journal of any restore.
        </p>
      </EmptyState>
    </section>
  );
}
