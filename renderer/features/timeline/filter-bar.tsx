import { useEffect, useRef, useState } from 'react';
import { actionClasses } from '../../../shared/ingest/columnar/chunk-builder';
import type { ActionClass } from '../../../shared/ingest/event';
import { laneGroupings, type LaneGrouping } from '../../../shared/timeline/lane-layout';
import type { Facet } from '../../../shared/timeline/queries';
import { useCommandHandler } from '../../app/commands';
import { useSavedViewMutations, useSavedViews } from './bookmarks';
import { useFacets } from './queries';
import { emptyFilter, setFilter, setGrouping, setView, useTimelineStore } from './store';

const groupingLabels: Readonly<Record<LaneGrouping, string>> = {
  session: 'Agent session',
  credential: 'Credential',
  actor: 'Actor',
  resource: 'Resource',
};

/** The filters picked from the values present, each with its facet. */
const pickers = [
  { field: 'actor', label: 'Actor', facets: 'actors' },
  { field: 'credential', label: 'Credential', facets: 'credentials' },
  { field: 'resource', label: 'Resource', facets: 'targets' },
] as const;

/** A text field that updates the store after typing pauses, not on every key. */
function DebouncedInput({
  label,
  value,
  onCommit,
  list,
  placeholder,
  ref,
  testId,
}: {
  readonly label: string;
  readonly value: string;
  readonly onCommit: (value: string) => void;
  readonly list?: string;
  readonly placeholder?: string;
  readonly ref?: React.Ref<HTMLInputElement>;
  readonly testId: string;
}) {
  const [draft, setDraft] = useState(value);
  // A new value from the store (a cleared filter, a saved view) replaces the draft.
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setDraft(value);
  }
  useEffect(() => {
    if (draft === value) return;
    const timer = setTimeout(() => onCommit(draft), 250);
    return () => clearTimeout(timer);
  }, [draft, value, onCommit]);
  return (
    <label className="filter-field">
      <span>{label}</span>
      <input
        ref={ref}
        type="search"
        value={draft}
        list={list}
        placeholder={placeholder}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') onCommit(draft);
          if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
        }}
        data-testid={testId}
      />
    </label>
  );
}

function FacetList({
  id,
  facets,
}: {
  readonly id: string;
  readonly facets?: ReadonlyArray<Facet>;
}) {
  return (
    <datalist id={id}>
      {facets?.map((f) => (
        <option key={f.value} value={f.value}>
          {f.count.toLocaleString('en-US')} events
        </option>
      ))}
    </datalist>
  );
}

/**
 * The filters the timeline and the table share, the lane grouping and saved views.
 *
 * `/` focuses the text filter, which searches the raw records.
 */
export function FilterBar() {
  const filter = useTimelineStore((s) => s.filter);
  const grouping = useTimelineStore((s) => s.grouping);
  const facets = useFacets();
  const textRef = useRef<HTMLInputElement>(null);
  const savedViews = useSavedViews();
  const { save, remove } = useSavedViewMutations();
  const [viewName, setViewName] = useState('');

  useCommandHandler('timeline.filter', () => {
    textRef.current?.focus();
    textRef.current?.select();
  });

  const toggleClass = (c: ActionClass): void => {
    const classes = filter.classes.includes(c)
      ? filter.classes.filter((x) => x !== c)
      : [...filter.classes, c];
    setFilter({ classes });
  };
  const active =
    filter.actor !== '' ||
    filter.credential !== '' ||
    filter.resource !== '' ||
    filter.classes.length > 0 ||
    filter.destructiveOnly ||
    filter.text !== '';

  return (
    <div className="filter-bar" role="search" aria-label="Timeline filters">
      <label className="filter-field">
        <span>Lanes by</span>
        <select
          value={grouping}
          onChange={(e) => setGrouping(e.target.value as LaneGrouping)}
          data-testid="timeline-grouping"
        >
          {laneGroupings.map((g) => (
            <option key={g} value={g}>
              {groupingLabels[g]}
            </option>
          ))}
        </select>
      </label>
      <DebouncedInput
        label="Text in the raw record"
        value={filter.text}
        onCommit={(text) => setFilter({ text })}
        placeholder="/ to search"
        ref={textRef}
        testId="filter-text"
      />
      {pickers.map((p) => (
        <DebouncedInput
          key={p.field}
          label={p.label}
          value={filter[p.field]}
          onCommit={(value) => setFilter({ [p.field]: value })}
          list={`facet-${p.field}`}
          testId={`filter-${p.field}`}
        />
      ))}
      {pickers.map((p) => (
        <FacetList key={p.field} id={`facet-${p.field}`} facets={facets.data?.[p.facets]} />
      ))}
      <fieldset className="filter-classes">
        <legend>Action class</legend>
        {actionClasses.map((c) => (
          <label
            key={c}
            className={`filter-chip${filter.classes.includes(c) ? ' filter-chip--on' : ''}`}
          >
            <input
              type="checkbox"
              checked={filter.classes.includes(c)}
              onChange={() => toggleClass(c)}
            />
            {c}
          </label>
        ))}
        <label
          className={`filter-chip filter-chip--danger${filter.destructiveOnly ? ' filter-chip--on' : ''}`}
        >
          <input
            type="checkbox"
            checked={filter.destructiveOnly}
            onChange={(e) => setFilter({ destructiveOnly: e.target.checked })}
            data-testid="filter-destructive"
          />
          destructive only
        </label>
      </fieldset>
      {active && (
        <button
          type="button"
          className="button button--small button--ghost"
          onClick={() => setFilter(emptyFilter)}
        >
          Clear filters
        </button>
      )}
      <div className="saved-views">
        <label className="filter-field">
          <span>Saved views</span>
          <select
            value=""
            onChange={(e) => {
              const chosen = savedViews.data?.find((v) => v.name === e.target.value);
              if (chosen === undefined) return;
              setGrouping(chosen.grouping);
              setFilter(chosen.filter as Parameters<typeof setFilter>[0]);
              if (chosen.view !== null) setView(chosen.view);
            }}
            data-testid="saved-views"
          >
            <option value="">
              {savedViews.data?.length ? 'Open a saved view…' : 'None saved yet'}
            </option>
            {savedViews.data?.map((v) => (
              <option key={v.name} value={v.name}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <form
          className="saved-views__save"
          onSubmit={(e) => {
            e.preventDefault();
            const name = viewName.trim();
            if (name === '') return;
            const s = useTimelineStore.getState();
            save.mutate(
              { name, grouping: s.grouping, filter: s.filter, view: s.view },
              { onSuccess: () => setViewName('') },
            );
          }}
        >
          <input
            value={viewName}
            onChange={(e) => setViewName(e.target.value)}
            placeholder="Name this view"
            aria-label="Name for the saved view"
            maxLength={120}
            data-testid="saved-view-name"
          />
          <button type="submit" className="button button--small" disabled={viewName.trim() === ''}>
            Save view
          </button>
        </form>
        {savedViews.data?.some((v) => v.name === viewName.trim()) && (
          <button
            type="button"
            className="button button--small button--ghost"
            onClick={() => remove.mutate(viewName.trim())}
          >
            Delete “{viewName.trim()}”
          </button>
        )}
        {(save.error ?? remove.error) && (
          <p role="alert" className="danger">
            {(save.error ?? remove.error)!.message}
          </p>
        )}
      </div>
    </div>
  );
}
