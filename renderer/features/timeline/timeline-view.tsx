import './timeline.css';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  laneGroupings,
  marks,
  type LaneGrouping,
  type LaneLayout,
} from '../../../shared/timeline/lane-layout';
import { fitRange, formatInstant, formatSpan } from '../../../shared/timeline/time-scale';
import { lowerBound } from '../../../shared/timeline/pixel-counts';
import { EmptyState } from '../../app/ui/empty-state';
import { TimelineIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import type { FindingKind } from '../../../shared/ingest/findings';
import type { FindingView } from '../../workers/ingest-protocol';
import { useFindingsStore } from '../findings/store';
import { useSourcesStore } from '../sources/store';
import { BookmarkList } from './bookmark-list';
import { EventDetailPanel } from './event-detail';
import { EventTable, short } from './event-table';
import { FilterBar } from './filter-bar';
import { incidentRange, Minimap } from './minimap';
import { PlaybackBar, usePlayback } from './playback';
import { useEventSummary, useLaneLayout } from './queries';
import {
  selectEvent,
  setBrush,
  setCursor,
  setGrouping,
  setView,
  toEventFilter,
  useTimelineStore,
} from './store';
import { TimelineCanvas, type Hover } from './timeline-canvas';
import type { Band } from './timeline-painter';

const noneLabels: Readonly<Record<LaneGrouping, string>> = {
  session: 'Not in a transcript',
  credential: 'No credential',
  actor: 'No actor',
  resource: 'No target',
};

const markLabels: Readonly<Record<(typeof marks)[number], string>> = {
  destructive: 'Destructive',
  change: 'Change',
  read: 'Read or sign-in',
  agent: 'Agent action',
};

function laneLabelOf(layout: LaneLayout): (lane: number) => string {
  return (lane) => {
    const key = layout.lanes[lane]?.key ?? null;
    if (key === null) return noneLabels[layout.grouping];
    switch (layout.grouping) {
      case 'session':
        return `session ${short(key)}`;
      case 'credential':
        return `token ${short(key)}`;
      default:
        return key;
    }
  };
}

/**
 * Links a moment: the cursor, range, grouping and open event live in the URL
 * (`#/timeline?t=…&from=…&to=…&g=…&e=…`), read once on entry and kept up to date.
 */
function useMomentLink(): void {
  const [params, setParams] = useSearchParams();
  useEffect(() => {
    const num = (name: string): number | null => {
      const value = params.get(name);
      const n = value === null ? NaN : Number(value);
      return Number.isFinite(n) ? n : null;
    };
    const t = num('t');
    const from = num('from');
    const to = num('to');
    const row = num('e');
    const g = params.get('g');
    if (g !== null && (laneGroupings as ReadonlyArray<string>).includes(g))
      setGrouping(g as LaneGrouping);
    if (from !== null && to !== null && to > from) setView({ start: from, end: to });
    if (row !== null && t !== null) selectEvent(row, t);
    else if (t !== null) setCursor(t);
    // Read once, on entry: afterwards the store is the truth and the URL follows it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = useTimelineStore.subscribe((s) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const next = new URLSearchParams();
        if (s.cursor !== null) next.set('t', String(Math.round(s.cursor)));
        if (s.view !== null) {
          next.set('from', String(Math.floor(s.view.start)));
          next.set('to', String(Math.ceil(s.view.end)));
        }
        next.set('g', s.grouping);
        if (s.selectedRow !== null) next.set('e', String(s.selectedRow));
        setParams(next, { replace: true });
      }, 400);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [setParams]);
}

