import { EmptyState } from '../../app/ui/empty-state';
import { TimelineIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';

/**
 * The timeline replay view.
 *
 * Replay needs loaded audit trails; until ingest exists this says so rather than
 * drawing an empty chart that looks like "nothing happened".
 */
export function TimelineView() {
  return (
    <section className="view" data-testid="view-timeline" aria-labelledby="view-timeline-title">
      <ViewHeader
        id="view-timeline-title"
        title="Timeline"
        subtitle="Replay every event of the incident, by agent session, credential and resource."
      />
      <EmptyState
        icon={<TimelineIcon />}
        title="Nothing to replay: no audit trails are loaded."
        notBuilt="Loading trails and the replay itself come in a later release; this release has no timeline yet."
      >
        <p>
          To use the timeline you will load the provider audit logs (GitHub, GitLab, CloudTrail,
          Kubernetes audit) and the agent&apos;s transcripts (Claude Code, Codex CLI). The replay
          then joins what the agent meant to do with what the provider recorded, on lanes you can
          zoom from milliseconds to weeks, with a cursor every other view follows.
        </p>
      </EmptyState>
    </section>
  );
}
