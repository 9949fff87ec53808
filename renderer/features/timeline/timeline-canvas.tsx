import { useEffect, useRef, useState } from 'react';
import type { LaneLayout } from '../../../shared/timeline/lane-layout';
import { panBy, zoomAround, type TimeRange } from '../../../shared/timeline/time-scale';
import {
  geometry,
  hitTest,
  readPalette,
  TimelinePainter,
  type Band,
  type Hit,
} from './timeline-painter';
import { selectEvent, setBrush, setCursor, setView, useTimelineStore } from './store';

/** What the pointer is over, for the tooltip. */
export interface Hover {
  readonly x: number;
  readonly y: number;
  readonly hit: Hit;
}

interface TimelineCanvasProps {
  readonly layout: LaneLayout;
  readonly bands: ReadonlyArray<Band>;
  readonly laneLabel: (lane: number) => string;
  readonly onHover: (hover: Hover | null) => void;
}

/** Movement under which a press is a click, not a drag. */
const clickSlopPx = 4;

/**
 * The lanes canvas: draws frames from the timeline store and turns pointer input into
 * zoom, pan, brush, cursor moves and event selection.
 *
 * Frames are drawn outside React: the component subscribes to the store and repaints on
 * the next animation frame when anything drawn changed, so playback and panning never
 * re-render the component tree. Each paint is measured as `timeline:frame` (the
 * benchmark reads those entries); the first, from the view's opening (the
 * `timeline:open` mark), as `timeline:first-paint`.
 */
