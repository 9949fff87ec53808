import { Link } from 'react-router';
import { EmptyState } from '../../app/ui/empty-state';
import { plural } from './format';
import { standingOf, useCatalogStore } from './store';
import { StandingChip } from './trust-badge';

/** The last path segment of a location, for a narrow sidebar: `prod-catalog`. */
export function shortName(location: string): string {
  const trimmed = location.replace(/[\\/]+$/, '');
  const withoutEndpoint = trimmed.replace(/ at .*$/, '');
  const last = withoutEndpoint.split(/[\\/]/).filter(Boolean).at(-1);
  return last ?? location;
}

/**
 * The sidebar's Catalog section: the open catalog's name, snapshot count and standing.
 *
 * It is the one place visible from every view that says whether the baseline has been
 * verified, so the chip never says "verified" before a verification passed.
 */
export function CatalogSidebarSummary() {
  const opened = useCatalogStore((s) => s.opened);
  const verify = useCatalogStore((s) => s.verify);
  if (!opened) {
    return (
      <EmptyState compact title="No snapshot catalog open.">
        <p>
          A WORM snapshot catalog (a directory or an S3 bucket with Object Lock) is the baseline to
          diff and restore from. <Link to="/catalog">Open one</Link>.
        </p>
      </EmptyState>
    );
  }
  return (
    <Link
      to="/catalog"
      className="sidebar-catalog"
      data-testid="sidebar-catalog-summary"
      title={opened.location}
    >
      <span className="sidebar-catalog__name">{shortName(opened.location)}</span>
      <span className="sidebar-catalog__meta">
        <span className="muted">
          {plural(opened.snapshots.length, 'snapshot')}
          {opened.kind === 'import' ? ' · import' : ''}
        </span>
        <StandingChip standing={standingOf(opened, verify)} />
      </span>
    </Link>
  );
}
