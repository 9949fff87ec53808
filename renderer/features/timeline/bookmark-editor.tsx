import { useState } from 'react';
import type { NormalizedEvent } from '../../../shared/ingest/event';
import { useCommandHandler } from '../../app/commands';
import type { BookmarkRow } from '../../db/workspace-db';
import { bookmarkOf, useBookmarkMutations, useBookmarks } from './bookmarks';
import { useTimelineStore } from './store';

/**
 * Bookmark the open event and keep a note on it; both go into the incident report.
 *
 * The note is saved when the field loses focus or on Ctrl/Cmd+Enter, so typing never
 * writes to the database on every key.
 */
export function BookmarkEditor({ event }: { readonly event: NormalizedEvent }) {
  const bookmarks = useBookmarks();
  const { add } = useBookmarkMutations();
  const existing = bookmarkOf(bookmarks.data, event);
  const selectedRow = useTimelineStore((s) => s.selectedRow);

  const create = (): void => {
    if (existing !== undefined || selectedRow === null) return;
    add.mutate({ event, row: selectedRow, label: event.action.provider });
  };
  useCommandHandler('timeline.bookmark', create);

  if (existing?.id === undefined) {
    return (
      <div className="bookmark">
        <button
          type="button"
          className="button button--small"
          onClick={create}
          disabled={add.isPending}
        >
          Bookmark this event <kbd>B</kbd>
        </button>
        {add.error !== null && (
          <p role="alert" className="danger">
            Could not save the bookmark: {add.error.message}
          </p>
        )}
      </div>
    );
  }
  // Keyed by the bookmark, so another event's bookmark starts from its own text.
  return (
    <BookmarkFields
      key={existing.id}
      bookmark={{ ...existing, id: existing.id }}
      fallbackLabel={event.action.provider}
    />
  );
}

function BookmarkFields(props: {
  readonly bookmark: BookmarkRow & { readonly id: number };
  readonly fallbackLabel: string;
}) {
  const { bookmark } = props;
  const { update, remove } = useBookmarkMutations();
  const [label, setLabel] = useState(bookmark.label);
  const [note, setNote] = useState(bookmark.note ?? '');

  const save = (): void => {
    if (label === bookmark.label && note === (bookmark.note ?? '')) return;
    update.mutate({ id: bookmark.id, label: label.trim() || props.fallbackLabel, note });
  };
  const failure = update.error ?? remove.error;
  return (
    <div className="bookmark bookmark--set" data-testid="bookmark-editor">
      <label>
        <span>Bookmark</span>
        <input
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          onBlur={save}
          maxLength={200}
        />
      </label>
      <label>
        <span>Note (goes into the report)</span>
        <textarea
          value={note}
          rows={3}
          onChange={(e) => setNote(e.target.value)}
          onBlur={save}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) save();
          }}
          data-testid="bookmark-note"
        />
      </label>
      <button
        type="button"
        className="button button--small button--ghost"
        onClick={() => remove.mutate(bookmark.id)}
      >
        Remove bookmark
      </button>
      {failure !== null && (
        <p role="alert" className="danger">
          Could not save: {failure.message}
        </p>
      )}
    </div>
  );
}