export function TimelineCanvas({ layout, bands, laneLabel, onHover }: TimelineCanvasProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [scrolledLane, setFirstLane] = useState(0);
  const [height, setHeight] = useState(0);
  const lanesFit = Math.max(1, Math.floor((height - geometry.axis) / geometry.laneHeight));
  const maxFirstLane = Math.max(0, layout.lanes.length - lanesFit);
  // A smaller layout (a filter, a regrouping) may leave fewer lanes than were scrolled past.
  const firstLane = Math.min(scrolledLane, maxFirstLane);
  const live = useRef({ layout, bands, laneLabel, firstLane });
  const requestPaint = useRef<() => void>(() => undefined);

  useEffect(() => {
    const canvas = canvasRef.current!;
    const painter = new TimelinePainter(canvas, readPalette(canvas));
    let pending = 0;
    let painted = false;

    const paint = (): void => {
      pending = 0;
      const { view, cursor, brush, selectedRow } = useTimelineStore.getState();
      if (view === null) return;
      const ratio = window.devicePixelRatio || 1;
      painter.resize(canvas.clientWidth, canvas.clientHeight, ratio);
      const start = performance.now();
      const current = live.current;
      painter.draw({
        layout: current.layout,
        view,
        cursor,
        brush,
        bands: current.bands,
        firstLane: current.firstLane,
        selectedRow,
        laneLabel: current.laneLabel,
      });
      performance.measure('timeline:frame', { start, end: performance.now() });
      if (!painted) {
        painted = true;
        performance.measure('timeline:first-paint', 'timeline:open');
        canvas.dataset['painted'] = 'true';
      }
      // Keep the entry buffer bounded in long sessions; the benchmark reads it often.
      if (performance.getEntriesByName('timeline:frame').length > 5000) {
        performance.clearMeasures('timeline:frame');
      }
    };
    requestPaint.current = () => {
      if (pending === 0) pending = requestAnimationFrame(paint);
    };

    const unsubscribe = useTimelineStore.subscribe((s, prev) => {
      if (
        s.view !== prev.view ||
        s.cursor !== prev.cursor ||
        s.brush !== prev.brush ||
        s.selectedRow !== prev.selectedRow
      ) {
        requestPaint.current();
      }
    });
    const resize = new ResizeObserver(() => {
      setHeight(canvas.clientHeight);
      requestPaint.current();
    });
    resize.observe(canvas);
    const themes = window.matchMedia('(prefers-color-scheme: dark)');
    const onTheme = (): void => {
      painter.setPalette(readPalette(canvas));
      requestPaint.current();
    };
    themes.addEventListener('change', onTheme);
    const themeAttribute = new MutationObserver(onTheme);
    themeAttribute.observe(document.documentElement, { attributes: true });
    requestPaint.current();
    return () => {
      unsubscribe();
      resize.disconnect();
      themes.removeEventListener('change', onTheme);
      themeAttribute.disconnect();
      cancelAnimationFrame(pending);
    };
  }, []);

  useEffect(() => {
    live.current = { layout, bands, laneLabel, firstLane };
    requestPaint.current();
  }, [layout, bands, laneLabel, firstLane]);

  // Wheel: zoom around the pointer; shift or a sideways swipe pans; over the lane
  // labels it scrolls the lanes. A non-passive listener, so the page does not scroll.
  useEffect(() => {
    const canvas = canvasRef.current!;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      const view = useTimelineStore.getState().view;
      if (view === null) return;
      const rect = canvas.getBoundingClientRect();
      const x = event.clientX - rect.left;
      const plotW = Math.max(1, rect.width - geometry.gutter);
      const msPerPx = (view.end - view.start) / plotW;
      const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? rect.height : 1;
      const dx = event.deltaX * unit;
      const dy = event.deltaY * unit;
      if (x < geometry.gutter) {
        setFirstLane((lane) =>
          Math.max(
            0,
            Math.min(maxFirstLaneOf(canvas, live.current.layout), lane + Math.sign(dy) * 3),
          ),
        );
        return;
      }
      if (event.shiftKey || Math.abs(dx) > Math.abs(dy)) {
        setView(panBy(view, (event.shiftKey ? dy || dx : dx) * msPerPx));
        return;
      }
      const anchor = view.start + (x - geometry.gutter) * msPerPx;
      // Pinch arrives as ctrl+wheel with small deltas: the same exponential feels right.
      setView(zoomAround(view, anchor, Math.exp(dy * (event.ctrlKey ? 0.01 : 0.0015))));
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, []);

  const drag = useRef<{
    readonly x: number;
    readonly view: TimeRange;
    readonly brush: boolean;
    moved: boolean;
  } | null>(null);

  const pointAt = (event: React.PointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top, width: rect.width };
  };

  const onPointerDown = (event: React.PointerEvent<HTMLCanvasElement>): void => {
    const view = useTimelineStore.getState().view;
    if (view === null || event.button !== 0) return;
    const { x } = pointAt(event);
    if (x < geometry.gutter) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { x, view, brush: event.shiftKey, moved: false };
  };

  const onPointerMove = (event: React.PointerEvent<HTMLCanvasElement>): void => {
    const { x, y, width } = pointAt(event);
    const state = drag.current;
    if (state !== null) {
      if (Math.abs(x - state.x) > clickSlopPx) state.moved = true;
      if (!state.moved) return;
      const msPerPx = (state.view.end - state.view.start) / Math.max(1, width - geometry.gutter);
      if (state.brush) {
        const a = state.view.start + (state.x - geometry.gutter) * msPerPx;
        const b = state.view.start + (x - geometry.gutter) * msPerPx;
        setBrush({ start: Math.min(a, b), end: Math.max(a, b) });
      } else {
        setView(panBy(state.view, -(x - state.x) * msPerPx));
      }
      onHover(null);
      return;
    }
    const view = useTimelineStore.getState().view;
    if (view === null) return;
    onHover({ x, y, hit: hitTest(layout, view, firstLane, width, x, y) });
  };

  const onPointerUp = (event: React.PointerEvent<HTMLCanvasElement>): void => {
    const state = drag.current;
    drag.current = null;
    if (state === null || state.moved) return;
    const view = useTimelineStore.getState().view;
    if (view === null) return;
    const { x, y, width } = pointAt(event);
    const hit = hitTest(layout, view, firstLane, width, x, y);
    if (hit.event !== null) {
      selectEvent(layout.laneRows[hit.event]!, layout.laneTimes[hit.event]!);
    } else {
      setCursor(hit.time);
      if (!event.shiftKey) setBrush(null);
    }
  };

  const onDoubleClick = (event: React.MouseEvent<HTMLCanvasElement>): void => {
    const view = useTimelineStore.getState().view;
    if (view === null) return;
    const rect = event.currentTarget.getBoundingClientRect();
    const x = event.clientX - rect.left;
    if (x < geometry.gutter) return;
    const anchor =
      view.start +
      ((x - geometry.gutter) / Math.max(1, rect.width - geometry.gutter)) * (view.end - view.start);
    setView(zoomAround(view, anchor, event.shiftKey ? 4 : 0.25));
  };

  return (
    <div className="timeline-canvas">
      <canvas
        ref={canvasRef}
        className="timeline-canvas__surface"
        style={{ height: canvasHeight(layout.lanes.length) }}
        data-testid="timeline-canvas"
        role="img"
        aria-label={`Timeline of ${layout.times.length.toLocaleString('en-US')} events in ${layout.lanes.length} lanes. The event table below lists the same events.`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => onHover(null)}
        onDoubleClick={onDoubleClick}
      />
      {layout.lanes.length > lanesFit && (
        <input
          className="timeline-canvas__lanes"
          type="range"
          min={0}
          max={maxFirstLane}
          value={firstLane}
          onChange={(e) => setFirstLane(Number(e.target.value))}
          aria-label="Scroll lanes"
          aria-orientation="vertical"
          data-testid="timeline-lane-scroll"
        />
      )}
    </div>
  );
}

/** Tall enough for every lane up to about 18 of them; more lanes scroll. */
function canvasHeight(lanes: number): string {
  const px = geometry.axis + Math.max(3, lanes) * geometry.laneHeight + 8;
  return `min(${px}px, max(42vh, 180px))`;
}

function maxFirstLaneOf(canvas: HTMLCanvasElement, layout: LaneLayout): number {
  const fit = Math.max(1, Math.floor((canvas.clientHeight - geometry.axis) / geometry.laneHeight));
  return Math.max(0, layout.lanes.length - fit);
}