function Tooltip({
  hover,
  layout,
  label,
}: {
  readonly hover: Hover;
  readonly layout: LaneLayout;
  readonly label: (lane: number) => string;
}) {
  const row = hover.hit.event === null ? null : layout.laneRows[hover.hit.event]!;
  const summary = useEventSummary(row);
  if (hover.hit.lane === null) return null;
  return (
    <div
      className="timeline-tooltip"
      style={{ left: hover.x + 14, top: hover.y + 14 }}
      role="tooltip"
      data-testid="timeline-tooltip"
    >
      <div className="muted">{label(hover.hit.lane)}</div>
      {summary.data ? (
        <>
          <div className={summary.data.destructive ? 'danger' : ''}>
            <strong>{summary.data.action}</strong> {summary.data.target ?? ''}
          </div>
          <div className="mono">{formatInstant(summary.data.time)}</div>
          <div className="muted">
            {summary.data.actor} · {summary.data.outcome}
          </div>
        </>
      ) : (
        <div className="mono">{formatInstant(hover.hit.time)}</div>
      )}
    </div>
  );
}

/** The brushed range: its span, how many events it holds, and what to do with it. */
function BrushBar({ layout }: { readonly layout: LaneLayout }) {
  const brush = useTimelineStore((s) => s.brush);
  if (brush === null) return null;
  const count =
    lowerBound(layout.times, 0, layout.times.length, brush.end) -
    lowerBound(layout.times, 0, layout.times.length, brush.start);
  return (
    <div className="brush-bar" role="status" data-testid="timeline-brush">
      <span>
        Selected <span className="mono">{formatInstant(brush.start)}</span> to{' '}
        <span className="mono">{formatInstant(brush.end)}</span> (
        {formatSpan(brush.end - brush.start)}, {count.toLocaleString('en-US')} events)
      </span>
      <button
        type="button"
        className="button button--small"
        onClick={() => setView(fitRange(brush.start, brush.end, 0.02))}
      >
        Zoom to selection
      </button>
      <button
        type="button"
        className="button button--small button--ghost"
        onClick={() => setBrush(null)}
      >
        Clear
      </button>
    </div>
  );
}

function Legend() {
  return (
    <ul className="timeline-legend" aria-label="Colours">
      {marks.map((m) => (
        <li key={m}>
          <span
            className={`timeline-legend__swatch timeline-legend__swatch--${m}`}
            aria-hidden="true"
          />
          {markLabels[m]}
        </li>
      ))}
      <li>
        <span
          className="timeline-legend__swatch timeline-legend__swatch--finding"
          aria-hidden="true"
        />
        Finding
      </li>
    </ul>
  );
}

/** Findings that are moments or spans of the incident, drawn as bands. */
const bandKinds: Readonly<Record<FindingKind, boolean>> = {
  'destructive-burst': true,
  'backup-deletion': true,
  'retry-loop-escalation': true,
  'freeze-violation': true,
  // About a credential over the whole trail, not a moment: a band would cover everything.
  'credential-new': false,
  'credential-out-of-scope': false,
  'over-scoped-token': false,
};

/** Each timed finding's span, from its first to its last cited event. */
function findingBands(findings: ReadonlyArray<FindingView>): ReadonlyArray<Band> {
  return findings.flatMap((f) => {
    if (!bandKinds[f.kind] || f.cited.length === 0) return [];
    let start = Infinity;
    let end = -Infinity;
    for (const e of f.cited) {
      start = Math.min(start, e.time);
      end = Math.max(end, e.time);
    }
    return [{ start, end, label: f.title }];
  });
}

