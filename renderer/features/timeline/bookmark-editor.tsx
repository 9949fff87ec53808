import { useEffect, useState } from 'react';
import type { NormalizedEvent } from '../../../shared/ingest/event';
import { useCommandHandler } from '../../app/commands';
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
  const { add, update, remove } = useBookmarkMutations();
  const existing = bookmarkOf(bookmarks.data, event);
  const [label, setLabel] = useState(existing?.label ?? '');
  const [note, setNote] = useState(existing?.note ?? '');
  const selectedRow = useTimelineStore((s) => s.selectedRow);

  useEffect(() => {
    setLabel(existing?.label ?? '');
    setNote(existing?.note ?? '');
  }, [existing?.id, existing?.label, existing?.note]);

  const create = (): void => {
    if (existing !== undefined || selectedRow === null) return;
    add.mutate({ event, row: selectedRow, label: event.action.provider });
  };
  useCommandHandler('timeline.bookmark', create);

  const save = (): void => {
    if (existing?.id === undefined) return;
    if (label === existing.label && note === (existing.note ?? '')) return;
    update.mutate({ id: existing.id, label: label.trim() || event.action.provider, note });
  };

  const failure = add.error ?? update.error ?? remove.error;
  if (existing === undefined) {
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
        {failure !== null && (
          <p role="alert" className="danger">
            Could not save the bookmark: {failure.message}
          </p>
        )}
      </div>
    );
  }
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
        onClick={() => existing.id !== undefined && remove.mutate(existing.id)}
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
