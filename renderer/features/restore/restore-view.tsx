import { EmptyState } from '../../app/ui/empty-state';
import { RestoreIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import { CursorBadge } from '../timeline/cursor-badge';

/**
 * The restore view: plan, dry run, approval, execution, verification.
 *
 * Restoring is the one place a wrong impression is dangerous, so the empty state is
 * explicit that nothing can be restored from this release.
 */
export function RestoreView() {
  return (
    <section className="view" data-testid="view-restore" aria-labelledby="view-restore-title">
      <ViewHeader
        id="view-restore-title"
        title="Restore"
        subtitle="Plan, dry-run, approve and verify a granular restore from the snapshot."
      />
      <CursorBadge purpose="a restore will put back what this moment shows broken." />
      <EmptyState
        icon={<RestoreIcon />}
        title="Nothing selected to restore."
        notBuilt="Restore is not built yet. This release cannot plan or run a restore; nothing here writes to any provider."
      >
        <p>
          To restore you will need an open snapshot catalog, a diff against it to pick what to bring
          back (a repo, a branch, a pull request, a variable), and a restore credential the agent
          never had. Every plan will be dry-run and need your explicit approval before it runs.
        </p>
      </EmptyState>
    </section>
  );
}
