import { EmptyState } from '../../app/ui/empty-state';
import { RestoreIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import { kindLabels } from '../diff/diff-tree';
import { CursorBadge } from '../timeline/cursor-badge';
import { clearPlan, removeFromPlan, usePlanStore } from './plan-store';

/** What the user chose in the Diff view, before any plan is made of it. */
function ChosenItems() {
  const items = usePlanStore((s) => s.items);
  if (items.size === 0) return null;
  return (
    <section className="card" aria-labelledby="restore-chosen" data-testid="restore-chosen">
      <h2 id="restore-chosen">Chosen to restore ({items.size})</h2>
      <ul className="restore-chosen">
        {[...items.values()].map((d) => (
          <li key={d.id} data-testid="restore-item">
            <span className="tag">{kindLabels[d.kind]}</span>{' '}
            <span className="mono">{d.resource.key}</span>{' '}
            <span className="muted">{d.summary}</span>{' '}
            <button
              type="button"
              className="button button--small button--ghost"
              onClick={() => removeFromPlan([d.id])}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="button button--small button--ghost" onClick={clearPlan}>
        Clear all
      </button>
    </section>
  );
}

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
      <ChosenItems />
      <EmptyState
        icon={<RestoreIcon />}
        title="No restore can run yet."
        notBuilt="Restore is not built yet. This release cannot plan or run a restore; nothing here writes to any provider."
      >
        <p>
          Choose what to bring back in the Diff view (a repository, a branch, a pull request, a
          variable, or a whole repository&apos;s damage); the choice is listed above. Planning it
          into operations, the dry run, your approval and the run through a restore credential the
          agent never had come next.
        </p>
      </EmptyState>
    </section>
  );
}
