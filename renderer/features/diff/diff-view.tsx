import { EmptyState } from '../../app/ui/empty-state';
import { DiffIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import { CursorBadge } from '../timeline/cursor-badge';

/**
 * The baseline diff view.
 *
 * A diff needs a known-good snapshot to compare against; the empty state names it.
 */
export function DiffView() {
  return (
    <section className="view" data-testid="view-diff" aria-labelledby="view-diff-title">
      <ViewHeader
        id="view-diff-title"
        title="Diff"
        subtitle="What differs from a known-good snapshot, and which event caused each change."
      />
      <CursorBadge purpose="the diff will show the state at this moment against the baseline." />
      <EmptyState
        icon={<DiffIcon />}
        title="No baseline to compare: no snapshot catalog is open."
        notBuilt="The baseline diff comes in a later release; catalogs can be opened and verified now."
      >
        <p>
          To use the diff you will open a snapshot catalog (a Bulkhead catalog on a directory or an
          S3 bucket with Object Lock) and pick a known-good snapshot. The diff then lists repos
          gone, refs moved or force-pushed, files changed, pull requests closed or edited, and
          variables or secrets deleted, each linked to the event that did it.
        </p>
      </EmptyState>
    </section>
  );
}