function TimelineWorkspace() {
  const filter = useTimelineStore((s) => s.filter);
  const grouping = useTimelineStore((s) => s.grouping);
  const selectedRow = useTimelineStore((s) => s.selectedRow);
  const eventFilter = useMemo(() => toEventFilter(filter), [filter]);
  const layoutQuery = useLaneLayout(eventFilter, grouping);
  const findings = useFindingsStore((s) => s.findings);
  const [hover, setHover] = useState<Hover | null>(null);

  const bands: ReadonlyArray<Band> = useMemo(() => findingBands(findings), [findings]);

  const layout = layoutQuery.data;
  const label = useMemo(() => (layout ? laneLabelOf(layout) : () => ''), [layout]);

  useEffect(() => {
    if (
      layout !== undefined &&
      useTimelineStore.getState().view === null &&
      layout.times.length > 0
    ) {
      setView(incidentRange(layout));
    }
  }, [layout]);

  const fit = useCallback(() => layout && setView(incidentRange(layout)), [layout]);

  if (layoutQuery.isError) {
    return (
      <p role="alert" className="notice notice--error">
        The timeline could not be built: {layoutQuery.error.message}
      </p>
    );
  }
  if (layout === undefined) {
    return (
      <p className="muted" data-testid="timeline-loading">
        Laying out the events…
      </p>
    );
  }
  return (
    <div className="timeline" data-testid="timeline">
      <FilterBar />
      <TimelineBody
        layout={layout}
        bands={bands}
        fit={fit}
        label={label}
        hover={hover}
        setHover={setHover}
        fetching={layoutQuery.isFetching}
      />
      <div className={`timeline__lower${selectedRow !== null ? ' timeline__lower--detail' : ''}`}>
        <div className="timeline__table">
          {layout.rows.length === 0 ? (
            <p className="muted" data-testid="timeline-no-match">
              No event matches these filters.
            </p>
          ) : (
            <EventTable layout={layout} />
          )}
          <BookmarkList />
        </div>
        {selectedRow !== null && <EventDetailPanel row={selectedRow} />}
      </div>
    </div>
  );
}

function TimelineBody(props: {
  readonly layout: LaneLayout;
  readonly bands: ReadonlyArray<Band>;
  readonly fit: () => void;
  readonly label: (lane: number) => string;
  readonly hover: Hover | null;
  readonly setHover: (hover: Hover | null) => void;
  readonly fetching: boolean;
}) {
  const { layout, bands } = props;
  usePlayback(layout, bands);
  return (
    <>
      <PlaybackBar layout={layout} onFit={props.fit} />
      <BrushBar layout={layout} />
      <div className="timeline__summary muted" aria-live="polite" data-testid="timeline-summary">
        {layout.times.length.toLocaleString('en-US')} events in {layout.lanes.length} lanes
        {props.fetching ? ' · updating…' : ''}
      </div>
      <Minimap layout={layout} />
      <div className="timeline__stage">
        <TimelineCanvas
          layout={layout}
          bands={bands}
          laneLabel={props.label}
          onHover={props.setHover}
        />
        {props.hover !== null && (
          <Tooltip hover={props.hover} layout={layout} label={props.label} />
        )}
      </div>
      <Legend />
    </>
  );
}

/**
 * The timeline replay view: lanes of every event, a cursor the other views follow,
 * playback, a table of the same events and the detail of one.
 */
export function TimelineView() {
  const storeSize = useSourcesStore((s) => s.storeSize);
  // The moment the view opens, from which the canvas measures its first paint.
  useState(() => performance.mark('timeline:open'));
  useMomentLink();
  return (
    <section
      className="view view--timeline"
      data-testid="view-timeline"
      aria-labelledby="view-timeline-title"
    >
      <ViewHeader
        id="view-timeline-title"
        title="Timeline"
        subtitle="Replay every event of the incident, by agent session, credential, actor or resource."
      />
      {storeSize === 0 ? (
        <EmptyState icon={<TimelineIcon />} title="Nothing to replay: no audit trails are loaded.">
          <p>
            Load the provider audit logs (GitHub, GitLab, CloudTrail, Kubernetes audit) and the
            agent&apos;s transcripts (Claude Code, Codex CLI) in <Link to="/sources">Sources</Link>.
            The replay then shows what the agent meant to do beside what the provider recorded, on
            lanes you can zoom from milliseconds to weeks.
          </p>
        </EmptyState>
      ) : (
        <TimelineWorkspace />
      )}
    </section>
  );
}
