import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { LaneLayout } from '../../../shared/timeline/lane-layout';
import { upperBound } from '../../../shared/timeline/pixel-counts';
import { formatInstant } from '../../../shared/timeline/time-scale';
import { pageSize, useEventPage } from './queries';
import { selectEvent, useTimelineStore } from './store';

const rowHeight = 26;

interface EventTableProps {
  readonly layout: LaneLayout;
}

/** Index in the layout's time order of the last event at or before `cursor`, or -1. */
export function cursorIndex(layout: LaneLayout, cursor: number | null): number {
  if (cursor === null) return -1;
  return upperBound(layout.times, 0, layout.times.length, cursor) - 1;
}

/**
 * Every matching event in time order, windowed: only the rows on screen exist in the
 * DOM, and their contents are fetched from the worker a page at a time.
 *
 * The table follows the cursor (the row at or before it is marked and kept in view)
 * unless the user scrolled it in the last few seconds.
 */
export function EventTable({ layout }: EventTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const cursor = useTimelineStore((s) => s.cursor);
  const selectedRow = useTimelineStore((s) => s.selectedRow);
  const current = cursorIndex(layout, cursor);
  const userScrolledAt = useRef(0);
  const programmatic = useRef(false);
  // TanStack Virtual's functions change every render, so the React Compiler skips this
  // component; it is not compiled anyway (the build does not run the compiler).
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: layout.rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });

  useEffect(() => {
    if (current < 0 || performance.now() - userScrolledAt.current < 3000) return;
    programmatic.current = true;
    virtualizer.scrollToIndex(current, { align: 'auto' });
  }, [current, virtualizer]);

  return (
    <div className="event-table" data-testid="event-table">
      <div className="event-table__head" role="row">
        <span role="columnheader">Time (UTC)</span>
        <span role="columnheader">Actor</span>
        <span role="columnheader">Action</span>
        <span role="columnheader">Target</span>
        <span role="columnheader">Outcome</span>
        <span role="columnheader">Session / credential</span>
      </div>
      <div
        className="event-table__body"
        ref={scrollRef}
        role="grid"
        aria-label={`${layout.rows.length.toLocaleString('en-US')} events in time order`}
        aria-rowcount={layout.rows.length}
        onScroll={() => {
          if (programmatic.current) programmatic.current = false;
          else userScrolledAt.current = performance.now();
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => (
            <TableRow
              key={item.key}
              layout={layout}
              index={item.index}
              top={item.start}
              current={item.index === current}
              selected={layout.rows[item.index] === selectedRow}
            />
          ))}
        </div>
      </div>
    </div>
  );
}

function TableRow(props: {
  readonly layout: LaneLayout;
  readonly index: number;
  readonly top: number;
  readonly current: boolean;
  readonly selected: boolean;
}) {
  const { layout, index } = props;
  const page = useEventPage(layout, Math.floor(index / pageSize));
  const summary = page.data?.[index % pageSize];
  const row = layout.rows[index]!;
  const time = layout.times[index]!;
  const destructive = layout.eventMarks[index] === 0;
  const classes = [
    'event-row',
    destructive ? 'event-row--destructive' : '',
    props.current ? 'event-row--current' : '',
    props.selected ? 'event-row--selected' : '',
  ].join(' ');
  return (
    <div
      className={classes}
      role="row"
      aria-rowindex={index + 1}
      aria-selected={props.selected}
      data-testid="event-row"
      data-row={row}
      style={{ transform: `translateY(${props.top}px)`, height: rowHeight }}
      onClick={() => selectEvent(row, time)}
    >
      <span role="gridcell" className="mono">
        {formatInstant(time).replace(' UTC', '')}
      </span>
      {summary === undefined ? (
        <span role="gridcell" className="event-row__loading">
          …
        </span>
      ) : (
        <>
          <span role="gridcell" title={summary.actor}>
            {summary.actor}
          </span>
          <span role="gridcell" className="mono" title={summary.action}>
            {destructive && <span className="event-row__flag">destructive</span>}
            {summary.action}
          </span>
          <span role="gridcell" className="mono" title={summary.target ?? ''}>
            {summary.target ?? '-'}
          </span>
          <span
            role="gridcell"
            className={`event-row__outcome event-row__outcome--${summary.outcome}`}
          >
            {summary.rejected ? 'rejected' : summary.outcome}
          </span>
          <span
            role="gridcell"
            className="mono"
            title={summary.session ?? summary.credential ?? ''}
          >
            {summary.session !== null
              ? `session ${short(summary.session)}`
              : summary.credential !== null
                ? `token ${short(summary.credential)}`
                : '-'}
          </span>
        </>
      )}
    </div>
  );
}

/** A long id cut to its first characters, as the table's narrow columns show it. */
export function short(id: string): string {
  return id.length > 12 ? `${id.slice(0, 10)}…` : id;
}
