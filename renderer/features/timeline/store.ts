import { create } from 'zustand';
import type { EventFilter } from '../../../shared/ingest/columnar/query';
import type { ActionClass } from '../../../shared/ingest/event';
import type { LaneGrouping } from '../../../shared/timeline/lane-layout';
import { faster, slower } from '../../../shared/timeline/replay';
import type { TimeRange } from '../../../shared/timeline/time-scale';

/** The filters the timeline and its table share; empty fields do not constrain. */
export interface TimelineFilter {
  readonly actor: string;
  readonly credential: string;
  readonly resource: string;
  readonly classes: ReadonlyArray<ActionClass>;
  readonly destructiveOnly: boolean;
  readonly text: string;
}

export const emptyFilter: TimelineFilter = {
  actor: '',
  credential: '',
  resource: '',
  classes: [],
  destructiveOnly: false,
  text: '',
};

/** The filter as the store's query engine takes it. */
export function toEventFilter(filter: TimelineFilter): EventFilter {
  return {
    ...(filter.actor.trim() !== '' ? { actors: [filter.actor.trim()] } : {}),
    ...(filter.credential.trim() !== '' ? { credentials: [filter.credential.trim()] } : {}),
    ...(filter.resource.trim() !== '' ? { targets: [filter.resource.trim()] } : {}),
    ...(filter.classes.length > 0 ? { classes: filter.classes } : {}),
    ...(filter.destructiveOnly ? { destructiveOnly: true } : {}),
    ...(filter.text.trim() !== '' ? { text: filter.text.trim() } : {}),
  };
}

interface TimelineState {
  readonly grouping: LaneGrouping;
  readonly filter: TimelineFilter;
  /** The visible range; null until the first layout arrives (then the incident is fitted). */
  readonly view: TimeRange | null;
  /**
   * The cursor: the point in time the Diff and Restore views follow. Null before an
   * incident is open.
   */
  readonly cursor: number | null;
  readonly playing: boolean;
  /** Replay speed, a multiple of real time (1x to 1000x). */
  readonly speed: number;
  /** The event open in the detail panel, by store row. */
  readonly selectedRow: number | null;
  /** A brushed range, shown shaded; the table can be narrowed to it. */
  readonly brush: TimeRange | null;
}

/**
 * The timeline's state: what is shown, where the cursor is, what is playing.
 *
 * One store so that the canvas, the table, the keyboard, the URL and the other views
 * (Diff and Restore follow the cursor) read and move the same cursor.
 */
export const useTimelineStore = create<TimelineState>(() => ({
  grouping: 'session',
  filter: emptyFilter,
  view: null,
  cursor: null,
  playing: false,
  speed: 10,
  selectedRow: null,
  brush: null,
}));

export function setGrouping(grouping: LaneGrouping): void {
  useTimelineStore.setState({ grouping });
}

export function setFilter(patch: Partial<TimelineFilter>): void {
  useTimelineStore.setState((s) => ({ filter: { ...s.filter, ...patch } }));
}

export function setView(view: TimeRange): void {
  useTimelineStore.setState({ view });
}

export function setCursor(cursor: number): void {
  useTimelineStore.setState({ cursor });
}

export function setPlaying(playing: boolean): void {
  useTimelineStore.setState({ playing });
}

export function togglePlaying(): void {
  useTimelineStore.setState((s) => ({ playing: !s.playing }));
}

export function speedUp(): void {
  useTimelineStore.setState((s) => ({ speed: faster(s.speed) }));
}

export function slowDown(): void {
  useTimelineStore.setState((s) => ({ speed: slower(s.speed) }));
}

export function setSpeed(speed: number): void {
  useTimelineStore.setState({ speed });
}

/** Opens an event in the detail panel and moves the cursor to it. */
export function selectEvent(row: number, time: number): void {
  useTimelineStore.setState({ selectedRow: row, cursor: time });
}

export function closeDetail(): void {
  useTimelineStore.setState({ selectedRow: null });
}

export function setBrush(brush: TimeRange | null): void {
  useTimelineStore.setState({ brush });
}

/** The cursor, for views that follow the timeline (Diff, Restore). */
export function useCursor(): number | null {
  return useTimelineStore((s) => s.cursor);
}
