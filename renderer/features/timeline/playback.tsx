import { useEffect } from 'react';
import type { LaneLayout } from '../../../shared/timeline/lane-layout';
import {
  advance,
  nextIndex,
  nextWithMark,
  previousIndex,
  previousWithMark,
  speeds,
} from '../../../shared/timeline/replay';
import {
  centreOn,
  fitRange,
  formatInstant,
  zoomAround,
  type TimeRange,
} from '../../../shared/timeline/time-scale';
import { runCommand, useCommandHandler } from '../../app/commands';
import type { Band } from './timeline-painter';
import { incidentRange } from './minimap';
import {
  selectEvent,
  setCursor,
  setPlaying,
  setSpeed,
  setView,
  slowDown,
  speedUp,
  togglePlaying,
  useTimelineStore,
} from './store';

/**
 * Keeps `time` on screen. Past the right edge the view pages forward, leaving the
 * cursor near the left so the coming events are in view; before the left edge it
 * centres on it.
 */
function keepVisible(time: number): void {
  const view = useTimelineStore.getState().view;
  if (view === null) return;
  const span = view.end - view.start;
  if (time > view.end - span * 0.02) setView({ start: time - span * 0.1, end: time + span * 0.9 });
  else if (time < view.start) setView(centreOn(view, time));
}

/** The cursor if set, else just before the first event (so "next" lands on the first). */
function cursorOf(layout: LaneLayout): number {
  return useTimelineStore.getState().cursor ?? (layout.times[0] ?? 0) - 1;
}

/** Steps to event `index` of the layout's time order: cursor, selection and view follow. */
function goTo(layout: LaneLayout, index: number): void {
  if (index < 0 || index >= layout.times.length) return;
  const time = layout.times[index]!;
  selectEvent(layout.rows[index]!, time);
  keepVisible(time);
}

/** The index of the event selected, when the cursor still sits on it (ties need it). */
function selectedIndex(layout: LaneLayout): number {
  const { selectedRow, cursor } = useTimelineStore.getState();
  if (selectedRow === null || cursor === null) return -1;
  const first = previousIndex(layout.times, cursor) + 1;
  for (let i = first; i < layout.times.length && layout.times[i] === cursor; i++) {
    if (layout.rows[i] === selectedRow) return i;
  }
  return -1;
}

/**
 * Playback and stepping: the animation loop while playing, and every timeline command.
 *
 * The loop advances the cursor by real elapsed time times the speed, so a slow frame
 * never slows the replay down; it stops at the last event.
 */
