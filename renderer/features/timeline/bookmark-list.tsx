import { formatInstant } from '../../../shared/timeline/time-scale';
import { useBookmarks } from './bookmarks';
import { selectEvent, setCursor } from './store';

/**
 * The incident's bookmarks and notes, in time order; a click returns to the moment.
 *
 * A bookmark names its event by source and record, and remembers the row it had; when
 * the workspace was reloaded in another order the row may differ, so only the time is
 * trusted unless the row still holds the same record (checked by the detail panel).
 */
export function BookmarkList() {
  const bookmarks = useBookmarks();
  if (!bookmarks.data?.length) return null;
  return (
    <section className="bookmark-list" aria-label="Bookmarks" data-testid="bookmark-list">
      <h3>Bookmarks ({bookmarks.data.length})</h3>
      <ul>
        {bookmarks.data.map((b) => (
          <li key={b.id}>
            <button
              type="button"
              className="link-button"
              onClick={() => (b.row !== undefined ? selectEvent(b.row, b.at) : setCursor(b.at))}
            >
              <span className="mono">{formatInstant(b.at)}</span> {b.label}
            </button>
            {b.note ? <p className="bookmark-list__note">{b.note}</p> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
