import type { SnapshotSummaryView } from '../../../shared/catalog/catalog-view';
import { formatBytes, formatTime } from './format';
import { TrustBadge } from './trust-badge';
import { selectSnapshot, useCatalogStore } from './store';

function sourceText(snapshot: SnapshotSummaryView): string {
  const { source } = snapshot;
  if (!source) return 'source unknown';
  return source.kind === 'github'
    ? `${source.apiUrl} as ${source.readBy}`
    : `import (${source.format})`;
}

/**
 * The snapshots of the open catalog, newest first, with counts and trust.
 *
 * A snapshot with problems is still listed, with its problems inline, because a damaged
 * snapshot is evidence and its intact parts may still be what a restore needs.
 */
export function SnapshotList(props: { readonly snapshots: ReadonlyArray<SnapshotSummaryView> }) {
  const selectedSeq = useCatalogStore((s) => s.selectedSeq);
  const rows = [...props.snapshots].reverse();
  if (rows.length === 0) {
    return (
      <p className="notice" data-testid="no-snapshots">
        This catalog holds no readable snapshot manifest. Problems above say what was found instead.
      </p>
    );
  }
  return (
    <table className="table snapshot-table" data-testid="snapshot-list">
      <caption className="visually-hidden">Snapshots, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Snapshot</th>
          <th scope="col">Captured</th>
          <th scope="col">Trust</th>
          <th scope="col" className="num">
            Repos
          </th>
          <th scope="col" className="num">
            Refs
          </th>
          <th scope="col" className="num">
            PRs
          </th>
          <th
            scope="col"
            className="num"
            title="Repositories whose Actions variables were captured"
          >
            Var. sets
          </th>
          <th
            scope="col"
            className="num"
            title="Repositories whose Actions secret names were captured"
          >
            Secret sets
          </th>
          <th scope="col" className="num">
            Size
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((snapshot) => {
          const selected = snapshot.seq === selectedSeq;
          const damaged = snapshot.problems.length > 0 || snapshot.trust === 'bad-signature';
          return (
            <tr
              key={snapshot.seq}
              data-testid="snapshot-row"
              data-seq={snapshot.seq}
              data-status={damaged ? 'error' : 'ok'}
              aria-selected={selected}
              className={selected ? 'is-selected' : undefined}
            >
              <th scope="row">
                <button
                  type="button"
                  className="link-button"
                  aria-pressed={selected}
                  onClick={() => selectSnapshot(snapshot.seq)}
                >
                  #{snapshot.seq}
                </button>
                <div className="snapshot-table__source muted" title={snapshot.id}>
                  {sourceText(snapshot)}
                </div>
                {snapshot.problems.length > 0 ? (
                  <ul
                    className="inline-problems"
                    aria-label={`Problems of snapshot ${snapshot.seq}`}
                  >
                    {snapshot.problems.map((problem) => (
                      <li key={problem}>{problem}</li>
                    ))}
                  </ul>
                ) : null}
              </th>
              <td className="nowrap">{formatTime(snapshot.createdAt)}</td>
              <td>
                <TrustBadge trust={snapshot.trust} />
              </td>
              <td className="num" title={snapshot.scope.join(', ')}>
                {snapshot.counts.repos}
              </td>
              <td className="num">{snapshot.counts.refs}</td>
              <td className="num">{snapshot.counts.pulls}</td>
              <td className="num">{snapshot.counts.variables}</td>
              <td className="num">{snapshot.counts.secrets}</td>
              <td className="num nowrap">{formatBytes(snapshot.bytes)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