export function usePlayback(layout: LaneLayout, bands: ReadonlyArray<Band>): void {
  const playing = useTimelineStore((s) => s.playing);

  useEffect(() => {
    if (!playing) return;
    const end = layout.times[layout.times.length - 1];
    if (end === undefined) {
      setPlaying(false);
      return;
    }
    let last = performance.now();
    let frame = requestAnimationFrame(function tick(now) {
      const { cursor, speed } = useTimelineStore.getState();
      const from = cursor === null || cursor >= end ? layout.times[0]! : cursor;
      const step = advance(from, now - last, speed, end);
      last = now;
      setCursor(step.cursor);
      keepVisible(step.cursor);
      if (step.ended) setPlaying(false);
      else frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing, layout]);

  useCommandHandler('timeline.play', togglePlaying);
  useCommandHandler('timeline.faster', speedUp);
  useCommandHandler('timeline.slower', slowDown);
  useCommandHandler('timeline.next', () => {
    const at = selectedIndex(layout);
    goTo(layout, at >= 0 ? at + 1 : nextIndex(layout.times, cursorOf(layout)));
  });
  useCommandHandler('timeline.previous', () => {
    const at = selectedIndex(layout);
    goTo(layout, at >= 0 ? at - 1 : previousIndex(layout.times, cursorOf(layout)));
  });
  useCommandHandler('timeline.nextDestructive', () => {
    goTo(layout, nextWithMark(layout.times, layout.eventMarks, cursorOf(layout), 0));
  });
  useCommandHandler('timeline.previousDestructive', () => {
    goTo(layout, previousWithMark(layout.times, layout.eventMarks, cursorOf(layout), 0));
  });
  useCommandHandler('timeline.nextFinding', () => {
    const cursor = cursorOf(layout);
    const next =
      [...bands].sort((a, b) => a.start - b.start).find((b) => b.start > cursor) ?? bands[0];
    if (next === undefined) return;
    setCursor(next.start);
    setView(fitRange(next.start, next.end, 0.5));
  });
  const zoom = (factor: number): void => {
    const { view, cursor } = useTimelineStore.getState();
    if (view === null) return;
    const anchor =
      cursor !== null && cursor >= view.start && cursor <= view.end
        ? cursor
        : (view.start + view.end) / 2;
    setView(zoomAround(view, anchor, factor));
  };
  useCommandHandler('timeline.zoomIn', () => zoom(0.5));
  useCommandHandler('timeline.zoomOut', () => zoom(2));
  useCommandHandler('timeline.fit', () => setView(incidentRange(layout)));
}

/** The transport: play, step, speed and where the cursor is. */
export function PlaybackBar({
  layout,
  onFit,
}: {
  readonly layout: LaneLayout;
  readonly onFit: () => void;
}) {
  const playing = useTimelineStore((s) => s.playing);
  const speed = useTimelineStore((s) => s.speed);
  const cursor = useTimelineStore((s) => s.cursor);
  const view = useTimelineStore((s) => s.view);
  const destructiveLeft =
    cursor === null ? -1 : nextWithMark(layout.times, layout.eventMarks, cursor, 0);
  return (
    <div className="playback" role="toolbar" aria-label="Replay">
      <button
        type="button"
        className="button button--small"
        onClick={() => runCommand('timeline.previous')}
        aria-label="Previous event (K)"
        title="Previous event (K)"
      >
        ◀ Prev
      </button>
      <button
        type="button"
        className="button button--small button--primary"
        onClick={togglePlaying}
        aria-pressed={playing}
        data-testid="timeline-play"
        title="Play or pause (Space)"
      >
        {playing ? 'Pause' : 'Play'} <kbd>Space</kbd>
      </button>
      <button
        type="button"
        className="button button--small"
        onClick={() => runCommand('timeline.next')}
        aria-label="Next event (J)"
        title="Next event (J)"
      >
        Next ▶
      </button>
      <button
        type="button"
        className="button button--small button--danger"
        onClick={() => runCommand('timeline.nextDestructive')}
        disabled={cursor !== null && destructiveLeft < 0}
        data-testid="timeline-next-destructive"
        title="Next destructive event (D)"
      >
        Next destructive <kbd>D</kbd>
      </button>
      <label className="filter-field playback__speed">
        <span>Speed</span>
        <select
          value={speed}
          onChange={(e) => setSpeed(Number(e.target.value))}
          data-testid="timeline-speed"
        >
          {speeds.map((s) => (
            <option key={s} value={s}>
              {s}x
            </option>
          ))}
        </select>
      </label>
      <output className="playback__cursor mono" data-testid="timeline-cursor" aria-live="off">
        {cursor === null ? 'No cursor: click the timeline or press J' : formatInstant(cursor)}
      </output>
      <span className="playback__spacer" />
      <span className="muted mono">{view !== null ? spanLabel(view) : ''}</span>
      <button
        type="button"
        className="button button--small"
        onClick={onFit}
        title="Fit the whole incident (0)"
      >
        Fit <kbd>0</kbd>
      </button>
    </div>
  );
}

function spanLabel(view: TimeRange): string {
  const ms = view.end - view.start;
  if (ms < 1000) return `${ms.toFixed(ms < 100 ? 1 : 0)} ms shown`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s shown`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min shown`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h shown`;
  return `${(ms / 86_400_000).toFixed(1)} days shown`;
}
