import { useEffect } from 'react';
import { Link } from 'react-router';
import { EmptyState } from '../../app/ui/empty-state';
import { plural } from '../catalog/format';
import { useRestoreSavedSources, useSourceEntries, useStoreSize } from './hooks';

/**
 * The sidebar's Sources section: sources loaded, events held, and loads still running.
 *
 * The sidebar is always on screen, so it is also what restores the saved sources.
 */
export function SourcesSidebarSummary() {
  const restore = useRestoreSavedSources();
  useEffect(() => void restore(), [restore]);
  const entries = useSourceEntries();
  const events = useStoreSize();
  const loaded = entries.filter((e) => e.outcome?.kind === 'loaded').length;
  const running = entries.filter((e) => e.outcome === null).length;
  if (entries.length === 0) {
    return (
      <EmptyState compact title="No audit trails loaded.">
        <p>
          GitHub and GitLab audit logs, CloudTrail, Kubernetes audit and agent transcripts.{' '}
          <Link to="/sources">Load sources</Link>.
        </p>
      </EmptyState>
    );
  }
  return (
    <Link to="/sources" className="sidebar-count" data-testid="sidebar-sources-summary">
      {plural(loaded, 'source')} · {plural(events, 'event')}
      {running > 0 ? <span className="muted"> · {running} loading</span> : null}
    </Link>
  );
}
