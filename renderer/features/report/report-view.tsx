import { EmptyState } from '../../app/ui/empty-state';
import { ReportIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';

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
      <EmptyState
        icon={<ReportIcon />}
        title="No incident to report on."
        notBuilt="Report export (Markdown, HTML, JSON) comes in a later release."
      >
        <p>
          The report is built from a loaded incident: its audit trails and transcripts, the findings
          raised from them, the diff against the baseline and the journal of any restore. Load those
          first; there is nothing to write up yet.
        </p>
      </EmptyState>
    </section>
  );
}
